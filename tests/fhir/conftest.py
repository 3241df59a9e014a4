"""A completed questionnaire (knee pain NRS = 3) for the Observation tests."""

from __future__ import annotations

import pytest

from prolotrack.outcomes.models import Administration
from prolotrack.outcomes.services import administration_complete
from tests.conftest import actor
from tests.web.conftest import plan_course_due_now


def complete_pain_score(patient, clinician, value: int = 3) -> Administration:
    course = plan_course_due_now(patient, clinician, side=patient.sides[-1])
    administration = Administration.objects.get(
        course=course, time_point="baseline", instrument_code="KNEE_PAIN_NRS", status="due"
    )
    return administration_complete(
        actor=actor(clinician),
        administration=administration,
        answers={"pain": value},
        channel="clinic",
    )


@pytest.fixture
def pain_score_a(patient_a, clinician_a) -> Administration:
    return complete_pain_score(patient_a, clinician_a)


@pytest.fixture
def pain_score_b(patient_b, clinician_b) -> Administration:
    return complete_pain_score(patient_b, clinician_b, value=7)
