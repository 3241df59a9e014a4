"""Instrument definitions as plain frozen values, so scoring takes data rather than Django rows.

The loader in `prolotrack.knowledge.instruments` builds these from the TOML files in
`prolotrack/knowledge/instruments/`, after validating them; the scoring functions in
`scoring.py` and `batch.py` only read them. Labels are our own short words, never the
official item wording (clinical.md, "How to use it").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Literal

ScoringRule = Literal["koos_2012", "womac", "sum"]
"""How the item answers become scores (clinical.md §5).

- ``koos_2012``: per subscale ``100 - (sum / answered) * 25`` on 0-4 items; a subscale is
  scored only when at least ``min_answered`` items are answered.
- ``womac``: per subscale the raw sum, missing items replaced by the mean of the answered
  ones when at least ``min_answered`` are answered; ``total`` = the sum of the subscales;
  each also as ``<key>_normalised`` = value / maximum * 100.
- ``sum``: per subscale the plain sum; every item of the subscale is required.
"""

ScoreDirection = Literal["higher_is_better", "higher_is_worse"]

_LIST_AT_MOST = 6  # longer ranges read better as "from 0 to 30"


@dataclass(frozen=True)
class ResponseOption:
    """One answer value with our own short label (for example 0 "none")."""

    value: int
    label: str


@dataclass(frozen=True)
class ResponseScale:
    """The answers one item accepts.

    With ``options_only`` only the listed option values are answers (Lysholm: 5, 3 or 0);
    otherwise any whole number from ``minimum`` to ``maximum`` is, and the options are
    labelled anchors (NRS: 0 "no pain", 10 "worst pain").
    """

    minimum: int
    maximum: int
    options: tuple[ResponseOption, ...]
    options_only: bool

    @cached_property
    def values(self) -> tuple[int, ...]:
        """Every accepted answer, in ascending order."""
        if self.options_only:
            return tuple(sorted(option.value for option in self.options))
        return tuple(range(self.minimum, self.maximum + 1))

    def describe(self) -> str:
        """The accepted answers in words, for error messages."""
        if self.options_only or len(self.values) <= _LIST_AT_MOST:
            return "one of " + ", ".join(str(value) for value in self.values)
        return f"a whole number from {self.minimum} to {self.maximum}"


@dataclass(frozen=True)
class Item:
    """One question: its official id (``P1``, ``SP3``) and our short label."""

    id: str
    label: str
    scale: ResponseScale


@dataclass(frozen=True)
class Subscale:
    """A score computed from some items; scored only when ``min_answered`` are answered."""

    key: str
    item_ids: tuple[str, ...]
    min_answered: int


@dataclass(frozen=True)
class Flag:
    """A yes/no score: 1.0 when the answer to ``item_id`` is one of ``values``, else 0.0."""

    key: str
    item_id: str
    values: frozenset[int]
    source: str


@dataclass(frozen=True)
class CategoryBand:
    """A named band of total scores, for display only (never used to score)."""

    label: str
    minimum: float
    maximum: float


@dataclass(frozen=True)
class CategoryBands:
    """One published set of category bands, with where it was published."""

    source: str
    bands: tuple[CategoryBand, ...]


@dataclass(frozen=True)
class InstrumentDefinition:
    """Structure and scoring of one questionnaire; ``version`` is stored with every score."""

    code: str
    version: str
    title: str
    knee_specific: bool
    recall_period: str
    licence: str
    source: str
    confirmed: bool
    note: str
    score_direction: ScoreDirection
    scoring: ScoringRule
    score_range: tuple[float, float]
    items: tuple[Item, ...]
    subscales: tuple[Subscale, ...]
    flags: tuple[Flag, ...] = ()
    loinc: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    from_koos: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """WOMAC item id -> the KOOS item id that holds the same question (clinical.md §5)."""
    category_bands: tuple[CategoryBands, ...] = ()

    @cached_property
    def items_by_id(self) -> Mapping[str, Item]:
        return MappingProxyType({item.id: item for item in self.items})

    @cached_property
    def score_keys(self) -> tuple[str, ...]:
        """The keys of ``ScoreResult.scores``, in order."""
        keys = [subscale.key for subscale in self.subscales]
        if self.scoring == "womac":
            keys.append("total")
            keys.extend(f"{key}_normalised" for key in list(keys))
        keys.extend(flag.key for flag in self.flags)
        return tuple(keys)
