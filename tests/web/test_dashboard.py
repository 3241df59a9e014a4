"""The dashboard: today's schedule for every staff role, clinical details for clinical roles."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from prolotrack.treatment.services import course_plan
from tests.conftest import actor
from tests.web.conftest import logged_in


@pytest.fixture
def todays_course(patient_a, clinician_a):
    today = timezone.now().date()
    return course_plan(
        actor=actor(clinician_a),
        patient=patient_a,
        side="right",
        protocol_reference="Rabago 2013",
        start_date=today,
        session_times=[dt.datetime.combine(today, dt.time(12, 0), tzinfo=dt.UTC)],
    )


def test_clinician_sees_todays_sessions_and_courses(clinician_a, patient_a, todays_course):
    html = logged_in(clinician_a).get(reverse("dashboard")).content.decode()
    session = todays_course.sessions.get()
    assert "Clinic A" in html
    assert reverse("patient_chart", kwargs={"patient_id": patient_a.public_id}) in html
    assert reverse("session_detail", kwargs={"session_id": session.public_id}) in html
    assert "12:00" in html
    assert "Right knee" in html
    assert "Courses in progress" in html
    assert "Rabago 2013" in html


def test_front_desk_sees_the_schedule_without_clinical_details(
    front_desk_a, patient_a, todays_course
):
    html = logged_in(front_desk_a).get(reverse("dashboard")).content.decode()
    assert patient_a.family_name in html
    assert "12:00" in html
    assert "Right knee" not in html
    assert "Rabago 2013" not in html
    assert "/sessions/" not in html


def test_other_clinics_sessions_are_not_on_the_dashboard(clinician_b, patient_a, todays_course):
    html = logged_in(clinician_b).get(reverse("dashboard")).content.decode()
    assert patient_a.family_name not in html
    assert "No sessions scheduled today." in html
