"""Pain medication arithmetic: oral morphine milligram equivalents and what changed.

Pure Python, no Django. The conversion factors are data (``knowledge/medications.toml``);
these functions take them as arguments.

Oral morphine milligram equivalents per day (MME/day) = daily dose in mg x the drug's
conversion factor (CDC 2022 guideline method; the factors and their status are in the
knowledge file). The result is rounded to one decimal, half up.

A *snapshot* is what a patient takes at one visit: one `MedicationEntry` per medicine.
`change_lines` compares two snapshots category by category in plain words, e.g.
``("Opioids: 30 -> 0 MME/day", "Oral NSAIDs stopped")``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

MME_QUANTUM = Decimal("0.1")
OPIOID = "opioid"
NO_MEDICATION = "none"
# Categories that are analgesics taken on days of the week (injections are single events).
DAILY_ANALGESICS = frozenset(
    {"paracetamol", "nsaid_oral", "nsaid_topical", "opioid", "other_topical", "other"}
)
# Summary order: opioids first (the change that matters most), then the rest as listed.
CATEGORY_ORDER = (
    "opioid",
    "nsaid_oral",
    "nsaid_topical",
    "paracetamol",
    "other_topical",
    "corticosteroid_injection",
    "hyaluronic_acid_injection",
    "other",
)
SUMMARY_LABELS: Mapping[str, str] = {
    "paracetamol": "Paracetamol",
    "nsaid_oral": "NSAID tablets",
    "nsaid_topical": "NSAID gels",
    "opioid": "Opioids",
    "other_topical": "Other creams or patches",
    "corticosteroid_injection": "Corticosteroid injections",
    "hyaluronic_acid_injection": "Hyaluronic acid injections",
    "other": "Other pain medication",
}
NO_CHANGE = "No change in pain medication"


@dataclass(frozen=True)
class MedicationEntry:
    """One medicine in a snapshot. `mme_per_day` only for opioids; days a week if known."""

    category: str
    mme_per_day: Decimal | None = None
    days_per_week: int | None = None


@dataclass(frozen=True)
class SnapshotTotals:
    categories: frozenset[str]
    mme_per_day: Decimal
    analgesic_days_per_week: int | None


def mme_per_day(*, dose_mg_per_day: Decimal, factor: Decimal) -> Decimal:
    """Daily dose (mg) x conversion factor, rounded to 0.1 half up.

    >>> mme_per_day(dose_mg_per_day=Decimal("20"), factor=Decimal("1.5"))
    Decimal('30.0')
    """
    if dose_mg_per_day < 0:
        raise ValueError("a daily dose cannot be negative")
    if factor <= 0:
        raise ValueError("a conversion factor must be positive")
    return (dose_mg_per_day * factor).quantize(MME_QUANTUM, rounding=ROUND_HALF_UP)


def snapshot_totals(entries: Sequence[MedicationEntry]) -> SnapshotTotals:
    """Categories in use, total MME/day, and days a week of analgesic use.

    Days a week is the most days of any one daily analgesic: a lower bound of the days on
    which the patient took any (a snapshot does not say whether the days overlap). None when
    no daily analgesic gives its days.
    """
    categories = frozenset(entry.category for entry in entries) - {NO_MEDICATION}
    total = sum(
        (entry.mme_per_day for entry in entries if entry.mme_per_day is not None),
        Decimal("0.0"),
    )
    days = [
        entry.days_per_week
        for entry in entries
        if entry.category in DAILY_ANALGESICS and entry.days_per_week is not None
    ]
    return SnapshotTotals(categories, total, max(days) if days else None)


def format_number(value: Decimal) -> str:
    """30.0 -> "30", 22.50 -> "22.5": no trailing zeros, never scientific notation."""
    text = f"{value.quantize(MME_QUANTUM, rounding=ROUND_HALF_UP):f}"
    return text[:-2] if text.endswith(".0") else text


def _days(entries: Sequence[MedicationEntry], category: str) -> int | None:
    days = [e.days_per_week for e in entries if e.category == category and e.days_per_week]
    return max(days) if days else None


def change_lines(
    baseline: Sequence[MedicationEntry], latest: Sequence[MedicationEntry]
) -> tuple[str, ...]:
    """One plain line per category that changed between two snapshots, opioids first.

    Opioids are compared by total MME/day ("Opioids: 30 -> 0 MME/day"); other categories say
    "stopped", "started", or the change in days a week when both snapshots give it.
    """
    before = snapshot_totals(baseline)
    after = snapshot_totals(latest)
    lines: list[str] = []
    for category in CATEGORY_ORDER:
        label = SUMMARY_LABELS[category]
        was, now = category in before.categories, category in after.categories
        if category == OPIOID and (was or now):
            old, new = _opioid_mme(baseline), _opioid_mme(latest)
            if old != new:
                lines.append(f"{label}: {format_number(old)} -> {format_number(new)} MME/day")
            elif was and not now:
                lines.append(f"{label} stopped")
            elif now and not was:
                lines.append(f"{label} started")
            continue
        if was and not now:
            lines.append(f"{label} stopped")
        elif now and not was:
            lines.append(f"{label} started")
        elif was and now:
            old_days, new_days = _days(baseline, category), _days(latest, category)
            if old_days is not None and new_days is not None and old_days != new_days:
                lines.append(f"{label}: {old_days} -> {new_days} days a week")
    return tuple(lines)


def _opioid_mme(entries: Sequence[MedicationEntry]) -> Decimal:
    return sum(
        (e.mme_per_day for e in entries if e.category == OPIOID and e.mme_per_day is not None),
        Decimal("0.0"),
    )


def change_summary(lines: Sequence[str]) -> str:
    """The lines joined for one sentence; a plain "no change" when there are none."""
    return "; ".join(lines) if lines else NO_CHANGE
