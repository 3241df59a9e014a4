"""The patient's post-session check-in: ``check_in.toml`` validated on load.

Each problem names a term of the adverse event catalogue; each severity a suggested CTCAE
grade (1-3, a suggestion only: the clinician grades). A malformed file fails at first use with
a `KnowledgeError` naming the file. No Django here.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib.resources import files

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from prolotrack.knowledge.adverse_events import adverse_event_catalogue
from prolotrack.knowledge.catalogue import KnowledgeError

_MODEL_CONFIG = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)
_CODE = r"^[a-z][a-z0-9_]*[a-z0-9]$"


class CheckInProblem(BaseModel):
    model_config = _MODEL_CONFIG

    code: str = Field(pattern=_CODE)
    label: str = Field(min_length=1, max_length=120)
    term: str = Field(pattern=_CODE)
    urgent: bool = False
    needs_description: bool = False


class CheckInSeverity(BaseModel):
    model_config = _MODEL_CONFIG

    code: str = Field(pattern=_CODE)
    label: str = Field(min_length=1)
    suggested_grade: int = Field(ge=1, le=5)


class CheckInChoice(BaseModel):
    model_config = _MODEL_CONFIG

    code: str = Field(pattern=_CODE)
    label: str = Field(min_length=1)


def _unique(name: str, codes: list[str]) -> None:
    repeated = sorted({code for code in codes if codes.count(code) > 1})
    if repeated:
        raise ValueError(f"{name}: codes repeat: {repeated}")


class CheckIn(BaseModel):
    """The check-in's wording and choices."""

    model_config = _MODEL_CONFIG

    version: str = Field(min_length=1)
    question: str = Field(min_length=1)
    offer: str = Field(min_length=1)
    source: str = Field(min_length=1)
    confirmed: bool
    note: str = ""
    max_onset_days: int = Field(ge=1, le=365)
    max_description_chars: int = Field(ge=100, le=10_000)
    problems: tuple[CheckInProblem, ...] = Field(min_length=1)
    severities: tuple[CheckInSeverity, ...] = Field(min_length=1)
    sought_care: tuple[CheckInChoice, ...] = Field(min_length=1)
    what_happens_next: str = Field(min_length=1)
    urgent_signs: str = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> CheckIn:
        if not self.confirmed and not self.note:
            raise ValueError("an unconfirmed file needs a note saying why")
        _unique("problems", [problem.code for problem in self.problems])
        _unique("severities", [severity.code for severity in self.severities])
        _unique("sought_care", [choice.code for choice in self.sought_care])
        return self

    def problem(self, code: str) -> CheckInProblem:
        return next(problem for problem in self.problems if problem.code == code)

    def severity(self, code: str) -> CheckInSeverity:
        return next(severity for severity in self.severities if severity.code == code)

    def sought_care_label(self, code: str) -> str:
        return next(choice.label for choice in self.sought_care if choice.code == code)


@cache
def check_in() -> CheckIn:
    """The shipped check-in (``knowledge/check_in.toml``), its terms checked against the
    adverse event catalogue."""
    path = files("prolotrack.knowledge").joinpath("check_in.toml")
    try:
        parsed = CheckIn.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise KnowledgeError(f"{path.name}: cannot read the file: {error}") from error
    except ValidationError as error:
        raise KnowledgeError(f"{path.name}: {error}") from None
    terms = adverse_event_catalogue().terms
    unknown = sorted(problem.term for problem in parsed.problems if problem.term not in terms)
    if unknown:
        raise KnowledgeError(f"{path.name}: problems name unknown adverse event terms {unknown}")
    return parsed
