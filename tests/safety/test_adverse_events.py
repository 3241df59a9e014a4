"""Adverse events: seriousness, validation, patient reports, confirm and review, SAE email."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from prolotrack.audit.models import AuditEvent
from prolotrack.core.errors import AccessDenied, ApplicationError, NotFound
from prolotrack.outcomes.links import link_issue
from prolotrack.outcomes.models import AccessLink, Administration, OutboxMessage
from prolotrack.safety.events import (
    adverse_event_confirm,
    adverse_event_record,
    adverse_event_report_by_patient,
    adverse_event_review,
    adverse_event_update,
)
from prolotrack.safety.models import AdverseEvent
from prolotrack.safety.selectors import adverse_events_of, reports_unconfirmed, serious_unreviewed
from prolotrack.treatment.services import course_plan
from tests.conftest import actor
from tests.outcomes.smtp import smtp_server


def record(course, session, by, **overrides):
    fields: dict[str, Any] = {
        "term": "pain_flare",
        "grade": 1,
        "relatedness": "probable",
        "onset_after_hours": 6,
    }
    fields.update(overrides)
    return adverse_event_record(
        actor=actor(by), patient=course.patient, course=course, session=session, **fields
    )


@pytest.fixture
def smtp(settings):
    with smtp_server() as mailbox:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = mailbox.port
        settings.EMAIL_USE_TLS = False
        yield mailbox


@pytest.fixture
def admins_with_email(admin_a):
    admin_a.email = "admin-a@clinic-a.example"
    admin_a.save()
    return [admin_a.email]


def test_a_mild_event_is_not_serious_and_sends_nothing(course_a, clinician_a, smtp):
    course, session, _ = course_a
    event = record(course, session, clinician_a)
    assert (event.is_serious, event.serious_criteria, event.confirmed_by) == (
        False,
        [],
        clinician_a,
    )
    assert event.onset_on == session.day  # 10:00 + 6 h, the same day
    assert smtp.messages == []
    assert list(serious_unreviewed(actor=actor(clinician_a))) == []


def test_a_serious_event_emails_the_clinic_admins(
    course_a, clinician_a, nurse_a, smtp, admins_with_email
):
    """ICH E2A: hospitalisation makes the event serious; the admins are told, by a real SMTP
    exchange, without the patient's name."""
    course, session, _ = course_a
    event = record(
        course,
        session,
        nurse_a,
        term="infection",
        grade=3,
        criteria=["hospitalisation"],
        action_taken="referred",
    )
    assert event.is_serious
    assert [message["To"] for message in smtp.messages] == admins_with_email
    body = smtp.bodies()[0]
    assert smtp.messages[0]["Subject"] == "Serious adverse event to review"
    assert "Infection or septic arthritis" in body
    assert "Grade (CTCAE v5.0): 3 (Severe)" in body
    assert "Serious because: Hospitalisation" in body
    assert str(event.public_id) in body
    patient = course.patient
    for identifying in (patient.family_name, patient.given_name, patient.mrn):
        assert identifying not in body
    event.refresh_from_db()
    assert event.notified_at is not None
    assert AuditEvent.objects.filter(action="adverse_event.notify", detail__sent=1).exists()
    assert not OutboxMessage.objects.exists()  # not a demo clinic
    assert list(serious_unreviewed(actor=actor(clinician_a))) == [event]


def test_demo_clinics_keep_an_outbox_copy(course_a, clinician_a, smtp, admins_with_email):
    course, session, _ = course_a
    course.clinic.is_demo = True
    course.clinic.save()
    record(course, session, clinician_a, criteria=["important_medical_event"], grade=2)
    copy = OutboxMessage.objects.get()
    assert (copy.to, copy.subject) == (admins_with_email[0], "Serious adverse event to review")


def test_grade_5_implies_death_and_seriousness(course_a, clinician_a, smtp):
    course, session, _ = course_a
    event = record(course, session, clinician_a, grade=5, outcome="fatal", relatedness="unlikely")
    assert event.results_in_death
    assert event.is_serious
    assert event.serious_criteria == ["results_in_death"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"grade": 3, "criteria": ["results_in_death"], "outcome": "fatal"}, "grade"),
        ({"grade": 5}, "outcome"),
        ({"outcome": "fatal"}, "outcome"),
        ({"grade": 6}, "grade"),
        ({"term": "nonsense"}, "term"),
        ({"term": "other"}, "other_term"),
        ({"outcome": "recovered", "resolved_on": dt.date(2000, 1, 1)}, "resolved_on"),
        ({"outcome": "recovering", "resolved_on": timezone.localdate()}, "resolved_on"),
        (
            {"onset_after_hours": None, "onset_on": timezone.localdate() + dt.timedelta(1)},
            "onset_on",
        ),
        ({"relatedness": ""}, "relatedness"),
    ],
)
def test_event_validation(course_a, clinician_a, overrides, field):
    course, session, _ = course_a
    with pytest.raises(ValidationError) as error:
        record(course, session, clinician_a, **overrides)
    assert field in error.value.message_dict
    assert not AdverseEvent.objects.exists()


def test_unknown_criteria_and_missing_onset_are_refused(course_a, clinician_a):
    course, session, _ = course_a
    with pytest.raises(ApplicationError) as error:
        record(course, session, clinician_a, criteria=["very_bad"])
    assert error.value.field == "criteria"
    with pytest.raises(ApplicationError) as error:
        record(course, None, clinician_a, onset_after_hours=None)
    assert error.value.field == "onset_on"


def test_session_and_course_must_belong_together(course_a, clinician_a, patient_a):
    course, session, _ = course_a
    other = course_plan(
        actor=actor(clinician_a),
        patient=patient_a,
        side="left",
        protocol_reference="Other knee",
        start_date=course.start_date,
    )
    with pytest.raises(ValidationError) as error:
        record(other, session, clinician_a)
    assert "session" in error.value.message_dict


def test_resolution_after_onset(course_a, clinician_a):
    course, session, _ = course_a
    event = record(course, session, clinician_a)
    resolved = adverse_event_update(
        actor=actor(clinician_a),
        event=event,
        expected_version=event.version,
        outcome="recovered",
        resolved_on=event.onset_on + dt.timedelta(days=2),
    )
    assert resolved.resolved_on == event.onset_on + dt.timedelta(days=2)
    with pytest.raises(ValidationError):
        adverse_event_update(
            actor=actor(clinician_a),
            event=resolved,
            expected_version=None,
            resolved_on=event.onset_on - dt.timedelta(days=1),
        )


@pytest.fixture
def link(course_a, clinician_a):
    course, _, _ = course_a
    administration = Administration.objects.filter(
        course=course, due_until__gte=timezone.localdate()
    ).first()
    assert administration is not None
    Administration.objects.filter(id=administration.id).update(status="due")
    administration.refresh_from_db()
    return link_issue(actor=actor(clinician_a), administrations=[administration])


def test_patient_report_is_unconfirmed_until_staff_confirm_it(
    link, course_a, clinician_a, admin_a, nurse_a, smtp, admins_with_email
):
    course, session, _ = course_a
    reported = adverse_event_report_by_patient(
        link=link, description="  My knee swelled up and is hot  ", term="swelling_effusion"
    )
    assert (reported.reported_by_patient, reported.confirmed_at, reported.grade) == (
        True,
        None,
        None,
    )
    assert (reported.course, reported.patient_description) == (
        course,
        "My knee swelled up and is hot",
    )
    assert list(reports_unconfirmed(actor=actor(clinician_a))) == [reported]
    assert AuditEvent.objects.get(action="adverse_event.report").channel == "portal"
    with pytest.raises(AccessDenied):
        adverse_event_confirm(actor=actor(nurse_a), event=reported, expected_version=None, grade=2)
    with pytest.raises(ValidationError):  # a confirmed event is graded
        adverse_event_confirm(actor=actor(admin_a), event=reported, expected_version=None)
    confirmed = adverse_event_confirm(
        actor=actor(admin_a),
        event=reported,
        expected_version=reported.version,
        session=session,
        grade=3,
        relatedness="possible",
        criteria=["hospitalisation"],
    )
    assert (confirmed.confirmed_by, confirmed.is_serious) == (admin_a, True)
    assert len(smtp.messages) == 1
    with pytest.raises(ApplicationError):
        adverse_event_confirm(actor=actor(admin_a), event=confirmed, expected_version=None)
    reviewed = adverse_event_review(
        actor=actor(clinician_a), event=confirmed, expected_version=None, notes="Admitted 2 days"
    )
    assert (reviewed.reviewed_by, reviewed.notes) == (clinician_a, "Admitted 2 days")
    assert list(serious_unreviewed(actor=actor(admin_a))) == []
    with pytest.raises(ApplicationError):
        adverse_event_review(actor=actor(clinician_a), event=reviewed, expected_version=None)


def test_a_patient_report_needs_a_live_link_and_words(link):
    with pytest.raises(ApplicationError) as error:
        adverse_event_report_by_patient(link=link, description="   ")
    assert error.value.field == "description"
    AccessLink.objects.filter(id=link.id).update(revoked_at=timezone.now())
    link.refresh_from_db()
    with pytest.raises(NotFound):
        adverse_event_report_by_patient(link=link, description="Pain")
    assert not AdverseEvent.objects.exists()


def test_an_event_that_becomes_serious_is_notified_and_needs_a_new_review(
    course_a, clinician_a, smtp, admins_with_email
):
    course, session, _ = course_a
    event = record(course, session, clinician_a)
    event = adverse_event_review(actor=actor(clinician_a), event=event, expected_version=None)
    assert smtp.messages == []
    event = adverse_event_update(
        actor=actor(clinician_a), event=event, expected_version=None, criteria=["disability"]
    )
    assert event.is_serious
    assert event.reviewed_at is None
    assert len(smtp.messages) == 1
    adverse_event_update(actor=actor(clinician_a), event=event, expected_version=None, notes="x")
    assert len(smtp.messages) == 1  # told once


def test_patient_events_are_an_audited_read(course_a, clinician_a):
    course, session, _ = course_a
    event = record(course, session, clinician_a)
    assert adverse_events_of(actor=actor(clinician_a), patient=course.patient) == [event]
    assert AuditEvent.objects.filter(action="adverse_event.list").exists()
