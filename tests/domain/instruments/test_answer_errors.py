"""Answers that do not fit: unknown items, values off the scale, non-integers, booleans."""

from __future__ import annotations

import math

import numpy as np
import pytest

from prolotrack.domain.instruments import InstrumentError, score


def test_unknown_item(koos) -> None:
    with pytest.raises(InstrumentError, match=r"^KOOS has no item 'P10'$"):
        score(koos, {"P10": 1})


@pytest.mark.parametrize("value", [5, -1, 100])
def test_value_outside_the_scale(koos, value) -> None:
    with pytest.raises(
        InstrumentError, match=rf"^KOOS item P3: {value} is not one of 0, 1, 2, 3, 4$"
    ):
        score(koos, {"P3": value})


@pytest.mark.parametrize("value", [2.5, 0.1, math.inf, math.nan])
def test_non_integer(koos, value) -> None:
    with pytest.raises(InstrumentError, match=r"^KOOS item P3: .* is not a whole number$"):
        score(koos, {"P3": value})


@pytest.mark.parametrize("value", [True, False, np.bool_(True)])
def test_booleans_are_not_answers(koos, value) -> None:
    with pytest.raises(InstrumentError, match=r"^KOOS item P3: .* is not a number$"):
        score(koos, {"P3": value})


@pytest.mark.parametrize("value", ["2", [2], {"value": 2}])
def test_other_types_are_not_answers(koos, value) -> None:
    with pytest.raises(InstrumentError, match=r"^KOOS item P3: .* is not a number$"):
        score(koos, {"P3": value})


def test_instrument_error_is_a_value_error() -> None:
    assert issubclass(InstrumentError, ValueError)


@pytest.mark.parametrize("value", [2, 2.0, np.int64(2), np.float64(2.0)])
def test_whole_numbers_of_any_numeric_type_are_answers(koos, value) -> None:
    """Five 2s: mean 2 -> 100 - 2 x 25 = 50.0."""
    answers = dict.fromkeys(["P1", "P2", "P3", "P4"], 2) | {"P5": value}
    assert score(koos, answers).scores["pain"] == 50.0


def test_none_and_absent_both_mean_missing(koos) -> None:
    with_none = score(koos, {"P1": 1, "P2": None})
    absent = score(koos, {"P1": 1})
    assert with_none == absent
