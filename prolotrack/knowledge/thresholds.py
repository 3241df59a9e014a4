"""Response thresholds as data: ``thresholds.toml`` (or a clinic override) -> `ThresholdSet`.

The numbers and their citations live in ``thresholds.toml`` (clinical.md §6, Appendix B). This
module checks their shape with pydantic, checks every entry against the instrument it names
(the instrument exists, the score keys are its keys, the direction is its direction), and
builds the plain values of `prolotrack.domain.thresholds`. Anything malformed raises a
`KnowledgeError` naming the file (or override) and the entry. It imports nothing from Django.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from prolotrack.domain.instruments.definitions import InstrumentDefinition
from prolotrack.domain.response import McidRule, OmeractThresholds, Orientation
from prolotrack.domain.thresholds import ScoreThreshold, ThresholdSet
from prolotrack.knowledge.catalogue import KnowledgeError
from prolotrack.knowledge.instruments import instrument_definitions

SHIPPED_FILE = "thresholds.toml"

_MODEL_CONFIG = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)
# strict: a boolean or a string is not a number; allow_inf_nan: TOML can write nan and inf.
_Points = Annotated[float, Field(gt=0, le=100, strict=True, allow_inf_nan=False)]
_Fraction = Annotated[float, Field(gt=0, le=1, strict=True, allow_inf_nan=False)]
_Score = Annotated[float, Field(ge=0, strict=True, allow_inf_nan=False)]


class _Cited(BaseModel):
    model_config = _MODEL_CONFIG

    source: str = Field(min_length=1)
    confirmed: bool = Field(strict=True)
    note: str = ""

    @model_validator(mode="after")
    def _unconfirmed_says_why(self) -> _Cited:
        if not self.confirmed and not self.note:
            raise ValueError("an unconfirmed entry needs a note saying why")
        return self


class _OmeractEntry(_Cited):
    high_relative: _Fraction
    high_points: _Points
    moderate_relative: _Fraction
    moderate_points: _Points
    moderate_minimum_domains: int = Field(ge=1, le=3, strict=True)


class _ScoreEntry(_Cited):
    instrument: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$")
    scores: tuple[str, ...] = Field(min_length=1)
    direction: Orientation
    mcid: _Points | None = None
    mcid_relative: _Fraction | None = None
    mcid_rule: McidRule | None = None
    pass_value: _Score | None = None

    @model_validator(mode="after")
    def _consistent(self) -> _ScoreEntry:
        if self.mcid is None and self.mcid_relative is None and self.pass_value is None:
            raise ValueError("give at least one of mcid, mcid_relative, pass_value")
        both = self.mcid is not None and self.mcid_relative is not None
        if both and self.mcid_rule is None:
            raise ValueError(
                "with both mcid and mcid_relative, mcid_rule must say 'either' or 'both'"
            )
        if not both and self.mcid_rule is not None:
            raise ValueError("mcid_rule is only for an entry with both mcid and mcid_relative")
        if self.mcid_relative is not None and self.direction == "higher_is_better":
            # A published relative change of a higher-is-better score is a fraction of the raw
            # baseline; ours is a fraction of the worse-is-higher baseline. They differ.
            raise ValueError("mcid_relative is only for higher_is_worse scores")
        if len(set(self.scores)) != len(self.scores):
            raise ValueError(f"score keys repeat: {list(self.scores)}")
        return self


class _ThresholdsDocument(BaseModel):
    model_config = _MODEL_CONFIG

    version: str = Field(min_length=1)
    source: str = Field(min_length=1)
    omeract_oarsi: _OmeractEntry
    scores: tuple[_ScoreEntry, ...] = Field(min_length=1)


# --- error messages that name the entry ---


def _where(location: tuple[int | str, ...], data: Mapping[str, Any]) -> str:
    """``scores entry 2 (KOOS): mcid`` for the pydantic location ('scores', 1, 'mcid')."""
    if len(location) >= 2 and location[0] == "scores" and isinstance(location[1], int):
        rest = ".".join(str(part) for part in location[2:])
        head = _entry_name(location[1], data)
        return f"{head}: {rest}" if rest else head
    return ".".join(str(part) for part in location)


def _entry_name(index: int, data: Mapping[str, Any]) -> str:
    entries = data.get("scores")
    raw = entries[index] if isinstance(entries, list) and index < len(entries) else None
    instrument = raw.get("instrument") if isinstance(raw, dict) else None
    named = f" ({instrument})" if isinstance(instrument, str) else ""
    return f"scores entry {index + 1}{named}"


def _describe(error: ValidationError, data: Mapping[str, Any]) -> str:
    problems = []
    for problem in error.errors(include_url=False):
        where = _where(tuple(problem["loc"]), data)
        message = problem["msg"].removeprefix("Value error, ")
        problems.append(f"{where}: {message}" if where else message)
    return "; ".join(problems)


# --- checks against the instruments ---


def _check_against_instrument(
    entry: _ScoreEntry, name: str, instruments: Mapping[str, InstrumentDefinition]
) -> None:
    definition = instruments.get(entry.instrument)
    if definition is None:
        known = ", ".join(sorted(instruments))
        raise KnowledgeError(f"{name}: unknown instrument {entry.instrument!r}; known: {known}")
    unknown = [key for key in entry.scores if key not in definition.score_keys]
    if unknown:
        keys = ", ".join(definition.score_keys)
        raise KnowledgeError(
            f"{name}: score keys {unknown} are not {entry.instrument} scores ({keys})"
        )
    if entry.direction != definition.score_direction:
        raise KnowledgeError(
            f"{name}: direction {entry.direction!r} but {entry.instrument} scores are "
            f"{definition.score_direction!r}"
        )
    low, high = definition.score_range
    if entry.mcid is not None and entry.mcid > high - low:
        raise KnowledgeError(f"{name}: mcid {entry.mcid:g} is more than the range {low:g}-{high:g}")
    if entry.pass_value is not None and not low <= entry.pass_value <= high:
        raise KnowledgeError(f"{name}: pass_value {entry.pass_value:g} is outside {low:g}-{high:g}")


def _score_thresholds(entries: tuple[_ScoreEntry, ...], origin: str) -> tuple[ScoreThreshold, ...]:
    instruments = instrument_definitions()
    built: list[ScoreThreshold] = []
    first_entry: dict[tuple[str, str], int] = {}
    for position, entry in enumerate(entries, start=1):
        name = f"{origin}: scores entry {position} ({entry.instrument})"
        _check_against_instrument(entry, name, instruments)
        for key in entry.scores:
            earlier = first_entry.setdefault((entry.instrument, key), position)
            if earlier != position:
                raise KnowledgeError(f"{name}: {key!r} is already in scores entry {earlier}")
            built.append(_score_threshold(entry, key))
    return tuple(built)


def _score_threshold(entry: _ScoreEntry, key: str) -> ScoreThreshold:
    return ScoreThreshold(
        instrument=entry.instrument,
        score=key,
        direction=entry.direction,
        mcid_points=entry.mcid,
        mcid_relative=entry.mcid_relative,
        mcid_rule=entry.mcid_rule,
        pass_value=entry.pass_value,
        source=entry.source,
        confirmed=entry.confirmed,
        note=entry.note,
    )


def _omeract(entry: _OmeractEntry) -> OmeractThresholds:
    return OmeractThresholds(
        high_relative=entry.high_relative,
        high_points=entry.high_points,
        moderate_relative=entry.moderate_relative,
        moderate_points=entry.moderate_points,
        moderate_minimum_domains=entry.moderate_minimum_domains,
        source=entry.source,
        confirmed=entry.confirmed,
        note=entry.note,
    )


# --- public ---


def thresholds_from_data(data: Mapping[str, Any], *, origin: str) -> ThresholdSet:
    """Validate thresholds (the shipped file or a clinic's override) into a `ThresholdSet`.

    `origin` names where the data came from ("thresholds.toml", "clinic 7 override r3") and
    starts every error message.
    """
    try:
        document = _ThresholdsDocument.model_validate(data)
    except ValidationError as error:
        raise KnowledgeError(f"{origin}: {_describe(error, data)}") from error
    return ThresholdSet(
        version=document.version,
        source=document.source,
        scores=_score_thresholds(document.scores, origin),
        omeract_oarsi=_omeract(document.omeract_oarsi),
    )


def thresholds_from_toml(text: str, *, origin: str) -> ThresholdSet:
    """`thresholds_from_data` for TOML text; a TOML syntax error is a `KnowledgeError` too."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise KnowledgeError(f"{origin}: cannot read the file: {error}") from error
    return thresholds_from_data(data, origin=origin)


@cache
def default_thresholds() -> ThresholdSet:
    """The shipped thresholds (clinical.md §6 and Appendix B)."""
    text = files("prolotrack.knowledge").joinpath(SHIPPED_FILE).read_text(encoding="utf-8")
    return thresholds_from_toml(text, origin=SHIPPED_FILE)
