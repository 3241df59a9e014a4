"""MME/day and the plain-words medication change, on hand-worked numbers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from prolotrack.domain.medication import (
    NO_CHANGE,
    MedicationEntry,
    change_lines,
    change_summary,
    format_number,
    mme_per_day,
    snapshot_totals,
)


@pytest.mark.parametrize(
    ("dose", "factor", "expected"),
    [
        ("20", "1.5", "30.0"),  # oxycodone 10 mg twice a day: 20 x 1.5 = 30
        ("200", "0.2", "40.0"),  # tramadol 50 mg four times a day: 200 x 0.2 = 40
        ("120", "0.15", "18.0"),  # codeine 30 mg four times a day: 120 x 0.15 = 18
        ("15", "0.15", "2.3"),  # 2.25 rounds half up to 2.3
        ("25", "0.25", "6.3"),  # 6.25 rounds half up to 6.3 (not banker's 6.2)
        ("0", "5", "0.0"),
    ],
)
def test_mme_per_day_is_dose_times_factor_rounded_half_up(dose, factor, expected):
    assert mme_per_day(dose_mg_per_day=Decimal(dose), factor=Decimal(factor)) == Decimal(expected)


def test_mme_refuses_a_negative_dose_and_a_zero_factor():
    with pytest.raises(ValueError, match="negative"):
        mme_per_day(dose_mg_per_day=Decimal("-1"), factor=Decimal("1"))
    with pytest.raises(ValueError, match="positive"):
        mme_per_day(dose_mg_per_day=Decimal("10"), factor=Decimal("0"))


def test_snapshot_totals_add_opioids_and_take_the_most_days():
    totals = snapshot_totals(
        [
            MedicationEntry("opioid", Decimal("30.0"), 7),
            MedicationEntry("opioid", Decimal("12.5"), 2),
            MedicationEntry("paracetamol", None, 5),
            MedicationEntry("hyaluronic_acid_injection", None, None),
        ]
    )
    assert totals.mme_per_day == Decimal("42.5")
    assert totals.analgesic_days_per_week == 7
    assert totals.categories == {"opioid", "paracetamol", "hyaluronic_acid_injection"}


def test_none_is_not_a_category_and_no_days_is_none():
    totals = snapshot_totals([MedicationEntry("none")])
    assert totals.categories == frozenset()
    assert totals.mme_per_day == Decimal("0")
    assert totals.analgesic_days_per_week is None


def test_the_brief_example_opioids_to_zero_and_nsaids_stopped():
    baseline = [
        MedicationEntry("opioid", Decimal("30.0"), 7),
        MedicationEntry("nsaid_oral", None, 7),
        MedicationEntry("paracetamol", None, 7),
    ]
    latest = [MedicationEntry("paracetamol", None, 3)]
    lines = change_lines(baseline, latest)
    assert lines == (
        "Opioids: 30 -> 0 MME/day",
        "NSAID tablets stopped",
        "Paracetamol: 7 -> 3 days a week",
    )
    assert change_summary(lines) == (
        "Opioids: 30 -> 0 MME/day; NSAID tablets stopped; Paracetamol: 7 -> 3 days a week"
    )


def test_started_categories_and_an_opioid_dose_change():
    baseline = [MedicationEntry("opioid", Decimal("40.0"), 7)]
    latest = [
        MedicationEntry("opioid", Decimal("22.5"), 7),
        MedicationEntry("nsaid_topical", None, 4),
        MedicationEntry("corticosteroid_injection"),
    ]
    assert change_lines(baseline, latest) == (
        "Opioids: 40 -> 22.5 MME/day",
        "NSAID gels started",
        "Corticosteroid injections started",
    )


def test_an_opioid_without_a_dose_still_says_started_or_stopped():
    assert change_lines([MedicationEntry("opioid")], [MedicationEntry("none")]) == (
        "Opioids stopped",
    )
    assert change_lines([MedicationEntry("none")], [MedicationEntry("opioid")]) == (
        "Opioids started",
    )


def test_no_change_in_plain_words():
    same = [MedicationEntry("paracetamol", None, 7)]
    assert change_lines(same, same) == ()
    assert change_summary(()) == NO_CHANGE


@pytest.mark.parametrize(
    ("value", "text"), [("30.0", "30"), ("22.50", "22.5"), ("0", "0"), ("1E+2", "100")]
)
def test_format_number(value, text):
    assert format_number(Decimal(value)) == text
