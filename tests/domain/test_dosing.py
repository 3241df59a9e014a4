"""Solution preparation and the lidocaine check against clinical.md §2 (and §1 for the mixes).

Reference values, all from clinical.md §2 unless said otherwise:
- dilution rule V(stock) = C(final) x V(final) / C(stock): 25 % in 10 mL = 5.0 mL D50W;
- the worked 10 mL batches: 25 % = 5.0 mL D50W + 5 mL 1 % lidocaine (0.5 %, Rabago IA);
  20 % = 4.0 mL + 2.5 mL 2 % lidocaine + 3.5 mL diluent (0.5 %, Dumais IA); 15 % = 3.0 mL
  + 3 mL 2 % + 4 mL diluent (0.6 %, Dumais EA); 12.5 % = 2.5 mL + 7.5 mL 1 % (0.75 %);
  10 % = 2.0 mL + 8.0 mL;
- lidocaine mg = mL x % x 10: 6 mL of 0.5 % = 30 mg (Rabago IA, 6 mL, §1a);
- glucose load: Rabago maximum 6 mL x 25 % + 22.5 mL x 15 % = 4.875 g ("about 4.9 g");
- maximum: 4.5 mg/kg, at most 300 mg, without epinephrine; 7 mg/kg, at most 500 mg, with.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from prolotrack.domain.dosing import (
    DoseLimits,
    DosingError,
    LidocaineMaximum,
    Stock,
    SyringeTarget,
    prepare,
    session_check,
    weight_is_stale,
)

D = Decimal
D50W_1PCT = Stock(dextrose_pct=D(50), lidocaine_pct=D(1), epinephrine=False)
D50W_2PCT = Stock(dextrose_pct=D(50), lidocaine_pct=D(2), epinephrine=False)
LIMITS = DoseLimits(
    version="test-limits-r1",
    without_epinephrine=LidocaineMaximum(
        mg_per_kg=D("4.5"), ceiling_mg=D(300), source="clinical.md §2", confirmed=False, note="n1"
    ),
    with_epinephrine=LidocaineMaximum(
        mg_per_kg=D(7), ceiling_mg=D(500), source="clinical.md §2", confirmed=False, note="n2"
    ),
    caution="reduce in the elderly",
    stock_strengths=(),
    weight_max_age_days=90,
)
SETTINGS = settings(max_examples=300, deadline=None, derandomize=True)


def syringe(label: str, volume: str, dextrose: str, lidocaine: str) -> SyringeTarget:
    return SyringeTarget(
        label=label,
        final_volume_ml=D(volume),
        dextrose_pct=D(dextrose),
        lidocaine_pct=D(lidocaine),
    )


def lidocaine_only(volume: str, label: str = "L") -> SyringeTarget:
    return syringe(label, volume, "0", "1")


# --- worked examples ---


def test_25_percent_in_10_ml_takes_5_ml_of_d50w():
    """clinical.md §2 dilution rule and the 15-line summary: 25 % in 10 mL = 5 mL D50W."""
    recipe = prepare(D50W_1PCT, syringe("IA", "10", "25", "0"))
    assert recipe.dextrose_stock_ml == D("5.00")
    assert recipe.diluent_ml == D("5.00")
    assert recipe.dextrose_g == D("2.500")


def test_rabago_intra_articular_mix():
    """Rabago 2013 (clinical.md §1a): 5 mL D50W + 5 mL 1 % lidocaine, no saline, so 25 % /
    0.5 %; 6 mL of it is 3 + 3 mL and 30 mg lidocaine (§2: "6 mL of 0.5 % = 30 mg").
    """
    recipe = prepare(D50W_1PCT, syringe("IA", "6", "25", "0.5"))
    assert (recipe.dextrose_stock_ml, recipe.lidocaine_stock_ml, recipe.diluent_ml) == (
        D(3),
        D(3),
        D(0),
    )
    assert recipe.lidocaine_mg == D(30)
    assert recipe.dextrose_g == D("1.5")
    assert recipe.label == "IA"
    assert (recipe.final_volume_ml, recipe.dextrose_pct, recipe.lidocaine_pct) == (
        D(6),
        D(25),
        D("0.5"),
    )


@pytest.mark.parametrize(
    ("stock", "dextrose", "lidocaine", "d50w_ml", "lidocaine_ml", "diluent_ml", "mg", "g"),
    [
        (D50W_1PCT, "25", "0.5", "5.0", "5", "0", "50", "2.5"),  # Rabago IA
        (D50W_2PCT, "20", "0.5", "4.0", "2.5", "3.5", "50", "2.0"),  # Dumais IA
        (D50W_2PCT, "15", "0.6", "3.0", "3", "4", "60", "1.5"),  # Dumais EA
        (D50W_1PCT, "12.5", "0.75", "2.5", "7.5", "0", "75", "1.25"),
        (D50W_1PCT, "10", "0", "2.0", "0", "8.0", "0", "1.0"),
    ],
)
def test_worked_10_ml_batches(stock, dextrose, lidocaine, d50w_ml, lidocaine_ml, diluent_ml, mg, g):
    """The "Worked 10 mL batches from D50W" table of clinical.md §2."""
    recipe = prepare(stock, syringe("batch", "10", dextrose, lidocaine))
    assert recipe.dextrose_stock_ml == D(d50w_ml)
    assert recipe.lidocaine_stock_ml == D(lidocaine_ml)
    assert recipe.diluent_ml == D(diluent_ml)
    assert recipe.lidocaine_mg == D(mg)
    assert recipe.dextrose_g == D(g)


def test_dumais_extra_articular_site():
    """Dumais 2012 (clinical.md §1a): 1 mL of 15 % / 0.6 % at one site, from D50W and 2 %."""
    recipe = prepare(D50W_2PCT, syringe("EA site", "1", "15", "0.6"))
    assert (recipe.dextrose_stock_ml, recipe.lidocaine_stock_ml, recipe.diluent_ml) == (
        D("0.30"),
        D("0.30"),
        D("0.40"),
    )
    assert recipe.lidocaine_mg == D(6)


def test_rabago_maximum_glucose_load():
    """clinical.md §2: 6 mL x 25 % + 22.5 mL x 15 % = 4.875 g ("about 4.9 g"). The EA
    lidocaine % is UNCONFIRMED (§1a), so the EA syringe here has none; only grams are checked.
    """
    check = session_check(
        D50W_1PCT,
        [syringe("IA", "6", "25", "0.5"), syringe("EA", "22.5", "15", "0")],
        weight_kg=D(70),
        limits=LIMITS,
    )
    assert check.total_dextrose_g == D("4.875")
    assert round(check.total_dextrose_g, 1) == D("4.9")
    assert check.total_lidocaine_mg == D(30)
    assert [recipe.label for recipe in check.recipes] == ["IA", "EA"]


def test_no_floating_point_drift():
    """0.1 mL + 0.2 mL of 1 % lidocaine is 3 mg exactly, not 3.0000000000000004."""
    check = session_check(
        D50W_1PCT,
        [lidocaine_only("0.1", "a"), lidocaine_only("0.2", "b")],
        weight_kg=D(70),
        limits=LIMITS,
    )
    assert check.total_lidocaine_mg == D(3)
    assert str(check.total_lidocaine_mg) == "3.00"


# --- lidocaine maximum ---


@pytest.mark.parametrize(
    ("weight_kg", "epinephrine", "maximum_mg"),
    [
        ("70", False, "300"),  # 4.5 x 70 = 315, capped at 300
        ("50", False, "225"),  # 4.5 x 50
        ("70", True, "490"),  # 7 x 70
        ("80", True, "500"),  # 7 x 80 = 560, capped at 500
    ],
)
def test_lidocaine_maximum(weight_kg, epinephrine, maximum_mg):
    """clinical.md §2: 4.5 mg/kg (at most 300 mg) plain; 7 mg/kg (at most 500 mg) with."""
    stock = Stock(lidocaine_pct=D(1), epinephrine=epinephrine)
    check = session_check(stock, [lidocaine_only("1")], weight_kg=D(weight_kg), limits=LIMITS)
    assert check.max_lidocaine_mg == D(maximum_mg)
    assert check.epinephrine is epinephrine
    assert check.weight_kg == D(weight_kg)


@pytest.mark.parametrize(
    ("weight_kg", "volume_ml", "within"),
    [
        ("50", "22.5", True),  # 225 mg, exactly the 225 mg maximum
        ("50", "22.6", False),  # 226 mg, one mg over
        ("70", "30", True),  # 300 mg, exactly the ceiling
        ("70", "30.1", False),  # 301 mg
    ],
)
def test_exactly_at_the_maximum_is_within_and_one_mg_over_is_not(weight_kg, volume_ml, within):
    check = session_check(
        D50W_1PCT, [lidocaine_only(volume_ml)], weight_kg=D(weight_kg), limits=LIMITS
    )
    assert check.within_limit is within


def test_lidocaine_is_totalled_over_the_syringes():
    """Two syringes of 15 mL 1 % (150 mg each) reach 300 mg; a third mL goes over."""
    targets = [lidocaine_only("15", "a"), lidocaine_only("15", "b")]
    at_limit = session_check(D50W_1PCT, targets, weight_kg=D(70), limits=LIMITS)
    assert (at_limit.total_lidocaine_mg, at_limit.within_limit) == (D(300), True)
    over = session_check(
        D50W_1PCT, [*targets, lidocaine_only("0.1", "c")], weight_kg=D(70), limits=LIMITS
    )
    assert (over.total_lidocaine_mg, over.within_limit) == (D(301), False)


def test_unknown_weight_gives_no_maximum_and_says_so():
    check = session_check(D50W_1PCT, [lidocaine_only("5")], weight_kg=None, limits=LIMITS)
    assert check.max_lidocaine_mg is None
    assert check.within_limit is None
    assert check.total_lidocaine_mg == D(50)
    assert check.notes[0].startswith("weight unknown")


def test_the_check_carries_the_limits_version_and_the_unconfirmed_notes():
    check = session_check(D50W_1PCT, [lidocaine_only("5")], weight_kg=D(60), limits=LIMITS)
    assert check.limits_version == "test-limits-r1"
    assert check.notes == (
        "lidocaine maximum without epinephrine (4.5 mg/kg, at most 300 mg): n1",
        "reduce in the elderly",
    )
    stock = Stock(lidocaine_pct=D(1), epinephrine=True)
    with_epinephrine = session_check(stock, [lidocaine_only("5")], weight_kg=D(60), limits=LIMITS)
    assert with_epinephrine.notes[0] == (
        "lidocaine maximum with epinephrine (7 mg/kg, at most 500 mg): n2"
    )


# --- rounding ---


def test_volumes_round_half_up_and_still_add_up():
    """1 mL of 10 % from a 30 % stock needs 0.333... mL: shown 0.33, diluent 0.67."""
    stock = Stock(dextrose_pct=D(30), lidocaine_pct=D(0), epinephrine=False)
    recipe = prepare(stock, syringe("x", "1", "10", "0"))
    assert (recipe.dextrose_stock_ml, recipe.diluent_ml) == (D("0.33"), D("0.67"))


def test_two_half_volumes_never_overshoot_the_final_volume():
    """0.03 mL of 25 % / 0.5 % from 50 % / 1 % is 0.015 + 0.015 mL exactly; both cannot round
    up to 0.02, so the lidocaine rounds down and the diluent is 0.
    """
    recipe = prepare(D50W_1PCT, syringe("tiny", "0.03", "25", "0.5"))
    assert (recipe.dextrose_stock_ml, recipe.lidocaine_stock_ml, recipe.diluent_ml) == (
        D("0.02"),
        D("0.01"),
        D(0),
    )


def test_lidocaine_rounds_up_and_the_maximum_rounds_down():
    recipe = prepare(D50W_1PCT, syringe("x", "0.33", "0", "0.333"))  # 1.0989 mg
    assert recipe.lidocaine_mg == D("1.10")
    check = session_check(D50W_1PCT, [lidocaine_only("1")], weight_kg=D("50.33"), limits=LIMITS)
    assert check.max_lidocaine_mg == D("226.48")  # 4.5 x 50.33 = 226.485


# --- errors ---


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (("IA", "0", "25", "0.5"), "syringe 'IA': final_volume_ml must be above 0, got 0"),
        (("IA", "-6", "25", "0.5"), "syringe 'IA': final_volume_ml must be above 0, got -6"),
        (("IA", "6", "-25", "0.5"), "syringe 'IA': dextrose_pct must not be negative, got -25"),
        (("IA", "6", "25", "-0.5"), "syringe 'IA': lidocaine_pct must not be negative"),
        (("IA", "6", "101", "0"), "syringe 'IA': dextrose_pct must not be above 100 %, got 101"),
        (("IA", "6.005", "25", "0"), "syringe 'IA': final_volume_ml 6.005 is finer than 0.01 mL"),
        (("IA", "1001", "25", "0"), "syringe 'IA': final_volume_ml must not be above 1000 mL"),
        (("IA", "6", "1E-10", "0"), "syringe 'IA': dextrose_pct 1E-10 is finer than 0.000000001 %"),
        (("IA", "6", "25", "1E-999999999"), "syringe 'IA': lidocaine_pct 1E-999999999 is finer"),
        (("IA", "NaN", "25", "0"), "syringe 'IA': final_volume_ml must be a finite number"),
        (("IA", "6", "Infinity", "0"), "syringe 'IA': dextrose_pct must be a finite number"),
    ],
)
def test_bad_targets_are_refused_naming_the_syringe(target, message):
    with pytest.raises(DosingError, match="^" + message.replace("(", r"\(").replace(".", r"\.")):
        prepare(D50W_1PCT, syringe(*target))


@pytest.mark.parametrize(
    ("stock", "target", "message"),
    [
        (D50W_1PCT, ("IA", "6", "60", "0"), "syringe 'IA': 60 % dextrose cannot be made from"),
        (D50W_1PCT, ("EA", "6", "15", "1.5"), "syringe 'EA': 1.5 % lidocaine cannot be made from"),
        (
            Stock(lidocaine_pct=D(0), epinephrine=False),
            ("IA", "6", "25", "0.5"),
            "syringe 'IA': 0.5 % lidocaine is wanted but there is no lidocaine stock (0 %)",
        ),
        (
            Stock(dextrose_pct=D(0), lidocaine_pct=D(1), epinephrine=False),
            ("IA", "6", "25", "0"),
            "syringe 'IA': 25 % dextrose is wanted but there is no dextrose stock (0 %)",
        ),
        (
            D50W_1PCT,
            ("IA", "10", "40", "0.5"),
            "syringe 'IA': 8.00 mL dextrose stock and 5.00 mL lidocaine stock add up to more "
            "than the final 10.00 mL",
        ),
    ],
)
def test_impossible_mixes_are_refused_naming_the_syringe(stock, target, message):
    with pytest.raises(DosingError) as raised:
        prepare(stock, syringe(*target))
    assert str(raised.value).startswith(message)


TARGET = {"label": "IA", "final_volume_ml": D(1), "dextrose_pct": D(1), "lidocaine_pct": D(0)}


@pytest.mark.parametrize(
    ("kind", "fields", "message"),
    [
        (Stock, {"dextrose_pct": D(-50), "lidocaine_pct": D(1)}, "stock: dextrose_pct must not"),
        (Stock, {"lidocaine_pct": D(-1)}, "stock: lidocaine_pct must not be negative"),
        (Stock, {"lidocaine_pct": 1.0}, "stock: lidocaine_pct must be a Decimal, not float"),
        (Stock, {"lidocaine_pct": True}, "stock: lidocaine_pct must be a Decimal, not bool"),
        (Stock, {"lidocaine_pct": D(1), "epinephrine": 1}, "stock: epinephrine must be true"),
        (SyringeTarget, TARGET | {"label": " "}, "a syringe needs a label"),
        (SyringeTarget, TARGET | {"final_volume_ml": 6.0}, "syringe 'IA': final_volume_ml must"),
    ],
)
def test_bad_stocks_and_types_are_refused(kind, fields, message):
    defaults = {"epinephrine": False} if kind is Stock else {}
    with pytest.raises(DosingError) as raised:
        kind(**(defaults | fields))
    assert str(raised.value).startswith(message)


def test_whole_numbers_are_accepted_as_exact_decimals():
    stock = Stock(dextrose_pct=50, lidocaine_pct=1, epinephrine=False)  # type: ignore[arg-type]
    assert stock.lidocaine_pct == D(1)
    assert isinstance(stock.lidocaine_pct, Decimal)


@pytest.mark.parametrize(
    ("targets", "weight_kg", "message"),
    [
        ([], D(70), "a session needs at least one syringe"),
        ([lidocaine_only("1", "EA"), lidocaine_only("2", "EA")], D(70), "syringe labels repeat"),
        ([lidocaine_only("1")], D(0), "patient: weight_kg must be above 0, got 0"),
        ([lidocaine_only("1")], D(-70), "patient: weight_kg must be above 0, got -70"),
        ([lidocaine_only("1")], D(1001), "patient: weight_kg must not be above 1000 kg, got 1001"),
        ([lidocaine_only("1")], D("1E-999999999"), "patient: weight_kg 1E-999999999 is finer"),
        ([lidocaine_only("1")], D("NaN"), "patient: weight_kg must be a finite number"),
        ([syringe("EA", "6", "60", "0")], D(70), "syringe 'EA': 60 % dextrose"),
    ],
)
def test_bad_sessions_are_refused(targets, weight_kg, message):
    with pytest.raises(DosingError) as raised:
        session_check(D50W_1PCT, targets, weight_kg=weight_kg, limits=LIMITS)
    assert str(raised.value).startswith(message)


# --- weight staleness ---

TODAY = dt.date(2026, 11, 29)


@pytest.mark.parametrize(
    ("measured_on", "stale"),
    [
        (None, True),
        (TODAY, False),
        (TODAY - dt.timedelta(days=90), False),  # exactly the maximum age is still current
        (TODAY - dt.timedelta(days=91), True),
        (dt.date(2020, 1, 1), True),
    ],
)
def test_weight_is_stale(measured_on, stale):
    assert weight_is_stale(measured_on, TODAY, 90) is stale


def test_a_weight_from_the_future_or_a_negative_age_is_refused():
    with pytest.raises(DosingError, match="after today"):
        weight_is_stale(TODAY + dt.timedelta(days=1), TODAY, 90)
    with pytest.raises(DosingError, match="max_age_days"):
        weight_is_stale(TODAY, TODAY, -1)


# --- properties ---


@st.composite
def stocks(draw: st.DrawFn) -> Stock:
    return Stock(
        dextrose_pct=draw(st.decimals(min_value=1, max_value=100, places=1)),
        lidocaine_pct=draw(st.sampled_from([D(0), D(1), D(2), D("0.5"), D(4)])),
        epinephrine=draw(st.booleans()),
    )


@st.composite
def targets_for(draw: st.DrawFn, stock: Stock, places: int = 2, label: str = "x") -> SyringeTarget:
    """A makeable syringe: concentrations within the stocks and stock volumes within the final."""
    dextrose = draw(st.decimals(min_value=0, max_value=stock.dextrose_pct, places=places))
    lidocaine = D(0)
    if stock.lidocaine_pct:
        lidocaine = draw(st.decimals(min_value=0, max_value=stock.lidocaine_pct, places=places))
        assume(dextrose / stock.dextrose_pct + lidocaine / stock.lidocaine_pct <= 1)
    volume = draw(st.decimals(min_value=D("0.01"), max_value=100, places=2))
    return SyringeTarget(
        label=label, final_volume_ml=volume, dextrose_pct=dextrose, lidocaine_pct=lidocaine
    )


@SETTINGS
@given(data=st.data())
def test_stock_volumes_and_diluent_add_up_to_the_final_volume_exactly(data):
    stock = data.draw(stocks())
    recipe = prepare(stock, data.draw(targets_for(stock)))
    total = recipe.dextrose_stock_ml + recipe.lidocaine_stock_ml + recipe.diluent_ml
    assert total == recipe.final_volume_ml
    assert min(recipe.dextrose_stock_ml, recipe.lidocaine_stock_ml, recipe.diluent_ml) >= 0
    exact = recipe.dextrose_pct * recipe.final_volume_ml / stock.dextrose_pct
    assert abs(recipe.dextrose_stock_ml - exact) <= D("0.005")


@SETTINGS
@given(
    lidocaine=st.decimals(min_value=0, max_value=2, places=1),
    dextrose=st.integers(min_value=0, max_value=50),
    volume=st.decimals(min_value=D("0.1"), max_value=50, places=1),
)
def test_doses_scale_linearly_with_the_final_volume(lidocaine, dextrose, volume):
    """On inputs whose doses fall on the rounding grid, doubling the volume doubles them."""
    assume(D(dextrose) / 50 + lidocaine / 2 <= 1)
    one = prepare(D50W_2PCT, syringe("x", str(volume), str(dextrose), str(lidocaine)))
    two = prepare(D50W_2PCT, syringe("x", str(2 * volume), str(dextrose), str(lidocaine)))
    assert two.lidocaine_mg == 2 * one.lidocaine_mg
    assert two.dextrose_g == 2 * one.dextrose_g
    assert one.lidocaine_mg == volume * lidocaine * 10  # exact: no rounding happened
    assert one.dextrose_g == volume * dextrose / 100


@SETTINGS
@given(data=st.data())
def test_doses_scale_linearly_within_rounding(data):
    stock = data.draw(stocks())
    target = data.draw(targets_for(stock, places=3))
    assume(target.final_volume_ml <= 50)
    doubled = SyringeTarget(
        label="x",
        final_volume_ml=2 * target.final_volume_ml,
        dextrose_pct=target.dextrose_pct,
        lidocaine_pct=target.lidocaine_pct,
    )
    one, two = prepare(stock, target), prepare(stock, doubled)
    assert abs(two.lidocaine_mg - 2 * one.lidocaine_mg) <= D("0.02")
    assert abs(two.dextrose_g - 2 * one.dextrose_g) <= D("0.002")


@SETTINGS
@given(data=st.data(), weight=st.none() | st.decimals(min_value=1, max_value=200, places=1))
def test_totals_are_the_sums_of_the_syringes(data, weight):
    stock = data.draw(stocks())
    count = data.draw(st.integers(min_value=1, max_value=6))
    targets = [data.draw(targets_for(stock, label=f"s{n}")) for n in range(count)]
    check = session_check(stock, targets, weight_kg=weight, limits=LIMITS)
    assert check.total_lidocaine_mg == sum(r.lidocaine_mg for r in check.recipes)
    assert check.total_dextrose_g == sum(r.dextrose_g for r in check.recipes)
    if weight is None:
        assert check.within_limit is None
    else:
        assert check.max_lidocaine_mg is not None
        assert check.within_limit is (check.total_lidocaine_mg <= check.max_lidocaine_mg)
