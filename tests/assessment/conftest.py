"""Hand-built score histories: a course with done sessions and completed questionnaires.

Rows are created directly (not through the questionnaire pages) so that each test states the
exact scores it is about; the selectors read them as they read real ones. Like the services
they stand in for, both end by storing what the next-step rules propose
(`assessment.refresh.suggestions_refresh`).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from prolotrack.assessment.refresh import suggestions_refresh
from prolotrack.clinics.models import User
from prolotrack.outcomes.models import Administration, AdministrationStatus, Score
from prolotrack.patients.models import Patient
from prolotrack.treatment.models import Course, Session, SessionStatus

START = timezone.localdate() - dt.timedelta(days=120)


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10, 0), tzinfo=dt.UTC)


def make_course(
    patient: Patient,
    clinician: User,
    *,
    side: str = "right",
    protocol_code: str = "rabago_2013",
    done: int = 2,
    scheduled: int = 1,
) -> Course:
    """A course from START with `done` done sessions 28 days apart, then `scheduled` more."""
    course = Course.objects.create(
        clinic=patient.clinic,
        patient=patient,
        side=side,
        protocol_reference="Rabago 2013",
        protocol_code=protocol_code,
        start_date=START,
        status="active",
    )
    for number in range(done + scheduled):
        when = at(START + dt.timedelta(days=28 * number))
        is_done = number < done
        Session.objects.create(
            clinic=patient.clinic,
            course=course,
            scheduled_at=when,
            performed_at=when if is_done else None,
            clinician=clinician if is_done else None,
            status=SessionStatus.DONE if is_done else SessionStatus.SCHEDULED,
        )
    suggestions_refresh(patient=patient)
    return course


def add_scores(
    course: Course, instrument: str, day_offset: int, values: dict[str, float]
) -> Administration:
    """A completed questionnaire `day_offset` days after START with these scores."""
    day = START + dt.timedelta(days=day_offset)
    administration = Administration.objects.create(
        clinic=course.clinic,
        patient=course.patient,
        course=course,
        side=course.side,
        instrument_code=instrument,
        time_point=f"test-day-{day_offset}",
        target_date=day,
        due_from=day,
        due_until=day,
        status=AdministrationStatus.COMPLETED,
        completed_at=at(day),
        instrument_version="test",
    )
    for scale, value in values.items():
        Score.objects.create(
            clinic=course.clinic,
            administration=administration,
            patient=course.patient,
            side=course.side,
            instrument_code=instrument,
            scale=scale,
            value=value,
            definition_version="test",
            computed_at=at(day),
        )
    suggestions_refresh(patient=course.patient)
    return administration
