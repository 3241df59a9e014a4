"""Reads of medication use, examinations and surgery.

The first four functions are the contract other modules (response assessment, the progress
report) build on: they take an already accessed patient or course and do not audit; the
caller's page audits its read. `followup_chart` is the chart's audited read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

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
    return _change_from(medication_uses_of(patient=patient, side=side))


def _change_from(rows: list[MedicationUse]) -> MedicationChange | None:
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
    zone = ZoneInfo(patient.clinic.time_zone)
    if completed is not None:
        days.append(completed.astimezone(zone).date())
    sessions = Session.objects.filter(
        course__patient=patient, course__side=side, status=SessionStatus.DONE
    )
    days += [(s.performed_at or s.scheduled_at).astimezone(zone).date() for s in sessions]
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


@dataclass(frozen=True)
class CourseSurgeryFree:
    course: Course
    result: SurgeryFree


@dataclass(frozen=True)
class FollowupChart:
    """What the chart's follow-up section shows, read with a fixed number of queries."""

    medication_days: list[tuple[dt.date, list[MedicationUse]]]
    change: MedicationChange | None
    examinations: dict[str, list[Examination]]  # side -> examinations by date
    surgeries: list[Surgery]
    surgery_free: list[CourseSurgeryFree]
    session_days: dict[str, list[dt.date]]  # side -> days of done sessions


def _session_days(courses: list[Course], zone: ZoneInfo) -> dict[str, list[dt.date]]:
    """Done session days per knee from courses whose sessions are already loaded."""
    days: dict[str, set[dt.date]] = {}
    for course in courses:
        for session in course.sessions.all():
            if session.status == SessionStatus.DONE:
                moment = session.performed_at or session.scheduled_at
                days.setdefault(course.side, set()).add(moment.astimezone(zone).date())
    return {side: sorted(found) for side, found in days.items()}


def followup_chart(
    *, actor: Actor, patient: Patient, courses: list[Course], today: dt.date
) -> FollowupChart:
    """The patient's medication, examinations, surgeries and each course's surgery-free time.

    `courses` are the chart's, with their sessions prefetched. Audited as one read.
    """
    uses = medication_uses_of(patient=patient)
    exams = list(Examination.objects.filter(patient=patient).order_by("examined_on", "id"))
    surgeries = surgeries_of(patient=patient)
    by_day: dict[dt.date, list[MedicationUse]] = {}
    for use in uses:
        by_day.setdefault(use.recorded_on, []).append(use)
    by_side: dict[str, list[Examination]] = {side: [] for side in patient.sides}
    for exam in exams:
        by_side.setdefault(exam.side, []).append(exam)
    zone = ZoneInfo(patient.clinic.time_zone)
    session_days = _session_days(courses, zone)
    completed = dict(
        Administration.objects.filter(patient=patient, status=AdministrationStatus.COMPLETED)
        .values_list("side")
        .annotate(at=Max("completed_at"))
        .values_list("side", "at")
    )
    medication_last = uses[-1].recorded_on if uses else None
    free = []
    for course in courses:
        seen = [medication_last, *session_days.get(course.side, [])[-1:]]
        seen += [exam.examined_on for exam in by_side.get(course.side, [])[-1:]]
        seen += [
            at.astimezone(zone).date()
            for side, at in completed.items()
            if at is not None and side in ("", course.side)
        ]
        known = [day for day in seen if day is not None]
        result = surgery_free_time(
            course_start=course.start_date,
            surgery_days=[s.performed_on for s in surgeries if s.side == course.side],
            last_follow_up=max(known) if known else None,
            today=today,
        )
        first = next(
            (
                s
                for s in surgeries
                if s.side == course.side and s.performed_on == result.surgery_day
            ),
            None,
        )
        free.append(
            CourseSurgeryFree(
                course, SurgeryFree(result.days, result.censored, first, result.until)
            )
        )
    audit_followup_read(actor=actor, patient=patient, what="chart")
    return FollowupChart(
        medication_days=sorted(by_day.items()),
        change=_change_from(uses),
        examinations=by_side,
        surgeries=surgeries,
        surgery_free=free,
        session_days=session_days,
    )
