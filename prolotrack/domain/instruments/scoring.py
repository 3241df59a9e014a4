"""Score one administration of an instrument (clinical.md §5). Pure: no Django, no I/O.

The arithmetic lives in the small formula functions below, which `batch.py` applies to
whole columns: a row of `score_frame` and a call of `score` run the same floating-point
operations in the same order, so their results are bit-identical.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import reduce
from operator import add
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from prolotrack.domain.instruments.definitions import InstrumentDefinition, Subscale

Answer = int | float | None
"""One item answer; None (or an absent key) means not answered."""

Number = TypeVar("Number", float, npt.NDArray[np.float64])

KOOS_POINTS_PER_STEP = 25
"""100 / 4: one step on the KOOS 0-4 item scale, in points of the 0-100 score (§5)."""


class InstrumentError(ValueError):
    """Answers that do not fit the instrument: an unknown item or a value it does not accept."""


@dataclass(frozen=True)
class ScoreResult:
    """The scores of one administration; ``invalid`` says why each missing score is None."""

    instrument: str
    version: str
    scores: dict[str, float | None]
    invalid: dict[str, str]


# --- formulas shared with batch.py (one defined order of operations) ---


def koos_subscale_score(total: Number, answered: Number) -> Number:
    """KOOS 2012: 100 - mean x 25, so 0 = extreme problems and 100 = none (§5)."""
    return 100 - (total / answered) * KOOS_POINTS_PER_STEP


def womac_substituted_sum(total: Number, answered: Number, item_count: float) -> Number:
    """Raw WOMAC subscale sum, each missing item replaced by the mean of the answered ones.

    Written as ``total + missing x mean`` so that with nothing missing it is exactly ``total``.
    """
    return total + (item_count - answered) * (total / answered)


def normalised(value: Number, maximum: float) -> Number:
    """A raw score as a percentage of its maximum (WOMAC 0-100, §5)."""
    return (value / maximum) * 100


def womac_total(subscale_values: Sequence[Number]) -> Number:
    """The WOMAC total: the subscale sums added left to right."""
    return reduce(add, subscale_values)


def subscale_maximum(definition: InstrumentDefinition, subscale: Subscale) -> int:
    """The highest raw sum a subscale can reach."""
    items = definition.items_by_id
    return sum(items[item_id].scale.maximum for item_id in subscale.item_ids)


# --- reasons shared with batch.py ---


def shortfall_reason(subscale: Subscale, answered: int) -> str:
    """Why a subscale with too few answered items has no score."""
    count = len(subscale.item_ids)
    if count == 1:
        return f"{subscale.key}: not answered"
    if subscale.min_answered == count:
        needed = "both needed" if count == 2 else f"all {count} needed"
    else:
        needed = f"at least {subscale.min_answered} needed"
    return f"{subscale.key}: {answered} of {count} items answered; {needed}"


def total_reason(invalid_keys: Sequence[str]) -> str:
    """Why the WOMAC total has no score: it needs every subscale."""
    return f"total: needs every subscale; invalid: {', '.join(invalid_keys)}"


def flag_reason(key: str, item_id: str) -> str:
    return f"{key}: {item_id} not answered"


# --- validation ---


def _shown(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def check_answer(
    definition: InstrumentDefinition, item_id: str, value: object, *, where: str = ""
) -> int | None:
    """The answer as an int (None when not answered), or InstrumentError naming the item.

    Booleans are refused: True is not an answer, even though Python counts it as 1.
    A float is accepted when it is a whole number (2.0); NaN is refused here, because
    "missing" is spelled None (the batch path reads NaN cells as missing before this).
    """
    code = definition.code
    item = definition.items_by_id.get(item_id)
    if item is None:
        raise InstrumentError(f"{code} has no item {item_id!r}{where}")
    if value is None:
        return None
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise InstrumentError(f"{code} item {item_id}{where}: {value!r} is not a number")
    number = float(value)
    if not math.isfinite(number) or not number.is_integer():
        raise InstrumentError(f"{code} item {item_id}{where}: {number!r} is not a whole number")
    whole = int(number)
    if whole not in item.scale.values:
        raise InstrumentError(
            f"{code} item {item_id}{where}: {_shown(number)} is not {item.scale.describe()}"
        )
    return whole


def validate_answers(
    definition: InstrumentDefinition, answers: Mapping[str, Answer]
) -> dict[str, int]:
    """The answered items as ints; raises InstrumentError on the first bad item."""
    checked = {
        item_id: check_answer(definition, item_id, value) for item_id, value in answers.items()
    }
    return {item_id: value for item_id, value in checked.items() if value is not None}


# --- scoring ---


def score(definition: InstrumentDefinition, answers: Mapping[str, Answer]) -> ScoreResult:
    """Score one administration of ``definition`` from ``answers`` (item id -> value)."""
    return _score_checked(definition, validate_answers(definition, answers), definition.version)


def womac_from_koos(
    koos_answers: Mapping[str, Answer],
    *,
    koos: InstrumentDefinition | None = None,
    womac: InstrumentDefinition | None = None,
) -> ScoreResult:
    """WOMAC scores from the WOMAC items held inside a KOOS (§5: P5-P9, S6-S7, A1-A17).

    The answers are checked against the KOOS; ``koos`` and ``womac`` default to the
    shipped definitions.
    """
    koos, womac = koos_and_womac(koos, womac)
    answered = validate_answers(koos, koos_answers)
    mapped = {
        womac_id: answered[koos_id]
        for womac_id, koos_id in womac.from_koos.items()
        if koos_id in answered
    }
    return _score_checked(womac, mapped, from_koos_version(womac))


def from_koos_version(womac: InstrumentDefinition) -> str:
    return f"{womac.version} from KOOS"


def koos_and_womac(
    koos: InstrumentDefinition | None, womac: InstrumentDefinition | None
) -> tuple[InstrumentDefinition, InstrumentDefinition]:
    """The given definitions, or the shipped ones where None."""
    if koos is None or womac is None:
        # Imported here, not at the top: the knowledge loader imports this package.
        from prolotrack.knowledge.instruments import instrument_definitions

        shipped = instrument_definitions()
        koos = shipped["KOOS"] if koos is None else koos
        womac = shipped["WOMAC"] if womac is None else womac
    if not womac.from_koos:
        raise InstrumentError(f"{womac.code} has no mapping from KOOS items")
    return koos, womac


def _subscale_score(
    definition: InstrumentDefinition, subscale: Subscale, total: int, answered: int
) -> float:
    if definition.scoring == "koos_2012":
        return koos_subscale_score(float(total), float(answered))
    if definition.scoring == "womac":
        return womac_substituted_sum(float(total), float(answered), len(subscale.item_ids))
    return float(total)


def _score_checked(
    definition: InstrumentDefinition, answered: Mapping[str, int], version: str
) -> ScoreResult:
    scores: dict[str, float | None] = {}
    invalid: dict[str, str] = {}
    for subscale in definition.subscales:
        values = [answered[item_id] for item_id in subscale.item_ids if item_id in answered]
        if len(values) < subscale.min_answered:
            scores[subscale.key] = None
            invalid[subscale.key] = shortfall_reason(subscale, len(values))
        else:
            scores[subscale.key] = _subscale_score(definition, subscale, sum(values), len(values))
    if definition.scoring == "womac":
        _add_womac_totals(definition, scores, invalid)
    for flag in definition.flags:
        answer = answered.get(flag.item_id)
        scores[flag.key] = None if answer is None else float(answer in flag.values)
        if answer is None:
            invalid[flag.key] = flag_reason(flag.key, flag.item_id)
    return ScoreResult(definition.code, version, scores, invalid)


def _add_womac_totals(
    definition: InstrumentDefinition, scores: dict[str, float | None], invalid: dict[str, str]
) -> None:
    """Add ``total`` and the ``<key>_normalised`` scores after the subscale sums."""
    maxima = {s.key: float(subscale_maximum(definition, s)) for s in definition.subscales}
    subscale_values = [scores[key] for key in maxima]
    present = [value for value in subscale_values if value is not None]
    if len(present) == len(subscale_values):
        scores["total"] = womac_total(present)
    else:
        scores["total"] = None
        invalid["total"] = total_reason([key for key in maxima if scores[key] is None])
    maxima["total"] = sum(maxima.values())
    for key, maximum in maxima.items():
        value = scores[key]
        scores[f"{key}_normalised"] = None if value is None else normalised(value, maximum)
        if value is None:
            invalid[f"{key}_normalised"] = invalid[key]
