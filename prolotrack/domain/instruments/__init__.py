"""Questionnaire scoring: plain definitions in, scores out (clinical.md §5).

The batch path (`prolotrack.domain.instruments.batch`) is imported from its own module so
that importing the definitions does not import pandas.
"""

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
from prolotrack.domain.instruments.scoring import (
    Answer,
    InstrumentError,
    ScoreResult,
    score,
    womac_from_koos,
)

__all__ = [
    "Answer",
    "CategoryBand",
    "CategoryBands",
    "Flag",
    "InstrumentDefinition",
    "InstrumentError",
    "Item",
    "ResponseOption",
    "ResponseScale",
    "ScoreDirection",
    "ScoreResult",
    "ScoringRule",
    "Subscale",
    "score",
    "womac_from_koos",
]
