"""ICD-10-CM codes and knee injection sites: TOML data files validated on load.

The facts and their citations live in the data files, not here:
``codes/icd10cm.toml`` (clinical.md §7a) and ``sites/injection_sites.toml`` (clinical.md §1
and §7b). This module only checks their shape, so a malformed file fails loudly at first use
instead of reaching a form or a FHIR resource. It imports nothing from Django.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from types import MappingProxyType
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

Category = Literal[
    "knee_oa",
    "patellar_tendinopathy",
    "mcl_sprain",
    "lcl_sprain",
    "acl_sprain",
    "chronic_instability",
    "osgood_schlatter",
]
Laterality = Literal["right", "left", "bilateral", "unspecified"]
Region = Literal["intra_articular", "medial", "lateral", "anterior"]
Approach = Literal["intra_articular", "extra_articular"]
MapView = Literal["anterior", "medial", "lateral"]
MAP_VIEWS: tuple[MapView, ...] = ("anterior", "medial", "lateral")
# Each view of the knee diagram has its own box; a site's marker must lie inside it.
MAP_VIEW_WIDTH = 200
MAP_VIEW_HEIGHT = 300

_MODEL_CONFIG = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)
_KNEE_SIDES = ("right", "left")
_LATERALITIES_FITTING_ANY_SIDE = ("bilateral", "unspecified")


class KnowledgeError(ValueError):
    """A knowledge data file is malformed, or a lookup names something it does not hold."""


class Icd10Code(BaseModel):
    """One ICD-10-CM diagnosis code; ``confirmed`` is false where clinical.md says UNCONFIRMED."""

    model_config = _MODEL_CONFIG

    code: str = Field(pattern=r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")
    title: str = Field(min_length=1)
    category: Category
    laterality: Laterality
    confirmed: bool
    source: str = Field(min_length=1)
    note: str = ""

    @model_validator(mode="after")
    def _unconfirmed_code_says_why(self) -> Icd10Code:
        if not self.confirmed and not self.note:
            raise ValueError("an unconfirmed code needs a note saying why")
        return self


class VolumeRangeMl(BaseModel):
    """Typical volume in mL for one site in one session, as a published protocol gives it."""

    model_config = _MODEL_CONFIG

    min: float = Field(gt=0)
    max: float = Field(gt=0)
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _min_not_above_max(self) -> VolumeRangeMl:
        if self.min > self.max:
            raise ValueError(f"min {self.min} mL is above max {self.max} mL")
        return self


class MapPosition(BaseModel):
    """Where a site is marked in one view of the knee diagram (x right, y down)."""

    model_config = _MODEL_CONFIG

    view: MapView
    x: int = Field(ge=0, le=MAP_VIEW_WIDTH)
    y: int = Field(ge=0, le=MAP_VIEW_HEIGHT)


class InjectionSite(BaseModel):
    """One injection site of the knee, with its SNOMED CT body site where one is known."""

    model_config = _MODEL_CONFIG

    code: str = Field(pattern=r"^[a-z][a-z_]*[a-z]$")
    label: str = Field(min_length=1)
    region: Region
    default_approach: Approach
    structure: str = Field(min_length=1)
    snomed_code: str | None = Field(default=None, pattern=r"^[0-9]{6,18}$")
    snomed_confirmed: bool
    source: str = Field(min_length=1)
    note: str = ""
    typical_volume_ml: VolumeRangeMl | None = None
    map: tuple[MapPosition, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> InjectionSite:
        views = [position.view for position in self.map]
        if len(set(views)) != len(views):
            raise ValueError("a site is marked at most once in each view of the knee map")
        if (self.region == "intra_articular") != (self.default_approach == "intra_articular"):
            raise ValueError("only the intra-articular region takes the intra-articular approach")
        if self.snomed_confirmed and self.snomed_code is None:
            raise ValueError("snomed_confirmed is true but there is no snomed_code")
        if not self.snomed_confirmed and not self.note:
            raise ValueError("a missing or unconfirmed SNOMED code needs a note saying why")
        return self


_Entry = TypeVar("_Entry", Icd10Code, InjectionSite)


def _read_toml(path: Traversable) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise KnowledgeError(f"{path.name}: cannot read the file: {error}") from error


def _entry_name(path: Traversable, table: str, position: int, raw: object) -> str:
    code = raw.get("code") if isinstance(raw, dict) else None
    named = f" (code {code!r})" if code is not None else ""
    return f"{path.name}: [[{table}]] entry {position}{named}"


def _describe(error: ValidationError) -> str:
    problems = []
    for problem in error.errors(include_url=False):
        where = ".".join(str(part) for part in problem["loc"])
        problems.append(f"{where}: {problem['msg']}" if where else problem["msg"])
    return "; ".join(problems)


def _parse_entries(path: Traversable, *, table: str, model: type[_Entry]) -> Mapping[str, _Entry]:
    """Validate every entry of the ``[[table]]`` array, keyed by code, in file order."""
    document = _read_toml(path)
    unexpected = sorted(set(document) - {table})
    if unexpected:
        raise KnowledgeError(f"{path.name}: unexpected top-level keys {unexpected}")
    raw_entries = document.get(table)
    if not isinstance(raw_entries, list) or not raw_entries:
        raise KnowledgeError(f"{path.name}: expected a non-empty [[{table}]] array")
    entries: dict[str, _Entry] = {}
    positions: dict[str, int] = {}
    for position, raw in enumerate(raw_entries, start=1):
        name = _entry_name(path, table, position, raw)
        try:
            entry = model.model_validate(raw)
        except ValidationError as error:
            raise KnowledgeError(f"{name}: {_describe(error)}") from error
        first = positions.get(entry.code)
        if first is not None:
            raise KnowledgeError(f"{name}: duplicate code, already in entry {first}")
        entries[entry.code] = entry
        positions[entry.code] = position
    return MappingProxyType(entries)


def _parse_icd10_file(path: Traversable) -> Mapping[str, Icd10Code]:
    return _parse_entries(path, table="codes", model=Icd10Code)


def _parse_sites_file(path: Traversable) -> Mapping[str, InjectionSite]:
    return _parse_entries(path, table="sites", model=InjectionSite)


def _data_file(*parts: str) -> Traversable:
    return files("prolotrack.knowledge").joinpath(*parts)


@cache
def icd10_codes() -> Mapping[str, Icd10Code]:
    """The ICD-10-CM catalogue (clinical.md §7a), keyed by code, in file order."""
    return _parse_icd10_file(_data_file("codes", "icd10cm.toml"))


@cache
def injection_sites() -> Mapping[str, InjectionSite]:
    """The knee injection-site catalogue (clinical.md §1, §7b), keyed by code, in file order."""
    return _parse_sites_file(_data_file("sites", "injection_sites.toml"))


def _check_side(side: str) -> None:
    if side not in _KNEE_SIDES:
        raise KnowledgeError(f"unknown knee side {side!r}: expected 'right' or 'left'")


def _fits(entry: Icd10Code, side: str) -> bool:
    return entry.laterality == side or entry.laterality in _LATERALITIES_FITTING_ANY_SIDE


def codes_for_side(side: str) -> list[Icd10Code]:
    """Codes that may describe a condition of the ``side`` knee ('right' or 'left').

    A code fits when it names that side, both sides, or no side.
    """
    _check_side(side)
    return [entry for entry in icd10_codes().values() if _fits(entry, side)]


def code_fits_side(code: str, side: str) -> bool:
    """Whether ``code`` may describe a condition of the ``side`` knee; unknown codes raise."""
    _check_side(side)
    entry = icd10_codes().get(code)
    if entry is None:
        raise KnowledgeError(f"unknown ICD-10-CM code {code!r}")
    return _fits(entry, side)


def site_choices() -> list[tuple[str, str]]:
    """(code, label) pairs for a form, in the order of the data file."""
    return [(site.code, site.label) for site in injection_sites().values()]


def icd10_choices() -> list[tuple[str, str]]:
    """(code, "CODE — title") pairs for a form, sorted by code.

    Unconfirmed codes say so in their label, because clinical.md asks the UI to show them
    as unconfirmed to the clinician.
    """
    choices = []
    for code in sorted(icd10_codes()):
        entry = icd10_codes()[code]
        suffix = "" if entry.confirmed else " (unconfirmed)"
        choices.append((code, f"{code} \N{EM DASH} {entry.title}{suffix}"))
    return choices
