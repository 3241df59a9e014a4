"""A patient with a course on the right knee, scores before and after, and a side effect."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from prolotrack.knowledge.instruments import instrument_definitions
from prolotrack.outcomes.models import Administration
from prolotrack.outcomes.services import administration_complete
from prolotrack.patients.models import Patient
from prolotrack.safety.events import adverse_event_record
from prolotrack.safety.models import AdverseEvent
from prolotrack.treatment.models import Course, Session
from tests.conftest import actor


def complete_on(
    course: Course, time_point: str, instrument: str, value: int, day: dt.date, clinician
) -> Administration:
    """Answer every item of one planned questionnaire with `value`, completed on `day`."""
    administration = Administration.objects.get(
        course=course, time_point=time_point, instrument_code=instrument
    )
    Administration.objects.filter(id=administration.id).update(status="due")
    administration.refresh_from_db()
    definition = instrument_definitions()[instrument]
    answers = {item.id: value for item in definition.items}
    administration_complete(
        actor=actor(clinician), administration=administration, answers=answers, channel="clinic"
    )
    moment = dt.datetime.combine(day, dt.time(12, 0), tzinfo=dt.UTC)
    Administration.objects.filter(id=administration.id).update(completed_at=moment)
    return administration


@dataclass(frozen=True)
class ReportData:
    patient: Patient
    course: Course
    session: Session
    flare: AdverseEvent
    start: dt.date


@pytest.fixture
def report_data(patient_a, course_a, clinician_a) -> ReportData:
    """KOOS all 2s (50 points) and pain 7/10 before; KOOS all 1s (75), pain 4/10 and PGIC 2
    now."""
    course, session, _ = course_a
    course.refresh_from_db()
    start = session.day
    before = start - dt.timedelta(days=2)
    today = timezone.localdate()
    complete_on(course, "baseline", "KOOS", 2, before, clinician_a)
    complete_on(course, "baseline", "KNEE_PAIN_NRS", 7, before, clinician_a)
    complete_on(course, "week_6", "KOOS", 1, today, clinician_a)
    complete_on(course, "week_6", "KNEE_PAIN_NRS", 4, today, clinician_a)
    complete_on(course, "week_6", "PGIC", 2, today, clinician_a)  # "much improved"
    flare = adverse_event_record(
        actor=actor(clinician_a),
        patient=patient_a,
        course=course,
        session=session,
        term="pain_flare",
        grade=1,
        relatedness="probable",
        onset_after_hours=6,
        outcome="recovered",
        resolved_on=start + dt.timedelta(days=2),
    )
    return ReportData(patient_a, course, session, flare, start)
