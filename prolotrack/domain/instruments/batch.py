"""Score many administrations at once: a DataFrame in, a DataFrame of scores out.

Rows are administrations and columns are item ids; NaN (or None) is a missing answer.
The result has the same index and, for each score key, two columns in this order:
first every score (float, NaN where the score is invalid), then ``invalid_<key>`` for
every key (the reason as a string, None where the score is valid). Reasons are the very
strings that `scoring.score` puts in ``ScoreResult.invalid``. ``result.attrs`` holds the
``instrument`` code and the scoring ``version``, as ``ScoreResult`` does.

The arithmetic runs on whole columns with numpy, through the formula functions of
`scoring.py`, so every row equals `score()` on that row bit for bit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NoReturn

import numpy as np
import numpy.typing as npt
import pandas as pd

from prolotrack.domain.instruments.definitions import InstrumentDefinition, Item, Subscale
from prolotrack.domain.instruments.scoring import (
    InstrumentError,
    check_answer,
    flag_reason,
    from_koos_version,
    koos_and_womac,
    koos_subscale_score,
    normalised,
    shortfall_reason,
    subscale_maximum,
    total_reason,
    womac_substituted_sum,
    womac_total,
)

FloatArray = npt.NDArray[np.float64]
ObjectArray = npt.NDArray[np.object_]

INVALID_PREFIX = "invalid_"


def score_frame(definition: InstrumentDefinition, frame: pd.DataFrame) -> pd.DataFrame:
    """Score every row of ``frame`` (columns = item ids of ``definition``)."""
    answers = _answer_columns(definition, frame)
    return _score_columns(definition, answers, frame.index, definition.version)


def womac_from_koos_frame(
    frame: pd.DataFrame,
    *,
    koos: InstrumentDefinition | None = None,
    womac: InstrumentDefinition | None = None,
) -> pd.DataFrame:
    """WOMAC scores for every row of a frame of KOOS answers (as `scoring.womac_from_koos`)."""
    koos, womac = koos_and_womac(koos, womac)
    answers = _answer_columns(koos, frame)
    mapped = {womac_id: answers[koos_id] for womac_id, koos_id in womac.from_koos.items()}
    return _score_columns(womac, mapped, frame.index, from_koos_version(womac))


# --- validation: the same messages as scoring.check_answer, plus the row ---


def _answer_columns(definition: InstrumentDefinition, frame: pd.DataFrame) -> dict[str, FloatArray]:
    """Every item as a float column (NaN = missing); absent items are all missing."""
    columns = [str(column) for column in frame.columns]
    for column in columns:
        if column not in definition.items_by_id:
            raise InstrumentError(f"{definition.code} has no item {column!r}")
        if columns.count(column) > 1:
            raise InstrumentError(f"{definition.code} item {column}: the column appears twice")
    missing = np.full(len(frame), np.nan)
    missing.flags.writeable = False  # shared by every absent item
    answers = {item.id: missing for item in definition.items}
    for position, column in enumerate(columns):
        series = frame.iloc[:, position]
        answers[column] = _item_column(definition, definition.items_by_id[column], series)
    return answers


def _item_column(definition: InstrumentDefinition, item: Item, series: pd.Series) -> FloatArray:
    if pd.api.types.is_bool_dtype(series.dtype):
        answered = series.notna().to_numpy()
        if answered.any():
            _reject_first(definition, item, series, answered)  # True/False are not answers
        return np.full(len(series), np.nan)
    if not pd.api.types.is_numeric_dtype(series.dtype):
        return _object_column(definition, item, series)
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    answered = ~np.isnan(values)
    bad = answered & ~np.isin(values, np.asarray(item.scale.values, dtype=np.float64))
    if bad.any():
        _reject_first(definition, item, series, bad)
    return values


def _object_column(definition: InstrumentDefinition, item: Item, series: pd.Series) -> FloatArray:
    """Text or mixed cells: checked one by one, which is slow but only happens on odd input."""
    values = np.full(len(series), np.nan)
    for position, (label, cell) in enumerate(series.items()):
        if cell is None or (isinstance(cell, float) and np.isnan(cell)) or cell is pd.NA:
            continue
        answer = check_answer(definition, item.id, cell, where=f", row {label}")
        values[position] = np.nan if answer is None else answer
    return values


def _reject_first(
    definition: InstrumentDefinition, item: Item, series: pd.Series, bad: npt.NDArray[np.bool_]
) -> NoReturn:
    """Raise the single-row error for the first bad cell, naming its row."""
    position = int(np.argmax(bad))
    cell = series.iloc[position]
    cell = cell.item() if isinstance(cell, np.generic) else cell
    where = f", row {series.index[position]}"
    check_answer(definition, item.id, cell, where=where)  # raises: the cell is not accepted
    raise InstrumentError(
        f"{definition.code} item {item.id}{where}: {cell!r} is not {item.scale.describe()}"
    )


# --- scoring ---


def _score_columns(
    definition: InstrumentDefinition,
    answers: Mapping[str, FloatArray],
    index: pd.Index,
    version: str,
) -> pd.DataFrame:
    scores: dict[str, FloatArray] = {}
    reasons: dict[str, ObjectArray] = {}
    for subscale in definition.subscales:
        scores[subscale.key], reasons[subscale.key] = _subscale_column(
            definition, subscale, answers
        )
    if definition.scoring == "womac":
        _add_womac_totals(definition, scores, reasons)
    for flag in definition.flags:
        answer = answers[flag.item_id]
        unanswered = np.isnan(answer)
        value = np.isin(answer, np.asarray(sorted(flag.values), dtype=np.float64)).astype(
            np.float64
        )
        value[unanswered] = np.nan
        scores[flag.key] = value
        reasons[flag.key] = _reasons_where(unanswered, flag_reason(flag.key, flag.item_id))
    columns: dict[str, FloatArray | ObjectArray] = dict(scores)
    columns.update({INVALID_PREFIX + key: reasons[key] for key in scores})
    result = pd.DataFrame(columns, index=index)
    result.attrs.update(instrument=definition.code, version=version)
    return result


def _subscale_column(
    definition: InstrumentDefinition, subscale: Subscale, answers: Mapping[str, FloatArray]
) -> tuple[FloatArray, ObjectArray]:
    block = np.column_stack([answers[item_id] for item_id in subscale.item_ids])
    answered_count = (~np.isnan(block)).sum(axis=1)
    total = np.nansum(block, axis=1)
    answered = answered_count.astype(np.float64)
    # Rows with nothing answered divide by zero here; they are invalid and masked below.
    with np.errstate(divide="ignore", invalid="ignore"):
        if definition.scoring == "koos_2012":
            value = koos_subscale_score(total, answered)
        elif definition.scoring == "womac":
            value = womac_substituted_sum(total, answered, len(subscale.item_ids))
        else:
            value = total
    short = answered_count < subscale.min_answered
    value = np.where(short, np.nan, value)
    by_count = np.array(
        [shortfall_reason(subscale, count) for count in range(subscale.min_answered)],
        dtype=object,
    )
    reasons = np.full(len(value), None, dtype=object)
    reasons[short] = by_count[answered_count[short]]
    return value, reasons


def _add_womac_totals(
    definition: InstrumentDefinition,
    scores: dict[str, FloatArray],
    reasons: dict[str, ObjectArray],
) -> None:
    keys = [subscale.key for subscale in definition.subscales]
    maxima = {s.key: float(subscale_maximum(definition, s)) for s in definition.subscales}
    scores["total"] = womac_total([scores[key] for key in keys])
    # Which subscales are invalid, as a bit mask per row, turned into the matching reason.
    mask = np.zeros(len(scores["total"]), dtype=np.int64)
    for bit, key in enumerate(keys):
        mask |= np.isnan(scores[key]).astype(np.int64) << bit
    by_mask = np.array(
        [None]
        + [
            total_reason([key for bit, key in enumerate(keys) if combination >> bit & 1])
            for combination in range(1, 2 ** len(keys))
        ],
        dtype=object,
    )
    reasons["total"] = by_mask[mask]
    maxima["total"] = sum(maxima.values())
    for key, maximum in maxima.items():
        scores[f"{key}_normalised"] = normalised(scores[key], maximum)
        reasons[f"{key}_normalised"] = reasons[key]


def _reasons_where(condition: npt.NDArray[np.bool_], reason: str) -> ObjectArray:
    reasons = np.full(len(condition), None, dtype=object)
    reasons[condition] = reason
    return reasons
