"""The adverse event catalogue: ``adverse_events.toml`` validated on load (clinical.md §4).

Terms with our short descriptions and the §4a frequency facts, the CTCAE v5.0 general grade
definitions (§4b, our paraphrase) and the ICH E2A serious criteria (§4b). A malformed file fails
at first use with a `KnowledgeError` naming the file and the entry. No Django here.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from prolotrack.knowledge.catalogue import KnowledgeError

# The ICH E2A criteria, in order; `safety.models.AdverseEvent` has one yes/no field per code.
SERIOUS_CRITERIA = (
    "results_in_death",
    "life_threatening",
    "hospitalisation",
    "disability",
    "congenital_anomaly",
    "important_medical_event",
)
OTHER_TERM = "other"

_MODEL_CONFIG = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)
_CODE = r"^[a-z][a-z0-9_]*[a-z0-9]$"


class _Sourced(BaseModel):
    model_config = _MODEL_CONFIG

    source: str = Field(min_length=1)
    confirmed: bool
    note: str = ""

    @model_validator(mode="after")
    def _unconfirmed_says_why(self) -> _Sourced:
        if not self.confirmed and not self.note:
            raise ValueError("an unconfirmed entry needs a note saying why")
        return self


class AdverseEventTerm(_Sourced):
    """One term staff (and patients) choose from, with what is known of its frequency."""

    code: str = Field(pattern=_CODE)
    label: str = Field(min_length=1, max_length=80)
    description: str = Field(min_length=1)
    frequency: str
    ctcae_term: str = ""
    in_consent: bool


class Grade(BaseModel):
    model_config = _MODEL_CONFIG

    grade: int = Field(ge=1, le=5)
    label: str = Field(min_length=1)
    definition: str = Field(min_length=1)


class Grading(_Sourced):
    scheme: str = Field(min_length=1)
    grades: tuple[Grade, ...]

    @model_validator(mode="after")
    def _one_to_five(self) -> Grading:
        if [grade.grade for grade in self.grades] != [1, 2, 3, 4, 5]:
            raise ValueError("grades must be 1, 2, 3, 4 and 5, in order")
        return self


class SeriousCriterion(BaseModel):
    model_config = _MODEL_CONFIG

    code: str = Field(pattern=_CODE)
    label: str = Field(min_length=1)
    description: str = Field(min_length=1)


class Seriousness(_Sourced):
    criteria: tuple[SeriousCriterion, ...]

    @model_validator(mode="after")
    def _the_known_criteria(self) -> Seriousness:
        codes = tuple(criterion.code for criterion in self.criteria)
        if codes != SERIOUS_CRITERIA:
            raise ValueError(f"criteria must be {list(SERIOUS_CRITERIA)}, in order; got {codes}")
        return self


class _CatalogueFile(BaseModel):
    model_config = _MODEL_CONFIG

    version: str = Field(min_length=1)
    published_trials: str = ""
    published_trials_source: str = ""
    terms: tuple[AdverseEventTerm, ...] = Field(min_length=1)
    grading: Grading
    seriousness: Seriousness

    @model_validator(mode="after")
    def _terms_unique_with_other(self) -> _CatalogueFile:
        codes = [term.code for term in self.terms]
        repeated = sorted({code for code in codes if codes.count(code) > 1})
        if repeated:
            raise ValueError(f"terms: codes repeat: {repeated}")
        if OTHER_TERM not in codes:
            raise ValueError(f"terms: the catch-all term {OTHER_TERM!r} is missing")
        for term in self.terms:
            if term.in_consent and not term.frequency:
                raise ValueError(f"terms: {term.code!r} is in the consent but has no frequency")
        return self


@dataclass(frozen=True)
class AdverseEventCatalogue:
    """The validated file: terms by code, the grades, the serious criteria."""

    version: str
    published_trials: str
    terms: Mapping[str, AdverseEventTerm]
    grading: Grading
    seriousness: Seriousness

    def grade(self, number: int) -> Grade:
        return self.grading.grades[number - 1]

    def criterion(self, code: str) -> SeriousCriterion:
        for criterion in self.seriousness.criteria:
            if criterion.code == code:
                return criterion
        raise KnowledgeError(f"no serious criterion {code!r}")

    def term_choices(self) -> list[tuple[str, str]]:
        return [(code, term.label) for code, term in self.terms.items()]


def _describe(error: ValidationError, document: Mapping[str, Any]) -> str:
    problems = []
    for problem in error.errors(include_url=False):
        location = tuple(problem["loc"])
        where = ".".join(str(part) for part in location)
        if len(location) >= 2 and location[0] == "terms" and isinstance(location[1], int):
            raw = document.get("terms")
            item = raw[location[1]] if isinstance(raw, list) and location[1] < len(raw) else {}
            named = f" (code {item['code']!r})" if isinstance(item, dict) and "code" in item else ""
            rest = ".".join(str(part) for part in location[2:])
            where = f"terms entry {location[1] + 1}{named}" + (f": {rest}" if rest else "")
        message = problem["msg"].removeprefix("Value error, ")
        problems.append(f"{where}: {message}" if where else message)
    return "; ".join(problems)


def adverse_event_catalogue_from_data(
    data: Mapping[str, Any], *, origin: str
) -> AdverseEventCatalogue:
    """Validate a catalogue (the shipped file, or later a clinic's copy)."""
    try:
        parsed = _CatalogueFile.model_validate(data)
    except ValidationError as error:
        raise KnowledgeError(f"{origin}: {_describe(error, data)}") from None
    return AdverseEventCatalogue(
        version=parsed.version,
        published_trials=parsed.published_trials,
        terms=MappingProxyType({term.code: term for term in parsed.terms}),
        grading=parsed.grading,
        seriousness=parsed.seriousness,
    )


def parse_adverse_events_file(path: Traversable) -> AdverseEventCatalogue:
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise KnowledgeError(f"{path.name}: cannot read the file: {error}") from error
    return adverse_event_catalogue_from_data(document, origin=path.name)


@cache
def adverse_event_catalogue() -> AdverseEventCatalogue:
    """The shipped catalogue (clinical.md §4)."""
    return parse_adverse_events_file(files("prolotrack.knowledge").joinpath("adverse_events.toml"))
