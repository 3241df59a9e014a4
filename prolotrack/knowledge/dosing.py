"""Dosing facts as data: ``dosing/limits.toml`` -> the domain's `DoseLimits`.

The values and their citations live in the file (clinical.md §2); this module checks their
shape with pydantic. Numbers are read as exact decimals (TOML floats become `Decimal`, never
float), and a number written as a string is refused. A malformed file fails at first use
with a `KnowledgeError` naming the file. It imports nothing from Django.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from decimal import Decimal
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    model_validator,
)

from prolotrack.domain.dosing import DoseLimits, LidocaineMaximum, StockStrength
from prolotrack.knowledge.catalogue import KnowledgeError

SHIPPED_FILE = "dosing/limits.toml"

_MODEL_CONFIG = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


def _exact_number(value: object) -> Decimal:
    """A TOML integer or (Decimal-parsed) float; strings, booleans and floats are refused."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise ValueError(f"must be a number, not {type(value).__name__}")
    number = Decimal(value)
    if not number.is_finite():
        raise ValueError(f"must be a finite number, got {number}")
    return number


# Upper bound and places are sanity bounds that keep the domain's exact arithmetic small.
_Positive = Annotated[
    Decimal, BeforeValidator(_exact_number), Field(gt=0, le=100_000, decimal_places=9)
]
_Text = Annotated[str, Field(min_length=1)]


class _Sourced(BaseModel):
    model_config = _MODEL_CONFIG

    source: _Text
    confirmed: StrictBool
    note: str = ""

    @model_validator(mode="after")
    def _unconfirmed_says_why(self) -> _Sourced:
        if not self.confirmed and not self.note:
            raise ValueError("an unconfirmed value needs a note saying why")
        return self


class _Maximum(_Sourced):
    mg_per_kg: _Positive
    ceiling_mg: _Positive


class _Lidocaine(BaseModel):
    model_config = _MODEL_CONFIG

    without_epinephrine: _Maximum
    with_epinephrine: _Maximum

    @model_validator(mode="after")
    def _epinephrine_not_lower(self) -> _Lidocaine:
        plain, with_epinephrine = self.without_epinephrine, self.with_epinephrine
        if (
            with_epinephrine.mg_per_kg < plain.mg_per_kg
            or with_epinephrine.ceiling_mg < plain.ceiling_mg
        ):
            raise ValueError("the maximum with epinephrine is below the maximum without it")
        return self


class _Strength(_Sourced):
    percent: _Positive
    amount_per_ml: _Positive
    unit: Literal["g", "mg"]


class _Stock(BaseModel):
    model_config = _MODEL_CONFIG

    dextrose: _Strength
    lidocaine: tuple[_Strength, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _weight_per_volume(self) -> _Stock:
        if self.dextrose.unit != "g" or any(s.unit != "mg" for s in self.lidocaine):
            raise ValueError("dextrose is labelled in g per mL and lidocaine in mg per mL")
        percents = [strength.percent for strength in self.lidocaine]
        if len(set(percents)) != len(percents):
            raise ValueError(f"lidocaine strengths repeat: {[str(p) for p in percents]}")
        for substance, strength in [("dextrose", self.dextrose)] + [
            ("lidocaine", s) for s in self.lidocaine
        ]:
            if not _strength(substance, strength).agrees_with_weight_per_volume():
                raise ValueError(
                    f"{substance} {strength.percent} % = {strength.amount_per_ml} "
                    f"{strength.unit}/mL disagrees with % w/v (1 % = 1 g per 100 mL)"
                )
        return self


class _Weight(_Sourced):
    max_age_days: StrictInt = Field(ge=1)


class _DoseLimitsFile(BaseModel):
    """The whole file, as written."""

    model_config = _MODEL_CONFIG

    version: _Text
    caution: str = ""
    lidocaine: _Lidocaine
    stock: _Stock
    weight: _Weight


def _maximum(entry: _Maximum) -> LidocaineMaximum:
    return LidocaineMaximum(
        mg_per_kg=entry.mg_per_kg,
        ceiling_mg=entry.ceiling_mg,
        source=entry.source,
        confirmed=entry.confirmed,
        note=entry.note,
    )


def _strength(substance: str, entry: _Strength) -> StockStrength:
    return StockStrength(
        substance="dextrose" if substance == "dextrose" else "lidocaine",
        percent=entry.percent,
        amount_per_ml=entry.amount_per_ml,
        unit=entry.unit,
        source=entry.source,
        confirmed=entry.confirmed,
        note=entry.note,
    )


def _describe(error: ValidationError) -> str:
    problems = []
    for problem in error.errors(include_url=False):
        where = ".".join(str(part) for part in problem["loc"])
        message = problem["msg"].removeprefix("Value error, ")
        problems.append(f"{where}: {message}" if where else message)
    return "; ".join(problems)


def dose_limits_from_data(data: Mapping[str, Any], *, origin: str) -> DoseLimits:
    """Validate dosing facts (from a file or a clinic's override) into the domain type."""
    try:
        entry = _DoseLimitsFile.model_validate(data)
    except ValidationError as error:
        raise KnowledgeError(f"{origin}: {_describe(error)}") from None
    return DoseLimits(
        version=entry.version,
        without_epinephrine=_maximum(entry.lidocaine.without_epinephrine),
        with_epinephrine=_maximum(entry.lidocaine.with_epinephrine),
        caution=entry.caution,
        stock_strengths=(
            _strength("dextrose", entry.stock.dextrose),
            *(_strength("lidocaine", strength) for strength in entry.stock.lidocaine),
        ),
        weight_max_age_days=entry.weight.max_age_days,
        weight_note=entry.weight.note,
    )


def parse_dose_limits_file(path: Traversable) -> DoseLimits:
    """Read and validate one dosing file; TOML floats are read as exact decimals."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise KnowledgeError(f"{path.name}: cannot read the file: {error}") from error
    return dose_limits_from_data(data, origin=path.name)


@cache
def dose_limits() -> DoseLimits:
    """The shipped dosing facts (clinical.md §2)."""
    return parse_dose_limits_file(files("prolotrack.knowledge").joinpath(SHIPPED_FILE))
