"""Change against an MCID/PASS and the OMERACT-OARSI responder rule, worked by hand.

References (clinical.md §6 and Appendix B):
- OMERACT-OARSI (Pham et al. 2004, numbers UNCONFIRMED): responder if pain or function
  improves >= 50 % and >= 20 points (high), or at least 2 of pain, function, patient global
  improve >= 20 % and >= 10 points (moderate); 0-100 scales, worse is higher; relative =
  (baseline - follow-up) / baseline; a baseline of 0 does not count.
- NRS: about 2 points or about 30 % (Farrar et al. 2001, Pain 94:149).
- KOOS: 10 points, any subscale (Paradowski 2004). WOMAC: 12 % of baseline (PMC7990728).

Every OMERACT-OARSI case is written on the worse-is-higher scale and run in both orientations:
for higher_is_better each value v becomes 100 - v (computed in decimal, so 32.3 -> 67.7).
Hypothesis runs derandomised (fixed seed), so a failure reproduces.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prolotrack.domain.response import (
    TOLERANCE,
    Change,
    Domains,
    ExcludedDomain,
    McidRule,
    OmeractThresholds,
    Orientation,
    ResponseError,
    change,
    omeract_oarsi,
    to_worse_is_higher,
)

OMERACT = OmeractThresholds(
    high_relative=0.5,
    high_points=20,
    moderate_relative=0.2,
    moderate_points=10,
    moderate_minimum_domains=2,
    source="clinical.md Appendix B",
    confirmed=False,
    note="numbers UNCONFIRMED",
)
ORIENTATIONS: tuple[Orientation, ...] = ("higher_is_worse", "higher_is_better")
SETTINGS = settings(max_examples=300, deadline=None, derandomize=True)

Triple = tuple[float | None, float | None, float | None]


def mirror(value: float | None) -> float | None:
    """100 - value, exactly as the decimal it prints as (32.3 -> 67.7, never 67.69999...)."""
    return None if value is None else float(Decimal(100) - Decimal(repr(value)))


def domains(values: Triple, orientation: Orientation) -> Domains:
    """(pain, function, global) written worse-is-higher, expressed in `orientation`."""
    if orientation == "higher_is_better":
        values = (mirror(values[0]), mirror(values[1]), mirror(values[2]))
    return Domains(pain=values[0], function=values[1], patient_global=values[2])


def assess(baseline: Triple, followup: Triple, orientation: Orientation):
    return omeract_oarsi(
        domains(baseline, orientation),
        domains(followup, orientation),
        orientation=orientation,
        thresholds=OMERACT,
    )


# (case, baseline, follow-up, high, moderate): (pain, function, global), worse is higher.
CASES = [
    # pain 60 -> 30: 50 %, 30 points (high and moderate); function 50 -> 45 and global
    # 50 -> 45: 10 %, 5 points (neither).
    ("high via pain only", (60, 50, 50), (30, 45, 45), True, False),
    # function 80 -> 40: 50 %, 40 points; pain 50 -> 45: 10 %; global 50 -> 48: 4 %.
    ("high via function only", (50, 80, 50), (45, 40, 48), True, False),
    # pain 30 -> 15: 50 % but only 15 points (not high; moderate for pain alone);
    # function 50 -> 48: 4 %; global 40 -> 39: 2.5 %.
    ("high fails the 20 points at 50 %", (30, 50, 40), (15, 48, 39), False, False),
    # 33.3 -> 16.65: exactly 50 %, 16.65 points; function 40 -> 30.1: 24.75 %, 9.9 points.
    ("50 % of 33.3 is 16.65 points", (33.3, 40, None), (16.65, 30.1, None), False, False),
    # pain 60 -> 45: 25 %, 15 pts; function 50 -> 40: 20 %, 10 pts; global 50 -> 45: 10 %.
    ("moderate: pain and function", (60, 50, 50), (45, 40, 45), False, True),
    # pain 60 -> 45: 25 %, 15; function 50 -> 45: 10 %; global 70 -> 50: 28.6 %, 20.
    ("moderate: pain and global", (60, 50, 70), (45, 45, 50), False, True),
    # pain 60 -> 55: 8.3 %; function 50 -> 38: 24 %, 12; global 70 -> 50: 28.6 %, 20.
    ("moderate: function and global", (60, 50, 70), (55, 38, 50), False, True),
    # pain 60 -> 45 only; function 50 -> 42: 16 %, 8; global 70 -> 62: 11.4 %, 8.
    ("moderate fails with 1 of 3", (60, 50, 70), (45, 42, 62), False, False),
    # function 30 -> 24 is 20 % but only 6 points; global 80 -> 71 is 11.25 % and 9 points.
    ("20 % without 10 points does not count", (60, 30, 80), (45, 24, 71), False, False),
    ("global missing, pain and function moderate", (60, 50, None), (45, 40, None), False, True),
    ("global missing, only pain moderate", (60, 50, None), (45, 45, None), False, False),
    ("global missing at follow-up only", (60, 50, 70), (45, 45, None), False, False),
    # pain 0 cannot improve and does not count; function and global 50 -> 40 (20 %, 10).
    ("baseline 0 excluded, the other two count", (0, 50, 50), (0, 40, 40), False, True),
    ("baseline 0 excluded, worsened to 20", (0, 50, 50), (20, 50, 50), False, False),
    # Worsening in every domain.
    ("all worse", (40, 40, 40), (60, 70, 50), False, False),
    # Exactly at the thresholds.
    ("exactly 50 % and 20 points", (40, 50, 50), (20, 50, 50), True, False),
    ("exactly 20 % and 10 points twice", (50, 50, 50), (40, 40, 50), False, True),
    ("just under 50 %: 40 -> 20.01", (40, 50, 50), (20.01, 50, 50), False, False),
    ("just under 10 points: 50 -> 40.01", (50, 50, 50), (40.01, 40.01, 50), False, False),
    ("1e-6 under 20 points is under", (40, 50, 50), (20.000001, 50, 50), False, False),
]


@pytest.mark.parametrize("orientation", ORIENTATIONS)
@pytest.mark.parametrize(
    ("baseline", "followup", "high", "moderate"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_omeract_oarsi_cases(baseline, followup, high, moderate, orientation):
    result = assess(baseline, followup, orientation)
    assert result.high_improvement is high
    assert result.moderate_two_of_three is moderate
    assert result.responder is (high or moderate)


@pytest.mark.parametrize("orientation", ORIENTATIONS)
def test_domain_details(orientation):
    """pain 60 -> 30, function 50 -> 45, global 70 -> 50 (worse is higher)."""
    result = assess((60, 50, 70), (30, 45, 50), orientation)
    pain, function, patient_global = result.domains
    assert (pain.domain, pain.baseline, pain.followup) == ("pain", 60, 30)
    assert (pain.absolute, pain.relative, pain.meets_high, pain.meets_moderate) == (
        30,
        0.5,
        True,
        True,
    )
    assert (function.absolute, function.relative) == (5, 0.1)
    assert (function.meets_high, function.meets_moderate) == (False, False)
    assert patient_global.domain == "global"
    assert patient_global.absolute == 20
    assert patient_global.relative == pytest.approx(2 / 7)
    assert patient_global.meets_high is None  # not part of the high criterion
    assert patient_global.meets_moderate is True
    assert result.excluded == ()


@pytest.mark.parametrize("orientation", ORIENTATIONS)
def test_excluded_domains_say_why(orientation):
    result = assess((0, None, 50), (10, 40, None), orientation)
    assert result.domains == ()
    assert result.excluded == (
        ExcludedDomain("pain", "baseline_zero"),
        ExcludedDomain("function", "missing_baseline"),
        ExcludedDomain("global", "missing_followup"),
    )
    assert result.excluded[0].message == "baseline is 0 (the best score): it cannot improve"
    assert not result.responder


def test_koos_literal_values_higher_is_better():
    """KOOS pain 40 -> 70 is worse-is-higher 60 -> 30: 50 %, 30 points, a high improvement."""
    result = omeract_oarsi(
        Domains(pain=40, function=50, patient_global=None),
        Domains(pain=70, function=55, patient_global=None),
        orientation="higher_is_better",
        thresholds=OMERACT,
    )
    assert result.high_improvement
    assert result.responder
    assert [(d.baseline, d.followup) for d in result.domains] == [(60, 30), (50, 45)]


def test_a_koos_of_100_is_a_baseline_of_0():
    result = omeract_oarsi(
        Domains(pain=100, function=50, patient_global=50),
        Domains(pain=100, function=60, patient_global=60),
        orientation="higher_is_better",
        thresholds=OMERACT,
    )
    assert result.excluded == (ExcludedDomain("pain", "baseline_zero"),)
    assert result.moderate_two_of_three  # function and global 50 -> 40 worse-is-higher


# --- floating point: values that binary floats get wrong ---

HOSTILE = [
    # 32.3 - 12.3 == 19.999999999999996 in floats; exactly 20 points (61.9 %): high.
    ("20 points, 32.3 -> 12.3", (32.3, 50, 50), (12.3, 50, 50), True, False),
    # (51.5 - 41.2) / 51.5 == 0.19999999999999996 in floats; exactly 20 % (10.3 points), and
    # 16.4 - 6.4 == 9.999999999999998; exactly 10 points (61 %): two moderate domains.
    ("20 % of 51.5 and 10 points of 16.4", (51.5, 16.4, 50), (41.2, 6.4, 50), False, True),
    # WOMAC function 44/68 -> 22/68 (normalised, computed in floats) is 50 % on paper; as
    # decimals the quotient is 0.49999999999999992: the tolerance counts it. 32.4 points.
    (
        "computed WOMAC 44/68 -> 22/68",
        (44 / 68 * 100, 50, 50),
        (22 / 68 * 100, 50, 50),
        True,
        False,
    ),
    # 40 -> (0.1 + 0.2) * 100 - 10 = 20.000000000000004: 20 points and 50 % but for float noise.
    ("0.1 + 0.2 noise", (40, 50, 50), ((0.1 + 0.2) * 100 - 10, 50, 50), True, False),
]


def test_the_hostile_values_are_hostile_to_plain_floats():
    """Guard the cases above: naive float arithmetic misses each threshold."""
    assert 32.3 - 12.3 < 20
    assert (51.5 - 41.2) / 51.5 < 0.2
    assert 16.4 - 6.4 < 10
    # Even read as decimals (step 1 of the policy): the tolerance (step 2) is what counts it.
    womac_44, womac_22 = Decimal(repr(44 / 68 * 100)), Decimal(repr(22 / 68 * 100))
    assert (womac_44 - womac_22) / womac_44 < Decimal("0.5")
    assert 40 - ((0.1 + 0.2) * 100 - 10) < 20


@pytest.mark.parametrize("orientation", ORIENTATIONS)
@pytest.mark.parametrize(
    ("baseline", "followup", "high", "moderate"),
    [case[1:] for case in HOSTILE],
    ids=[case[0] for case in HOSTILE],
)
def test_exact_thresholds_with_hostile_floats(baseline, followup, high, moderate, orientation):
    result = assess(baseline, followup, orientation)
    assert (result.high_improvement, result.moderate_two_of_three) == (high, moderate)


def test_changes_are_exact_decimals():
    """70.3 -> 50.3 is 20 points, reported as 20.0 (not 19.999999999999996)."""
    result = assess((70.3, None, None), (50.3, None, None), "higher_is_worse")
    assert result.domains[0].absolute == 20.0
    assert result.domains[0].relative == float(Decimal(20) / Decimal("70.3"))


def test_the_tolerance_is_tiny():
    assert Decimal("1e-12") < TOLERANCE <= Decimal("1e-9")


# --- change() against an MCID and a PASS ---


def nrs_change(baseline: float, followup: float, mcid_rule: McidRule = "either") -> Change:
    """An NRS 0-10 against Farrar's 2 points or 30 %."""
    return change(
        baseline,
        followup,
        orientation="higher_is_worse",
        mcid_points=2,
        mcid_relative=0.30,
        mcid_rule=mcid_rule,
        scale_max=10,
    )


def test_nrs_6_to_4_reaches_by_points():
    """Farrar 2001: 2 points (and 33 %) is an important change."""
    result = nrs_change(6, 4)
    assert result.absolute == 2
    assert result.relative == pytest.approx(1 / 3)
    assert result.reaches_mcid_points is True
    assert result.reaches_mcid is True
    assert result.improved


def test_nrs_3_to_2_1_reaches_by_30_percent_only():
    """0.9 points, exactly 30 % of 3 (3 - 2.1 == 0.8999999999999999 in floats)."""
    result = nrs_change(3, 2.1)
    assert result.absolute == 0.9
    assert result.relative == 0.3
    assert result.reaches_mcid_points is False
    assert result.reaches_mcid_relative is True
    assert result.reaches_mcid is True


def test_nrs_8_to_6_5_reaches_neither():
    """1.5 points, 18.75 %."""
    result = nrs_change(8, 6.5)
    assert (result.absolute, result.relative) == (1.5, 0.1875)
    assert (result.reaches_mcid_points, result.reaches_mcid_relative) == (False, False)
    assert result.reaches_mcid is False
    assert result.improved


def test_nrs_with_the_both_rule():
    assert nrs_change(6, 4, mcid_rule="both").reaches_mcid is True
    assert nrs_change(3, 2.1, mcid_rule="both").reaches_mcid is False


def test_nrs_points_with_float_noise():
    """2.3 -> 0.1 + 0.2 (= 0.30000000000000004) is 2 points but for float noise."""
    result = change(2.3, 0.1 + 0.2, orientation="higher_is_worse", mcid_points=2, scale_max=10)
    assert result.reaches_mcid is True


def test_koos_10_points_higher_is_better():
    """KOOS 50 -> 60 is an improvement of 10 points (Paradowski 2004); 59.9 is not."""
    reached = change(50, 60, orientation="higher_is_better", mcid_points=10)
    assert (reached.absolute, reached.relative) == (10, 0.2)  # 10 of the 50 worse-is-higher
    assert reached.reaches_mcid is True
    assert change(50, 59.9, orientation="higher_is_better", mcid_points=10).reaches_mcid is False


def test_koos_10_points_hostile_floats():
    """6.4 -> 16.4: 16.4 - 6.4 == 9.999999999999998 in floats; exactly 10 points."""
    assert 16.4 - 6.4 < 10
    result = change(6.4, 16.4, orientation="higher_is_better", mcid_points=10)
    assert result.absolute == 10.0
    assert result.reaches_mcid is True


def test_koos_worsening():
    result = change(60, 50, orientation="higher_is_better", mcid_points=10)
    assert result.absolute == -10
    assert result.reaches_mcid is False
    assert not result.improved


@pytest.mark.parametrize(
    ("baseline", "followup", "reaches"),
    [
        (50, 44, True),  # 12 %
        (50, 44.1, False),  # 11.8 %
        (41.7, 36.696, True),  # 12 %; (41.7 - 36.696) / 41.7 is 0.1200000000000001 in floats
        (33.3, 29.304, True),  # 12 %; 0.11999999999999997 in floats
        (5.0, 4.4, True),  # 12 %; 0.11999999999999993 in floats
    ],
)
def test_womac_12_percent(baseline, followup, reaches):
    result = change(baseline, followup, orientation="higher_is_worse", mcid_relative=0.12)
    assert result.reaches_mcid is reaches
    assert result.reaches_mcid_points is None


def test_a_relative_mcid_is_not_reached_from_a_baseline_of_0():
    result = change(0, 0, orientation="higher_is_worse", mcid_relative=0.12)
    assert result.relative is None
    assert result.reaches_mcid is False
    assert not result.improved


def test_no_thresholds_means_none():
    result = change(60, 40, orientation="higher_is_worse")
    assert (result.reaches_mcid, result.reaches_pass) == (None, None)
    assert (result.reaches_mcid_points, result.reaches_mcid_relative) == (None, None)


@pytest.mark.parametrize(
    ("orientation", "followup", "reaches"),
    [
        ("higher_is_worse", 30, True),  # at the PASS
        ("higher_is_worse", 29.9, True),
        ("higher_is_worse", 30.1, False),
        ("higher_is_better", 70, True),
        ("higher_is_better", 70.1, True),
        ("higher_is_better", 69.9, False),
    ],
)
def test_pass_is_on_the_scores_own_scale(orientation, followup, reaches):
    pass_value = 30 if orientation == "higher_is_worse" else 70
    baseline = 60 if orientation == "higher_is_worse" else 40
    result = change(baseline, followup, orientation=orientation, pass_value=pass_value)
    assert result.reaches_pass is reaches


def test_to_worse_is_higher():
    assert to_worse_is_higher(70, "higher_is_better") == 30
    assert to_worse_is_higher(86.11111111111111, "higher_is_better") == 13.88888888888889
    assert to_worse_is_higher(79.7, "higher_is_better") == 20.3  # 100 - 79.7 in floats: 20.29...
    assert to_worse_is_higher(70, "higher_is_worse") == 70
    assert to_worse_is_higher(7, "higher_is_better", scale_max=10) == 3


@pytest.mark.parametrize("value", [-0.1, 100.1, float("nan"), float("inf"), True, "50"])
def test_bad_scores_raise(value):
    with pytest.raises(ResponseError):
        to_worse_is_higher(value, "higher_is_better")
    with pytest.raises(ResponseError):
        change(value, 50, orientation="higher_is_worse")


def test_bad_omeract_values_are_named_even_when_the_domain_would_not_count():
    with pytest.raises(ResponseError, match=r"follow-up pain: 120 is outside 0-100"):
        omeract_oarsi(
            Domains(pain=None),
            Domains(pain=120),
            orientation="higher_is_worse",
            thresholds=OMERACT,
        )


def test_unknown_orientation_and_rule_raise():
    with pytest.raises(ResponseError, match="orientation"):
        change(60, 40, orientation="sideways")  # type: ignore[arg-type]
    with pytest.raises(ResponseError, match="mcid_rule"):
        change(60, 40, orientation="higher_is_worse", mcid_points=2, mcid_rule="any")  # type: ignore[arg-type]


# --- properties ---

scores = st.decimals(min_value=0, max_value=100, places=2).map(float)
maybe_scores = st.none() | scores
triples = st.tuples(maybe_scores, maybe_scores, maybe_scores)


@SETTINGS
@given(baseline=triples, followup=triples)
def test_mirroring_values_and_orientation_gives_the_same_result(baseline, followup):
    worse = assess(baseline, followup, "higher_is_worse")
    better = omeract_oarsi(
        Domains(*(mirror(v) for v in baseline)),
        Domains(*(mirror(v) for v in followup)),
        orientation="higher_is_better",
        thresholds=OMERACT,
    )
    assert better == worse


@SETTINGS
@given(baseline=scores, followup=scores, mcid=scores, pass_value=scores)
def test_change_is_the_same_mirrored(baseline, followup, mcid, pass_value):
    worse = change(
        baseline, followup, orientation="higher_is_worse", mcid_points=mcid, pass_value=pass_value
    )
    better = change(
        mirror(baseline),  # type: ignore[arg-type]
        mirror(followup),  # type: ignore[arg-type]
        orientation="higher_is_better",
        mcid_points=mcid,
        pass_value=mirror(pass_value),
    )
    assert better == worse


def _exact_meets(baseline: float, followup: float, relative: str, points: int) -> bool:
    start, end = Fraction(repr(baseline)), Fraction(repr(followup))
    return start > 0 and (start - end) / start >= Fraction(relative) and start - end >= points


@SETTINGS
@given(baseline=st.tuples(scores, scores, scores), followup=st.tuples(scores, scores, scores))
def test_agrees_with_exact_rational_arithmetic(baseline, followup):
    """For scores with up to 2 decimals, the verdict is the one exact fractions give."""
    result = assess(baseline, followup, "higher_is_worse")
    pairs = list(zip(baseline, followup, strict=True))
    high = any(_exact_meets(b, f, "1/2", 20) for b, f in pairs[:2])
    moderate = sum(_exact_meets(b, f, "1/5", 10) for b, f in pairs) >= 2
    assert (result.high_improvement, result.moderate_two_of_three) == (high, moderate)
