"""NRS, PGIC, VISA-P, Lysholm and Tegner scoring, from clinical.md §5.

NRS: score = the number chosen (0-10). PGIC: the category code 1-7, and `improved` = 1 for
codes 1-2 (much or very much improved, the Farrar 2001 anchor). VISA-P: Q1-Q6 0-10, Q7 0/4/7/10,
Q8 0-30, total = sum 0-100 (100 = no symptoms). Lysholm: weights limp 5, support 5, locking 15,
instability 25, pain 25, swelling 10, stairs 10, squatting 5, total = sum 0-100. Tegner:
levels 0-10, now and before the injury.
"""

from __future__ import annotations

import pytest

from prolotrack.domain.instruments import InstrumentError, score

VISA_P_ITEMS = [f"Q{n}" for n in range(1, 9)]
LYSHOLM_WEIGHTS = {
    "limp": 5,
    "support": 5,
    "locking": 15,
    "instability": 25,
    "pain": 25,
    "swelling": 10,
    "stairs": 10,
    "squatting": 5,
}


def test_nrs_score_is_the_number(definitions) -> None:
    nrs = definitions["KNEE_PAIN_NRS"]
    assert score(nrs, {"pain": 7}).scores == {"pain": 7.0}
    assert score(nrs, {"pain": 0}).scores == {"pain": 0.0}
    assert score(nrs, {"pain": 10}).scores == {"pain": 10.0}


def test_nrs_missing(definitions) -> None:
    result = score(definitions["KNEE_PAIN_NRS"], {"pain": None})
    assert result.scores == {"pain": None}
    assert result.invalid == {"pain": "pain: not answered"}


@pytest.mark.parametrize("value", [-1, 11])
def test_nrs_out_of_range(definitions, value) -> None:
    message = rf"^KNEE_PAIN_NRS item pain: {value} is not a whole number from 0 to 10$"
    with pytest.raises(InstrumentError, match=message):
        score(definitions["KNEE_PAIN_NRS"], {"pain": value})


@pytest.mark.parametrize(
    ("code", "improved"), [(1, 1.0), (2, 1.0), (3, 0.0), (4, 0.0), (5, 0.0), (6, 0.0), (7, 0.0)]
)
def test_pgic_category_and_improved(definitions, code, improved) -> None:
    """Codes 1 (very much improved) and 2 (much improved) count as improved (Farrar 2001)."""
    result = score(definitions["PGIC"], {"change": code})
    assert result.scores == {"change": float(code), "improved": improved}
    assert result.invalid == {}


def test_pgic_missing(definitions) -> None:
    result = score(definitions["PGIC"], {})
    assert result.scores == {"change": None, "improved": None}
    assert result.invalid == {
        "change": "change: not answered",
        "improved": "improved: change not answered",
    }


@pytest.mark.parametrize("code", [0, 8])
def test_pgic_codes_outside_1_to_7(definitions, code) -> None:
    with pytest.raises(InstrumentError, match=r"is not one of 1, 2, 3, 4, 5, 6, 7$"):
        score(definitions["PGIC"], {"change": code})


def test_visa_p_best_worst_and_mixed(definitions) -> None:
    """Best: 6 x 10 + 10 + 30 = 100. Worst: all 0 = 0.
    Mixed: Q1-Q6 = 7,5,8,6,4,9 (39) + Q7 7 + Q8 14 = 60.
    """
    visa_p = definitions["VISA_P"]
    best = dict(zip(VISA_P_ITEMS, [10, 10, 10, 10, 10, 10, 10, 30], strict=True))
    mixed = dict(zip(VISA_P_ITEMS, [7, 5, 8, 6, 4, 9, 7, 14], strict=True))
    assert score(visa_p, best).scores == {"total": 100.0}
    assert score(visa_p, dict.fromkeys(VISA_P_ITEMS, 0)).scores == {"total": 0.0}
    assert score(visa_p, mixed).scores == {"total": 60.0}


def test_visa_p_needs_every_item(definitions) -> None:
    """The VISA-P missing rule is UNCONFIRMED (§5), so one missing item means no total."""
    answers = dict(zip(VISA_P_ITEMS, [7, 5, 8, 6, 4, 9, 7, None], strict=True))
    result = score(definitions["VISA_P"], answers)
    assert result.scores == {"total": None}
    assert result.invalid == {"total": "total: 7 of 8 items answered; all 8 needed"}


@pytest.mark.parametrize(
    ("item_id", "value", "expected"),
    [
        ("Q7", 5, "one of 0, 4, 7, 10"),
        ("Q8", 31, "a whole number from 0 to 30"),
        ("Q1", 11, "a whole number from 0 to 10"),
    ],
)
def test_visa_p_values_outside_the_scale(definitions, item_id, value, expected) -> None:
    with pytest.raises(
        InstrumentError, match=rf"^VISA_P item {item_id}: {value} is not {expected}$"
    ):
        score(definitions["VISA_P"], {item_id: value})


def test_lysholm_best_worst_and_mixed(definitions) -> None:
    """Best: 5+5+15+25+25+10+10+5 = 100. Worst: all 0 = 0.
    Mixed: limp 3, support 5, locking 10, instability 20, pain 15, swelling 6, stairs 6,
    squatting 4 -> 3+5+10+20+15+6+6+4 = 69 ("fair", 65-83, in both published band sets).
    """
    lysholm = definitions["LYSHOLM"]
    mixed = {
        "limp": 3,
        "support": 5,
        "locking": 10,
        "instability": 20,
        "pain": 15,
        "swelling": 6,
        "stairs": 6,
        "squatting": 4,
    }
    assert score(lysholm, LYSHOLM_WEIGHTS).scores == {"total": 100.0}
    assert score(lysholm, dict.fromkeys(LYSHOLM_WEIGHTS, 0)).scores == {"total": 0.0}
    assert score(lysholm, mixed).scores == {"total": 69.0}
    for band_set in lysholm.category_bands:
        assert [b.label for b in band_set.bands if b.minimum <= 69 <= b.maximum] == ["fair"]


def test_lysholm_needs_every_item(definitions) -> None:
    answers = LYSHOLM_WEIGHTS | {"squatting": None}
    result = score(definitions["LYSHOLM"], answers)
    assert result.invalid == {"total": "total: 7 of 8 items answered; all 8 needed"}


def test_lysholm_only_takes_the_points_of_an_answer(definitions) -> None:
    with pytest.raises(InstrumentError, match=r"^LYSHOLM item limp: 4 is not one of 0, 3, 5$"):
        score(definitions["LYSHOLM"], {"limp": 4})


def test_tegner_now_and_before_injury(definitions) -> None:
    tegner = definitions["TEGNER"]
    result = score(tegner, {"current": 3, "before_injury": 7})
    assert result.scores == {"current": 3.0, "before_injury": 7.0}
    missing = score(tegner, {"current": 3})
    assert missing.scores == {"current": 3.0, "before_injury": None}
    assert missing.invalid == {"before_injury": "before_injury: not answered"}
