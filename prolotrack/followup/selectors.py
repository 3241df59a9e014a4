"""Reads of medication use, examinations and surgery.

The first four functions are the contract other modules (response assessment, the progress
report) build on: they take an already accessed patient or course and do not audit; the
caller's page audits its read. `followup_chart` is the chart's audited read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Max, Q

from prolotrack.audit.services import audit_record
from prolotrack.core.actor import Actor
from prolotrack.domain.medication import (
    MedicationEntry,
    change_lines,
    change_summary,
    snapshot_totals,
)
from prolotrack.domain.surgery import surgery_free_time
from prolotrack.followup.models import (
    Examination,
    MedicationTimePoint,
    MedicationUse,
    Surgery,
)
from prolotrack.outcomes.models import Administration, AdministrationStatus
from prolotrack.patients.models import Patient
from prolotrack.treatment.models import Course, Session, SessionStatus


@dataclass(frozen=True)
class MedicationChange:
    """Baseline vs the latest recorded medication of a patient (optionally one knee)."""

    baseline_on: dt.date
    latest_on: dt.date
    baseline_mme: Decimal
    latest_mme: Decimal
    summary: str  # plain words, e.g. "Opioids: 30 -> 0 MME/day; NSAID tablets stopped"
    lines: tuple[str, ...]  # one per category that changed
    baseline_categories: frozenset[str] = frozenset()
    latest_categories: frozenset[str] = frozenset()
    baseline_days_per_week: int | None = None
    latest_days_per_week: int | None = None


@dataclass(frozen=True)
class SurgeryFree:
    days: int
    censored: bool  # no surgery (yet): `days` runs to the last follow-up
    surgery: Surgery | None
    until: dt.date | None = None  # the surgery day or the censoring day


def medication_uses_of(*, patient: Patient, side: str | None = None) -> list[MedicationUse]:
    """The patient's medication rows by date; with `side`, knee injections of the other knee
    are left out (systemic medicines count for both knees)."""
    rows = MedicationUse.objects.filter(patient=patient)
    if side is not None:
        rows = rows.filter(Q(side="") | Q(side=side))
    return list(rows.select_related("course").order_by("recorded_on", "id"))


def _entries(rows: list[MedicationUse]) -> list[MedicationEntry]:
    return [MedicationEntry(row.category, row.mme_per_day, row.days_per_week) for row in rows]


def medication_change(*, patient: Patient, side: str | None = None) -> MedicationChange | None:
    """Baseline vs latest: None unless there is a baseline and a later day.

    Baseline is the earliest day with a row marked baseline (else the earliest day with any
    row); latest is the last day with rows after it. Each day's rows are that visit's list.
    """
    rows = medication_uses_of(patient=patient, side=side)
    if not rows:
        return None
    marked = [row.recorded_on for row in rows if row.time_point == MedicationTimePoint.BASELINE]
    baseline_on = min(marked) if marked else rows[0].recorded_on
    latest_on = max(row.recorded_on for row in rows)
    if latest_on <= baseline_on:
        return None
    before = _entries([row for row in rows if row.recorded_on == baseline_on])
    after = _entries([row for row in rows if row.recorded_on == latest_on])
    lines = change_lines(before, after)
    totals_before, totals_after = snapshot_totals(before), snapshot_totals(after)
    return MedicationChange(
        baseline_on=baseline_on,
        latest_on=latest_on,
        baseline_mme=totals_before.mme_per_day,
        latest_mme=totals_after.mme_per_day,
        summary=change_summary(lines),
        lines=lines,
        baseline_categories=totals_before.categories,
        latest_categories=totals_after.categories,
        baseline_days_per_week=totals_before.analgesic_days_per_week,
        latest_days_per_week=totals_after.analgesic_days_per_week,
    )


def surgeries_of(*, patient: Patient) -> list[Surgery]:
    return list(
        Surgery.objects.filter(patient=patient)
        .select_related("course")
        .order_by("performed_on", "id")
    )


def examination_series(*, patient: Patient, side: str) -> list[Examination]:
    return list(Examination.objects.filter(patient=patient, side=side).order_by("examined_on"))


def last_follow_up(*, patient: Patient, side: str) -> dt.date | None:
    """The last day the knee was seen or reported on: an examination, a medication record, a
    completed questionnaire (for this knee or the patient) or a session done on this knee."""
    days: list[dt.date] = []
    exam = Examination.objects.filter(patient=patient, side=side).aggregate(day=Max("examined_on"))
    medication = MedicationUse.objects.filter(patient=patient).aggregate(day=Max("recorded_on"))
    days += [value for value in (exam["day"], medication["day"]) if value is not None]
    completed = (
        Administration.objects.filter(patient=patient, status=AdministrationStatus.COMPLETED)
        .filter(Q(side="") | Q(side=side))
        .aggregate(at=Max("completed_at"))["at"]
    )
    if completed is not None:
        days.append(completed.date())
    sessions = Session.objects.filter(
        course__patient=patient, course__side=side, status=SessionStatus.DONE
    ).select_related("course", "clinic")
    days += [session.day for session in sessions]
    return max(days) if days else None


def surgery_free(*, course: Course, today: dt.date) -> SurgeryFree:
    """Days from the course start to the first surgery on its knee, else censored at the last
    follow-up (never after today)."""
    surgeries = [
        surgery
        for surgery in Surgery.objects.filter(patient_id=course.patient_id, side=course.side)
        .select_related("course")
        .order_by("performed_on", "id")
        if surgery.performed_on >= course.start_date
    ]
    result = surgery_free_time(
        course_start=course.start_date,
        surgery_days=[surgery.performed_on for surgery in surgeries],
        last_follow_up=last_follow_up(patient=course.patient, side=course.side),
        today=today,
    )
    first = surgeries[0] if surgeries else None
    return SurgeryFree(
        days=result.days, censored=result.censored, surgery=first, until=result.until
    )


def audit_followup_read(*, actor: Actor, patient: Patient, what: str) -> None:
    """Record that the actor read the patient's follow-up data (`what` names the page part)."""
    audit_record(
        actor=actor,
        action="followup.view",
        clinic_id=patient.clinic_id,
        patient_id=patient.id,
        target=patient,
        detail={"part": what},
    )
