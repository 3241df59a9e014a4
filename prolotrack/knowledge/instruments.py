"""Questionnaire definitions: one TOML file per instrument, validated on load.

The facts and their citations live in ``instruments/*.toml`` (clinical.md §5 and §7c). This
module checks their shape with pydantic and turns them into the plain definitions of
`prolotrack.domain.instruments`, which the scoring functions take. A malformed file fails at
first use with a `KnowledgeError` naming the file and the entry. It imports nothing from Django.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from prolotrack.domain.instruments.definitions import (
    CategoryBand,
    CategoryBands,
    Flag,
    InstrumentDefinition,
    Item,
    ResponseOption,
    ResponseScale,
    ScoreDirection,
    ScoringRule,
    Subscale,
)
from prolotrack.knowledge.catalogue import KnowledgeError

MAX_LABEL_LENGTH = 60
"""Labels are short descriptions of our own, never the official (longer) item wording."""

_MODEL_CONFIG = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)
_KEY = r"^[a-z][a-z0-9_]*$"
_ITEM_ID = r"^[A-Za-z][A-Za-z0-9_]*$"
_Label = Field(min_length=1, max_length=MAX_LABEL_LENGTH)


class OptionEntry(BaseModel):
    model_config = _MODEL_CONFIG

    value: int
    label: str = _Label


class ScaleEntry(BaseModel):
    """The answers an item takes: only the options, or any whole number in the range."""

    model_config = _MODEL_CONFIG

    minimum: int
    maximum: int
    options_only: bool
    options: tuple[OptionEntry, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _options_fit(self) -> ScaleEntry:
        if self.minimum >= self.maximum:
            raise ValueError(f"minimum {self.minimum} is not below maximum {self.maximum}")
        values = [option.value for option in self.options]
        if len(set(values)) != len(values):
            raise ValueError(f"option values repeat: {values}")
        outside = [v for v in values if not self.minimum <= v <= self.maximum]
        if outside:
            raise ValueError(f"option values {outside} are outside {self.minimum}-{self.maximum}")
        if self.options_only and {self.minimum, self.maximum} - set(values):
            raise ValueError("with options_only, the minimum and maximum must be option values")
        return self


class ItemEntry(BaseModel):
    model_config = _MODEL_CONFIG

    id: str = Field(pattern=_ITEM_ID)
    label: str = _Label
    scale: str

    @model_validator(mode="after")
    def _label_starts_with_id(self) -> ItemEntry:
        if not self.label.startswith(f"{self.id}: "):
            raise ValueError(f"label {self.label!r} must start with '{self.id}: '")
        return self


class SubscaleEntry(BaseModel):
    model_config = _MODEL_CONFIG

    key: str = Field(pattern=_KEY)
    items: tuple[str, ...] = Field(min_length=1)
    min_answered: int = Field(ge=1)


class FlagEntry(BaseModel):
    model_config = _MODEL_CONFIG

    key: str = Field(pattern=_KEY)
    item: str
    values: tuple[int, ...] = Field(min_length=1)
    source: str = Field(min_length=1)


class BandEntry(BaseModel):
    model_config = _MODEL_CONFIG

    label: str = _Label
    minimum: float
    maximum: float


class BandSetEntry(BaseModel):
    model_config = _MODEL_CONFIG

    source: str = Field(min_length=1)
    bands: tuple[BandEntry, ...] = Field(min_length=1)


class InstrumentEntry(BaseModel):
    """One instrument file, as written."""

    model_config = _MODEL_CONFIG

    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$")
    version: str = Field(min_length=1)
    title: str = Field(min_length=1)
    knee_specific: bool
    recall_period: str = Field(min_length=1)
    licence: str = Field(min_length=1)
    source: str = Field(min_length=1)
    confirmed: bool
    note: str = ""
    score_direction: ScoreDirection
    scoring: ScoringRule
    score_range: tuple[float, float]
    items: tuple[ItemEntry, ...] = Field(min_length=1)
    subscales: tuple[SubscaleEntry, ...] = Field(min_length=1)
    flags: tuple[FlagEntry, ...] = ()
    loinc: dict[str, str] = Field(default_factory=dict)
    from_koos: dict[str, str] = Field(default_factory=dict)
    scales: dict[str, ScaleEntry] = Field(min_length=1)
    category_bands: tuple[BandSetEntry, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> InstrumentEntry:
        if not self.confirmed and not self.note:
            raise ValueError("an unconfirmed instrument needs a note saying why")
        _check_items(self)
        _check_subscales(self)
        _check_flags(self)
        _check_rule(self)
        _check_keys(self)
        return self


def _check_items(entry: InstrumentEntry) -> None:
    seen: set[str] = set()
    for position, item in enumerate(entry.items, start=1):
        name = f"items entry {position} (id {item.id!r})"
        if item.id in seen:
            raise ValueError(f"{name}: duplicate item id")
        if item.scale not in entry.scales:
            raise ValueError(f"{name}: scale {item.scale!r} is not in [scales]")
        seen.add(item.id)


def _check_subscales(entry: InstrumentEntry) -> None:
    ids = {item.id for item in entry.items}
    for position, subscale in enumerate(entry.subscales, start=1):
        name = f"subscales entry {position} (key {subscale.key!r})"
        unknown = [item_id for item_id in subscale.items if item_id not in ids]
        if unknown:
            raise ValueError(f"{name}: items {unknown} are not items of this instrument")
        if len(set(subscale.items)) != len(subscale.items):
            raise ValueError(f"{name}: an item is listed twice")
        if subscale.min_answered > len(subscale.items):
            raise ValueError(
                f"{name}: min_answered {subscale.min_answered} is more than its "
                f"{len(subscale.items)} items"
            )


def _check_flags(entry: InstrumentEntry) -> None:
    items = {item.id: item for item in entry.items}
    for position, flag in enumerate(entry.flags, start=1):
        name = f"flags entry {position} (key {flag.key!r})"
        item = items.get(flag.item)
        if item is None:
            raise ValueError(f"{name}: item {flag.item!r} is not an item of this instrument")
        scale = entry.scales[item.scale]
        outside = [v for v in flag.values if not scale.minimum <= v <= scale.maximum]
        if outside:
            raise ValueError(f"{name}: values {outside} are not answers of item {flag.item!r}")


def _check_rule(entry: InstrumentEntry) -> None:
    """What each scoring rule assumes of the data (see `ScoringRule`)."""
    scale_of = {item.id: entry.scales[item.scale] for item in entry.items}
    low, high = entry.score_range
    if entry.scoring == "koos_2012":
        if any((s.minimum, s.maximum) != (0, 4) for s in scale_of.values()):
            raise ValueError("koos_2012 scores items on a 0-4 scale only")
        if (low, high) != (0, 100):
            raise ValueError("koos_2012 scores range from 0 to 100")
    if entry.scoring == "womac" and sum(s.maximum for s in scale_of.values()) != high:
        raise ValueError(f"the items of a womac total add up to other than {high:g}")
    if entry.from_koos and entry.scoring != "womac":
        raise ValueError("only a womac-scored instrument has a from_koos table")
    if entry.scoring != "sum":
        return
    for subscale in entry.subscales:
        if subscale.min_answered != len(subscale.items):
            raise ValueError(f"subscale {subscale.key!r}: the sum rule needs every item")
        lowest = sum(scale_of[item_id].minimum for item_id in subscale.items)
        highest = sum(scale_of[item_id].maximum for item_id in subscale.items)
        if lowest < low or highest > high:
            raise ValueError(
                f"subscale {subscale.key!r}: sums {lowest}-{highest} fall outside "
                f"score_range {low:g}-{high:g}"
            )


def _check_keys(entry: InstrumentEntry) -> None:
    keys = [subscale.key for subscale in entry.subscales] + [flag.key for flag in entry.flags]
    if len(set(keys)) != len(keys):
        raise ValueError(f"score keys repeat: {keys}")
    unknown = sorted(set(entry.loinc) - set(keys))
    if unknown:
        raise ValueError(f"[loinc] names {unknown}, which are not score keys")
    if entry.from_koos and set(entry.from_koos) != {item.id for item in entry.items}:
        raise ValueError("[from_koos] must map every item, and only items")


# --- reading files ---


def _read_toml(path: Traversable) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise KnowledgeError(f"{path.name}: cannot read the file: {error}") from error


def _where(location: tuple[int | str, ...], document: Mapping[str, Any]) -> str:
    """``items entry 3 (id 'P3'): label`` for the pydantic location ('items', 2, 'label')."""
    dotted = ".".join(str(part) for part in location)
    if len(location) < 2 or not isinstance(location[1], int):
        return dotted
    table, position, rest = str(location[0]), location[1], location[2:]
    entries = document.get(table)
    raw = entries[position] if isinstance(entries, list) and position < len(entries) else {}
    name_key = "id" if table == "items" else "key"
    named = f" ({name_key} {raw[name_key]!r})" if isinstance(raw, dict) and name_key in raw else ""
    head = f"{table} entry {position + 1}{named}"
    return f"{head}: {'.'.join(str(part) for part in rest)}" if rest else head


def _describe(error: ValidationError, document: Mapping[str, Any]) -> str:
    problems = []
    for problem in error.errors(include_url=False):
        where = _where(tuple(problem["loc"]), document)
        message = problem["msg"].removeprefix("Value error, ")
        problems.append(f"{where}: {message}" if where else message)
    return "; ".join(problems)


def _scale(entry: ScaleEntry) -> ResponseScale:
    options = tuple(ResponseOption(option.value, option.label) for option in entry.options)
    return ResponseScale(entry.minimum, entry.maximum, options, entry.options_only)


def _definition(entry: InstrumentEntry) -> InstrumentDefinition:
    """The plain, frozen definition that the pure scoring functions take."""
    scales = {key: _scale(scale) for key, scale in entry.scales.items()}
    return InstrumentDefinition(
        code=entry.code,
        version=entry.version,
        title=entry.title,
        knee_specific=entry.knee_specific,
        recall_period=entry.recall_period,
        licence=entry.licence,
        source=entry.source,
        confirmed=entry.confirmed,
        note=entry.note,
        score_direction=entry.score_direction,
        scoring=entry.scoring,
        score_range=entry.score_range,
        items=tuple(Item(item.id, item.label, scales[item.scale]) for item in entry.items),
        subscales=tuple(Subscale(s.key, s.items, s.min_answered) for s in entry.subscales),
        flags=tuple(Flag(f.key, f.item, frozenset(f.values), f.source) for f in entry.flags),
        loinc=MappingProxyType(dict(entry.loinc)),
        from_koos=MappingProxyType(dict(entry.from_koos)),
        category_bands=tuple(
            CategoryBands(
                s.source, tuple(CategoryBand(b.label, b.minimum, b.maximum) for b in s.bands)
            )
            for s in entry.category_bands
        ),
    )


def parse_instrument_file(path: Traversable) -> InstrumentDefinition:
    """Read and validate one instrument file."""
    document = _read_toml(path)
    try:
        entry = InstrumentEntry.model_validate(document)
    except ValidationError as error:
        raise KnowledgeError(f"{path.name}: {_describe(error, document)}") from error
    return _definition(entry)


def parse_instrument_files(paths: Iterable[Traversable]) -> Mapping[str, InstrumentDefinition]:
    """Every instrument file, keyed by code, in the order of the file names."""
    definitions: dict[str, InstrumentDefinition] = {}
    file_of: dict[str, str] = {}
    for path in sorted(paths, key=lambda p: p.name):
        definition = parse_instrument_file(path)
        if definition.code in definitions:
            raise KnowledgeError(
                f"{path.name}: code {definition.code!r} is already defined in "
                f"{file_of[definition.code]}"
            )
        definitions[definition.code] = definition
        file_of[definition.code] = path.name
    for code, definition in definitions.items():
        _check_from_koos(definition, definitions.get("KOOS"), file_of[code])
    return MappingProxyType(definitions)


def _check_from_koos(
    definition: InstrumentDefinition, koos: InstrumentDefinition | None, file_name: str
) -> None:
    """A WOMAC-from-KOOS mapping must point at KOOS items that take the same answers."""
    if not definition.from_koos:
        return
    if koos is None:
        raise KnowledgeError(f"{file_name}: [from_koos] needs the KOOS definition (koos.toml)")
    for item_id, koos_id in definition.from_koos.items():
        koos_item = koos.items_by_id.get(koos_id)
        if koos_item is None:
            raise KnowledgeError(
                f"{file_name}: [from_koos] {item_id}: {koos_id!r} is not a KOOS item"
            )
        if koos_item.scale.values != definition.items_by_id[item_id].scale.values:
            raise KnowledgeError(
                f"{file_name}: [from_koos] {item_id}: KOOS {koos_id} takes other answers"
            )


@cache
def instrument_definitions() -> Mapping[str, InstrumentDefinition]:
    """The shipped instruments (clinical.md §5), keyed by code (KOOS, WOMAC, ...)."""
    folder = files("prolotrack.knowledge").joinpath("instruments")
    return parse_instrument_files(p for p in folder.iterdir() if p.name.endswith(".toml"))


def instrument_definition(name: str) -> InstrumentDefinition:
    """Look an instrument up by code, ignoring case, '-' and spaces ('visa-p' -> VISA_P)."""
    code = "_".join(name.strip().upper().replace("-", " ").split())
    definitions = instrument_definitions()
    definition = definitions.get(code)
    if definition is None:
        known = ", ".join(sorted(definitions))
        raise KnowledgeError(f"unknown instrument {name!r}; known: {known}")
    return definition
