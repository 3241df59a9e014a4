"""Suggestions are stored by the services that change the facts, never by a read."""

from __future__ import annotations

import datetime as dt
import tomllib
from importlib.resources import files

from django.urls import reverse

from prolotrack.assessment.models import Suggestion
from prolotrack.assessment.services import clinic_thresholds_set
from prolotrack.outcomes.models import Administration, AdministrationStatus
from prolotrack.outcomes.services import administration_complete
from prolotrack.safety.events import adverse_event_record
from prolotrack.treatment.models import SessionStatus
from prolotrack.treatment.services import session_update
from tests.assessment.conftest import add_scores, make_course
from tests.conftest import actor
from tests.web.conftest import logged_in


def current(course) -> list[str]:
    return sorted(
        Suggestion.objects.filter(course=course, superseded_at__isnull=True).values_list(
            "rule_code", flat=True
        )
    )


def test_a_serious_adverse_event_stores_the_hold_at_once(patient_a, clinician_a):
    course = make_course(patient_a, clinician_a, done=2)
    add_scores(course, "KOOS", 0, {"pain": 50.0})
    add_scores(course, "KOOS", 35, {"pain": 70.0})
    assert "hold_serious_adverse_event" not in current(course)
    adverse_event_record(
        actor=actor(clinician_a),
        patient=patient_a,
        course=course,
        term="pain_flare",
        grade=3,
        relatedness="possible",
        criteria=["hospitalisation"],
        onset_on=course.start_date,
    )
    assert current(course) == ["hold_serious_adverse_event"]


def test_marking_a_session_done_stores_the_new_point(patient_a, clinician_a, monkeypatch):
    course = make_course(patient_a, clinician_a, done=1, scheduled=1)
    add_scores(course, "KOOS", 0, {"pain": 50.0, "adl": 55.0})
    add_scores(course, "KOOS", 20, {"pain": 51.0, "adl": 55.0})
    before = set(Suggestion.objects.filter(course=course).values_list("basis", flat=True))
    monkeypatch.setattr("prolotrack.safety.gates.require_done_allowed", lambda session: None)
    session = course.sessions.get(status=SessionStatus.SCHEDULED)
    session_update(
        actor=actor(clinician_a),
        session=session,
        expected_version=session.version,
        status=SessionStatus.DONE,
        performed_at=session.scheduled_at,
        clinician=clinician_a,
    )
    after = set(Suggestion.objects.filter(course=course).values_list("basis", flat=True))
    new_points = after - before
    assert len(new_points) == 1
    assert new_points.pop().startswith(f"s{session.id}-")


def test_completing_a_questionnaire_stores_the_new_point(patient_a, clinician_a):
    course = make_course(patient_a, clinician_a, done=2)
    add_scores(course, "KNEE_PAIN_NRS", 0, {"pain": 6.0})
    due = Administration.objects.create(
        clinic=course.clinic,
        patient=patient_a,
        course=course,
        side=course.side,
        instrument_code="KNEE_PAIN_NRS",
        time_point="test-follow-up",
        target_date=course.start_date + dt.timedelta(days=60),
        due_from=course.start_date,
        due_until=course.start_date + dt.timedelta(days=400),
        status=AdministrationStatus.DUE,
    )
    assert not Suggestion.objects.filter(after_administration=due).exists()
    administration_complete(
        actor=actor(clinician_a), administration=due, answers={"pain": 2}, channel="clinic"
    )
    assert Suggestion.objects.filter(after_administration=due, superseded_at=None).exists()


def test_new_clinic_thresholds_restore_the_suggestions_under_their_version(patient_a, clinician_a):
    course = make_course(patient_a, clinician_a, done=2)
    add_scores(course, "KOOS", 0, {"pain": 50.0})
    add_scores(course, "KOOS", 35, {"pain": 52.0})
    text = files("prolotrack.knowledge").joinpath("thresholds.toml").read_text("utf-8")
    data = tomllib.loads(text)
    data["version"] = "clinic-a-test-1"
    clinic_thresholds_set(clinic_id=patient_a.clinic_id, definition=data)
    versions = set(
        Suggestion.objects.filter(course=course, superseded_at__isnull=True).values_list(
            "thresholds_version", flat=True
        )
    )
    assert versions == {"clinic-a-test-1"}


def test_reading_the_chart_course_and_report_stores_nothing(patient_a, clinician_a):
    course = make_course(patient_a, clinician_a, done=2)
    add_scores(course, "KOOS", 0, {"pain": 50.0})
    add_scores(course, "KOOS", 35, {"pain": 52.0})
    Suggestion.objects.filter(course=course).update(
        superseded_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    )
    client = logged_in(clinician_a)
    for url in (
        reverse("patient_chart", kwargs={"patient_id": patient_a.public_id}),
        reverse("course_detail", kwargs={"course_id": course.public_id}),
        reverse("progress_report", kwargs={"patient_id": patient_a.public_id}),
    ):
        assert client.get(url).status_code == 200, url
    assert current(course) == []  # nothing was stored or revived by reading
