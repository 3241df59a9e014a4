"""Opioid conversion factors as data: ``medications.toml`` -> `MedicationCatalogue`.

The factors turn a daily opioid dose into oral morphine milligram equivalents
(`prolotrack.domain.medication.mme_per_day`). A malformed file fails at first use with a
`KnowledgeError` naming the file and the entry. No Django here.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib.resources import files
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from prolotrack.knowledge.catalogue import KnowledgeError

SHIPPED_FILE = "medications.toml"
_MODEL_CONFIG = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)
_CODE = r"^[a-z][a-z0-9_]*[a-z0-9]$"


class Opioid(BaseModel):
    """One opioid: its label and factor (a decimal string, so 0.15 stays exact)."""

    model_config = _MODEL_CONFIG

    code: str = Field(pattern=_CODE)
    label: str = Field(min_length=1, max_length=60)
    mme_factor: Decimal
    confirmed: bool = Field(strict=True)
    note: str = ""
    source: str = ""

    @field_validator("mme_factor", mode="before")
    @classmethod
    def _exact(cls, value: object) -> Decimal:
        if not isinstance(value, str):
            raise ValueError('write the factor as a string, e.g. "1.5"')
        try:
            factor = Decimal(value)
        except InvalidOperation:
            raise ValueError("not a number") from None
        if not factor.is_finite() or not Decimal("0") < factor <= Decimal("100"):
            raise ValueError("the factor must be above 0 and at most 100")
        return factor

    @model_validator(mode="after")
    def _unconfirmed_says_why(self) -> Opioid:
        if not self.confirmed and not self.note:
            raise ValueError("an unconfirmed entry needs a note saying why")
        return self


class _File(BaseModel):
    model_config = _MODEL_CONFIG

    version: str = Field(min_length=1, max_length=60)
    source: str = Field(min_length=1)
    opioids: dict[str, dict[str, Any]] = Field(min_length=1)


@dataclass(frozen=True)
class MedicationCatalogue:
    version: str
    source: str
    opioids: Mapping[str, Opioid]

    def choices(self) -> list[tuple[str, str]]:
        return sorted(((code, o.label) for code, o in self.opioids.items()), key=lambda c: c[1])


def parse_catalogue(data: Mapping[str, Any], *, origin: str) -> MedicationCatalogue:
    try:
        parsed = _File.model_validate(data)
    except ValidationError as error:
        raise KnowledgeError(f"{origin}: {error}") from None
    opioids: dict[str, Opioid] = {}
    for code, entry in parsed.opioids.items():
        try:
            opioids[code] = Opioid.model_validate(
                {"code": code, "source": parsed.source} | dict(entry)
            )
        except ValidationError as error:
            raise KnowledgeError(f"{origin}: opioids.{code}: {error}") from None
    return MedicationCatalogue(parsed.version, parsed.source, MappingProxyType(opioids))


@cache
def medication_catalogue() -> MedicationCatalogue:
    text = files("prolotrack.knowledge").joinpath(SHIPPED_FILE).read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise KnowledgeError(f"{SHIPPED_FILE}: {error}") from None
    return parse_catalogue(data, origin=SHIPPED_FILE)
