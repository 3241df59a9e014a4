"""Demo safety records: visit weights, screenings, dose checks and adverse events.

Written from what `domain.synthetic_safety` generated (screening results and dose checks were
computed there with the real pure functions), with bulk inserts inside the loader's
transaction. Adverse events are inserted directly, not through `safety.events`: the demo's
serious events are history, so no notification task is queued and nobody is emailed.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from prolotrack.clinics.models import Clinic, User
from prolotrack.domain.synthetic import SyntheticCourse, SyntheticPatient, SyntheticSession
from prolotrack.knowledge.adverse_events import SERIOUS_CRITERIA
from prolotrack.knowledge.protocols import protocol
from prolotrack.patients.models import Patient, WeightMeasurement
from prolotrack.safety.models import AdverseEvent, DoseCheck, Screening
from prolotrack.safety.screening import screening_result_json
from prolotrack.treatment.models import Course, Session

BATCH_SIZE = 2000


@cache
def protocol_version(code: str) -> str:
    """The shipped protocol file's version for a course planned from it ("" for none)."""
    return protocol(code).version if code else ""


def write_visit_weights(
    clinic: Clinic, patients: Sequence[Patient], cohort: Sequence[SyntheticPatient]
) -> None:
    WeightMeasurement.objects.bulk_create(
        (
            WeightMeasurement(
                clinic=clinic, patient=row, weight_kg=w.weight_kg, measured_on=w.measured_on
            )
            for row, p in zip(patients, cohort, strict=True)
            for w in p.visit_weights
        ),
        batch_size=BATCH_SIZE,
    )


def write_session_safety(
    clinic: Clinic,
    clinicians: Sequence[User],
    sessions: Sequence[Session],
    generated: Sequence[SyntheticSession],
) -> None:
    """A screening and a dose check for every session that has them (the done ones)."""
    pairs = [
        (row, s, clinicians[s.clinician_index % len(clinicians)])
        for row, s in zip(sessions, generated, strict=True)
        if s.safety is not None
    ]
    screenings = []
    checks = []
    for row, s, clinician in pairs:
        assert s.safety is not None
        screening, dose = s.safety.screening, s.safety.dose_check
        screenings.append(
            Screening(
                clinic=clinic,
                session=row,
                answers=dict(screening.answers),
                rules_version=screening.rules_version,
                result=screening_result_json(screening.result),
                completed_by=clinician,
                completed_at=screening.completed_at,
                override_reason=screening.override_reason,
                overridden_by=clinician if screening.overridden_at else None,
                overridden_at=screening.overridden_at,
            )
        )
        check = dose.check
        checks.append(
            DoseCheck(
                clinic=clinic,
                session=row,
                epinephrine=dose.epinephrine,
                lidocaine_stock_pct=dose.lidocaine_stock_pct,
                weight_kg=dose.weight.weight_kg,
                weight_measured_on=dose.weight.measured_on,
                weight_stale=False,
                total_lidocaine_mg=check.total_lidocaine_mg,
                max_lidocaine_mg=check.max_lidocaine_mg,
                within_limit=check.within_limit,
                total_dextrose_g=check.total_dextrose_g,
                limits_version=check.limits_version,
                notes=list(check.notes),
                checked_at=dose.checked_at,
            )
        )
    Screening.objects.bulk_create(screenings, batch_size=BATCH_SIZE)
    DoseCheck.objects.bulk_create(checks, batch_size=BATCH_SIZE)


def write_adverse_events(
    clinic: Clinic,
    clinicians: Sequence[User],
    courses: Sequence[Course],
    generated: Sequence[SyntheticCourse],
    sessions: Sequence[Session],
) -> None:
    """The courses' events, linked to their sessions (`sessions` in the courses' order)."""
    by_course: dict[int, list[Session]] = {}
    for row in sessions:
        by_course.setdefault(row.course_id, []).append(row)
    events = []
    for course, c in zip(courses, generated, strict=True):
        for e in c.adverse_events:
            session = by_course[course.id][e.session_index]
            clinician = clinicians[c.sessions[e.session_index].clinician_index % len(clinicians)]
            events.append(
                AdverseEvent(
                    clinic=clinic,
                    patient_id=course.patient_id,
                    course=course,
                    session=session,
                    term=e.term,
                    onset_on=e.onset_on,
                    onset_after_hours=e.onset_after_hours,
                    grade=e.grade,
                    is_serious=e.is_serious,
                    relatedness=e.relatedness,
                    action_taken=e.action_taken,
                    outcome=e.outcome,
                    resolved_on=e.resolved_on,
                    reported_by_patient=e.reported_by_patient,
                    patient_description=e.patient_description,
                    confirmed_by=clinician if e.confirmed_at else None,
                    confirmed_at=e.confirmed_at,
                    reviewed_by=clinician if e.reviewed_at else None,
                    reviewed_at=e.reviewed_at,
                    **{code: code in e.criteria for code in SERIOUS_CRITERIA},
                )
            )
    AdverseEvent.objects.bulk_create(events, batch_size=BATCH_SIZE)
