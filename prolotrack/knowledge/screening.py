"""Screening rules: ``contraindications.toml`` validated on load (clinical.md §3).

The rules, their classes and their sources live in the data file. This module checks its
shape (severity, what a rule applies to, which medical-history field prefills it) and builds
the plain `prolotrack.domain.screening.ScreeningRules`, which `screen` and `prefill` take.
A malformed file fails with a `KnowledgeError` naming the file and the entry. No Django here.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from prolotrack.domain.screening import (
    Advice,
    AppliesTo,
    Prefill,
    PrefillKind,
    ScreeningRule,
    ScreeningRules,
    Severity,
)
from prolotrack.knowledge.catalogue import KnowledgeError

# The fields of patients.models.MedicalHistory that can answer a question, by type.
HISTORY_YES_NO_FIELDS = frozenset(
    {
        "on_anticoagulants",
        "bleeding_disorder",
        "diabetes",
        "arthroplasty_right",
        "arthroplasty_left",
        "allergy_local_anaesthetic",
        "allergy_corn_dextrose",
        "pregnant",
    }
)
HISTORY_DATE_FIELDS = frozenset({"last_corticosteroid_injection_on", "hba1c_measured_on"})

_MODEL_CONFIG = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)
_CODE = r"^[a-z][a-z0-9_]*[a-z0-9]$"


class PrefillEntry(BaseModel):
    model_config = _MODEL_CONFIG

    kind: PrefillKind
    field: str = ""
    right_field: str = ""
    left_field: str = ""
    window_days: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _fields_fit_kind(self) -> PrefillEntry:
        sided = self.kind == "knee_flag"
        if sided != bool(self.right_field and self.left_field) or (sided and self.field):
            raise ValueError("knee_flag takes right_field and left_field; other kinds take field")
        if not sided and not self.field:
            raise ValueError(f"{self.kind} needs a field")
        if (self.kind == "within_days") != (self.window_days is not None):
            raise ValueError("window_days goes with kind within_days, and only with it")
        wanted = HISTORY_DATE_FIELDS if self.kind == "within_days" else HISTORY_YES_NO_FIELDS
        for name in (self.right_field, self.left_field) if sided else (self.field,):
            if name not in wanted:
                raise ValueError(f"{name!r} is not a history field for {self.kind}")
        return self


class RuleEntry(BaseModel):
    model_config = _MODEL_CONFIG

    code: str = Field(pattern=_CODE)
    question: str = Field(min_length=1, max_length=120)
    severity: Severity
    applies_to: AppliesTo
    prefill: PrefillEntry | None = None
    advice: str = Field(min_length=1)
    source: str = Field(min_length=1)
    confirmed: bool
    note: str = ""

    @model_validator(mode="after")
    def _unconfirmed_says_why(self) -> RuleEntry:
        if not self.confirmed and not self.note:
            raise ValueError("an unconfirmed rule needs a note saying why")
        return self


class AdviceEntry(BaseModel):
    model_config = _MODEL_CONFIG

    code: str = Field(pattern=_CODE)
    text: str = Field(min_length=1)
    source: str = Field(min_length=1)
    confirmed: bool
    note: str = ""

    @model_validator(mode="after")
    def _unconfirmed_says_why(self) -> AdviceEntry:
        if not self.confirmed and not self.note:
            raise ValueError("unconfirmed advice needs a note saying why")
        return self


class ContraindicationsFile(BaseModel):
    model_config = _MODEL_CONFIG

    version: str = Field(min_length=1)
    source: str = Field(min_length=1)
    note: str = ""
    rules: tuple[RuleEntry, ...] = Field(min_length=1)
    advice: tuple[AdviceEntry, ...] = ()

    @model_validator(mode="after")
    def _codes_unique(self) -> ContraindicationsFile:
        seen: dict[str, str] = {}
        named = [("rules", position, rule.code) for position, rule in enumerate(self.rules, 1)]
        named += [("advice", position, item.code) for position, item in enumerate(self.advice, 1)]
        for table, position, code in named:
            name = f"{table} entry {position} (code {code!r})"
            if code in seen:
                raise ValueError(f"{name}: duplicate code, already in {seen[code]}")
            seen[code] = name
        return self


def _prefill(entry: PrefillEntry | None) -> Prefill | None:
    if entry is None:
        return None
    return Prefill(
        kind=entry.kind,
        field=entry.field,
        right_field=entry.right_field,
        left_field=entry.left_field,
        window_days=entry.window_days,
    )


def _rules(parsed: ContraindicationsFile) -> ScreeningRules:
    return ScreeningRules(
        version=parsed.version,
        rules=tuple(
            ScreeningRule(
                code=r.code,
                question=r.question,
                severity=r.severity,
                applies_to=r.applies_to,
                prefill=_prefill(r.prefill),
                advice=r.advice,
                source=r.source,
                confirmed=r.confirmed,
                note=r.note,
            )
            for r in parsed.rules
        ),
        advice=tuple(Advice(a.code, a.text, a.source, a.confirmed) for a in parsed.advice),
    )


def _where(location: tuple[int | str, ...], document: Mapping[str, Any]) -> str:
    """``rules entry 3 (code 'x'): severity`` for the pydantic location ('rules', 2, ...)."""
    if len(location) < 2 or not isinstance(location[1], int):
        return ".".join(str(part) for part in location)
    table, position = str(location[0]), location[1]
    entries = document.get(table)
    raw = entries[position] if isinstance(entries, list) and position < len(entries) else {}
    named = f" (code {raw['code']!r})" if isinstance(raw, dict) and "code" in raw else ""
    rest = ".".join(str(part) for part in location[2:])
    return f"{table} entry {position + 1}{named}" + (f": {rest}" if rest else "")


def screening_rules_from_data(data: Mapping[str, Any], *, origin: str) -> ScreeningRules:
    """Validate the rules (the shipped file, or later a clinic's copy) into the domain type."""
    try:
        parsed = ContraindicationsFile.model_validate(data)
    except ValidationError as error:
        problems = []
        for problem in error.errors(include_url=False):
            where = _where(tuple(problem["loc"]), data)
            message = problem["msg"].removeprefix("Value error, ")
            problems.append(f"{where}: {message}" if where else message)
        raise KnowledgeError(f"{origin}: {'; '.join(problems)}") from error
    return _rules(parsed)


def parse_contraindications_file(path: Traversable) -> ScreeningRules:
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise KnowledgeError(f"{path.name}: cannot read the file: {error}") from error
    return screening_rules_from_data(document, origin=path.name)


@cache
def screening_rules() -> ScreeningRules:
    """The shipped contraindications, precautions and standing advice (clinical.md §3)."""
    return parse_contraindications_file(
        files("prolotrack.knowledge").joinpath("contraindications.toml")
    )
