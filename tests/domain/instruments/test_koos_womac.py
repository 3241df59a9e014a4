"""KOOS and WOMAC scoring, worked by hand from the rules of clinical.md §5.

KOOS (KOOS Scoring 2012): subscale = 100 - mean x 25 (= 100 - mean / 4 x 100), scored only
when at least half its items are answered: pain 5 of 9, symptoms 4 of 7, ADL 9 of 17,
sport/rec 3 of 5, QOL 2 of 4. WOMAC from KOOS: pain = KOOS P5-P9 (0-20), stiffness = S6-S7
(0-8), function = A1-A17 (0-68), total 0-96, normalised = sum / max x 100. The WOMAC
missing-item rule is UNCONFIRMED; we test the commonly cited rule as prolotrack applies it.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from prolotrack.domain.instruments import InstrumentDefinition, score, womac_from_koos

PAIN = [f"P{n}" for n in range(1, 10)]
SYMPTOMS = [f"S{n}" for n in range(1, 8)]
ADL = [f"A{n}" for n in range(1, 18)]
SPORT_REC = [f"SP{n}" for n in range(1, 6)]
QOL = [f"Q{n}" for n in range(1, 5)]

# The 2012 minimum answered per subscale, copied from clinical.md §5 (not from our data file).
KOOS_2012_MINIMUM = [
    ("pain", PAIN, 5),
    ("symptoms", SYMPTOMS, 4),
    ("adl", ADL, 9),
    ("sport_rec", SPORT_REC, 3),
    ("qol", QOL, 2),
]

FUNCTION_ANSWERS = [1, 2, 1, 0, 3, 2, 1, 1, 0, 2, 1, 0, 2, 1, 1, 3, 2]  # sum 23


def koos_with(**subscales: Sequence[int | None]) -> dict[str, int | None]:
    items = {"pain": PAIN, "symptoms": SYMPTOMS, "adl": ADL, "sport_rec": SPORT_REC, "qol": QOL}
    answers: dict[str, int | None] = {}
    for key, values in subscales.items():
        answers.update(zip(items[key], values, strict=True))
    return answers


# --- KOOS ---


def test_koos_pain_worked_example(koos: InstrumentDefinition) -> None:
    """Pain 1,1,1,0,0,0,0,1,1: sum 5 / 9 = 0.5556; 100 - 0.5556 x 25 = 86.11."""
    result = score(koos, koos_with(pain=[1, 1, 1, 0, 0, 0, 0, 1, 1]))
    assert result.scores["pain"] == pytest.approx(86.1111, abs=1e-4)
    assert result.scores["pain"] == 100 - (5 / 9) * 25  # the one defined order, exactly
    assert result.instrument == "KOOS"
    assert result.version == koos.version


def test_koos_all_subscales_worked_example(koos: InstrumentDefinition) -> None:
    """Symptoms 2,1,0,1,2,3,2: 11 / 7 = 1.5714, x 25 = 39.29 -> 60.71.
    ADL seventeen 1s: mean 1 -> 75.0. Sport/rec 4,4,3,4,3: 18 / 5 = 3.6 -> 100 - 90 = 10.0.
    QOL 3,2,2,3: 10 / 4 = 2.5 -> 100 - 62.5 = 37.5. Pain nine 0s -> 100.0.
    """
    result = score(
        koos,
        koos_with(
            pain=[0] * 9,
            symptoms=[2, 1, 0, 1, 2, 3, 2],
            adl=[1] * 17,
            sport_rec=[4, 4, 3, 4, 3],
            qol=[3, 2, 2, 3],
        ),
    )
    assert result.scores == pytest.approx(
        {"pain": 100.0, "symptoms": 60.7143, "adl": 75.0, "sport_rec": 10.0, "qol": 37.5},
        abs=1e-4,
    )
    assert result.invalid == {}


def test_koos_best_and_worst(koos: InstrumentDefinition) -> None:
    """All 0 (no problems) -> 100 in every subscale; all 4 (extreme) -> 0."""
    best = score(koos, {item.id: 0 for item in koos.items})
    worst = score(koos, {item.id: 4 for item in koos.items})
    assert set(best.scores.values()) == {100.0}
    assert set(worst.scores.values()) == {0.0}


@pytest.mark.parametrize(("key", "items", "minimum"), KOOS_2012_MINIMUM)
def test_koos_subscale_scored_with_exactly_the_minimum(key, items, minimum, koos) -> None:
    """Exactly half (rounded up) answered, each 2: mean 2 -> 100 - 50 = 50.0."""
    answers = {item_id: (2 if n < minimum else None) for n, item_id in enumerate(items)}
    result = score(koos, answers)
    assert result.scores[key] == 50.0
    assert key not in result.invalid


@pytest.mark.parametrize(("key", "items", "minimum"), KOOS_2012_MINIMUM)
def test_koos_subscale_null_with_one_fewer(key, items, minimum, koos) -> None:
    answers = {item_id: 2 for item_id in items[: minimum - 1]}  # the rest absent
    result = score(koos, answers)
    assert result.scores[key] is None
    assert result.invalid[key] == (
        f"{key}: {minimum - 1} of {len(items)} items answered; at least {minimum} needed"
    )


def test_koos_missing_items_do_not_count_as_zero(koos: InstrumentDefinition) -> None:
    """Pain 4,4,4,4,4 and four missing: mean 4 -> 0.0 (not 100 - 20/9 x 25 = 44.4)."""
    result = score(koos, koos_with(pain=[4, 4, 4, 4, 4, None, None, None, None]))
    assert result.scores["pain"] == 0.0


# --- WOMAC from KOOS ---


def womac_example() -> dict[str, int | None]:
    answers = koos_with(
        pain=[3, 3, 3, 3, 2, 1, 3, 0, 2],  # P1-P4 are not WOMAC items
        symptoms=[4, 4, 4, 4, 4, 1, 2],  # S1-S5 are not WOMAC items
        adl=FUNCTION_ANSWERS,
        sport_rec=[4] * 5,
        qol=[4] * 4,
    )
    return answers


def test_womac_from_koos_worked_example(koos, womac) -> None:
    """P5-P9 = 2,1,3,0,2 -> pain 8 (8 / 20 x 100 = 40.0); S6-S7 = 1,2 -> stiffness 3
    (3 / 8 x 100 = 37.5); A1-A17 sum 23 (23 / 68 x 100 = 33.82); total 34 (34 / 96 x 100 = 35.42).
    """
    result = womac_from_koos(womac_example())
    assert result.instrument == "WOMAC"
    assert result.version == f"{womac.version} from KOOS"
    assert result.scores == pytest.approx(
        {
            "pain": 8.0,
            "stiffness": 3.0,
            "function": 23.0,
            "total": 34.0,
            "pain_normalised": 40.0,
            "stiffness_normalised": 37.5,
            "function_normalised": 33.8235,
            "total_normalised": 35.4167,
        },
        abs=1e-4,
    )
    assert result.invalid == {}


def test_standalone_womac_scores_its_own_items_the_same_way(womac) -> None:
    """The LK3.1 items P1-P5, S1-S2, F1-F17 hold the same answers as the KOOS example."""
    answers = dict(zip([f"P{n}" for n in range(1, 6)], [2, 1, 3, 0, 2], strict=True))
    answers |= {"S1": 1, "S2": 2}
    answers |= {f"F{n}": value for n, value in enumerate(FUNCTION_ANSWERS, start=1)}
    standalone = score(womac, answers)
    assert standalone.version == womac.version
    assert standalone.scores == womac_from_koos(womac_example()).scores


def test_womac_pain_one_missing_is_replaced_by_the_mean(koos) -> None:
    """P5-P8 = 2,1,3,0, P9 missing: 6 + 1 x (6 / 4) = 7.5; 7.5 / 20 x 100 = 37.5."""
    answers = womac_example() | {"P9": None}
    result = womac_from_koos(answers)
    assert result.scores["pain"] == 7.5
    assert result.scores["pain_normalised"] == 37.5
    assert result.scores["total"] == 7.5 + 3 + 23


def test_womac_pain_two_missing_is_invalid(koos) -> None:
    answers = womac_example() | {"P8": None, "P9": None}
    result = womac_from_koos(answers)
    assert result.scores["pain"] is None
    assert result.invalid["pain"] == "pain: 3 of 5 items answered; at least 4 needed"
    assert result.scores["pain_normalised"] is None
    assert result.scores["total"] is None
    assert result.scores["total_normalised"] is None
    assert result.invalid["total"] == "total: needs every subscale; invalid: pain"


def test_womac_stiffness_one_missing_is_invalid(koos) -> None:
    """prolotrack's choice: both stiffness items are needed (§5 cites 1-2 missing)."""
    result = womac_from_koos(womac_example() | {"S7": None})
    assert result.scores["stiffness"] is None
    assert result.invalid["stiffness"] == "stiffness: 1 of 2 items answered; both needed"
    assert result.scores["total"] is None
    assert result.scores["pain"] == 8.0  # the other subscales still score


def test_womac_function_three_missing_is_replaced_by_the_mean(koos) -> None:
    """A15-A17 missing: A1-A14 sum 17, mean 17 / 14; 17 + 3 x 17 / 14 = 20.64."""
    result = womac_from_koos(womac_example() | {"A15": None, "A16": None, "A17": None})
    assert result.scores["function"] == pytest.approx(20.6429, abs=1e-4)
    assert result.scores["function"] == 17 + 3 * (17 / 14)


def test_womac_function_four_missing_is_invalid(koos) -> None:
    answers = womac_example() | {f"A{n}": None for n in range(14, 18)}
    result = womac_from_koos(answers)
    assert result.scores["function"] is None
    assert result.invalid["function"] == "function: 13 of 17 items answered; at least 14 needed"
    assert result.invalid["function_normalised"] == result.invalid["function"]


def test_womac_total_names_every_invalid_subscale(koos) -> None:
    result = womac_from_koos({})
    assert result.scores == dict.fromkeys(result.scores)
    assert (
        result.invalid["total"] == "total: needs every subscale; invalid: pain, stiffness, function"
    )


def test_womac_from_koos_checks_the_answers_against_the_koos() -> None:
    from prolotrack.domain.instruments import InstrumentError

    with pytest.raises(InstrumentError, match=r"^KOOS has no item 'F1'$"):
        womac_from_koos({"F1": 2})
    with pytest.raises(InstrumentError, match=r"^KOOS item SP1: 5 is not one of 0, 1, 2, 3, 4$"):
        womac_from_koos({"SP1": 5})
