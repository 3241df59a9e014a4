"""Course, session and injection services: lifecycle, validation, roles, clinic isolation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from prolotrack.audit.models import AuditEvent
from prolotrack.core.errors import AccessDenied, ApplicationError, NotFound
from prolotrack.treatment.models import Course, Injection, Session
from prolotrack.treatment.services import (
    course_plan,
    course_update,
    injection_add,
    injection_update,
    session_schedule,
    session_update,
)
from tests.conftest import actor, make_user

IA_INJECTION: dict[str, Any] = {
    "site_code": "intra_articular",
    "approach": "intra_articular",
    "guidance": "ultrasound",
    "needle_gauge": 22,
    "volume_ml": Decimal("6"),
    "dextrose_pct": Decimal("25"),
    "lidocaine_pct": Decimal("0.5"),
}


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


def test_plan_creates_scheduled_sessions_in_order(patient_a, clinician_a):
    start = timezone.localdate() + dt.timedelta(days=7)
    times = [at(start + dt.timedelta(weeks=w)) for w in (0, 4, 8)]
    course = course_plan(
        actor=actor(clinician_a),
        patient=patient_a,
        side="left",
        protocol_reference="Rabago 2013",
        start_date=start,
        session_times=times,
    )
    assert course.status == "planned"
    assert list(course.sessions.values_list("scheduled_at", flat=True)) == times
    assert set(course.sessions.values_list("status", flat=True)) == {"scheduled"}


def test_plan_refuses_sessions_out_of_order_or_before_start(patient_a, clinician_a):
    start = timezone.localdate()
    with pytest.raises(ApplicationError):
        course_plan(
            actor=actor(clinician_a),
            patient=patient_a,
            side="right",
            protocol_reference="x",
            start_date=start,
            session_times=[at(start, 12), at(start, 9)],
        )
    with pytest.raises(ValidationError) as error:
        course_plan(
            actor=actor(clinician_a),
            patient=patient_a,
            side="right",
            protocol_reference="x",
            start_date=start,
            session_times=[at(start - dt.timedelta(days=1))],
        )
    assert "scheduled_at" in error.value.message_dict
    assert not Course.objects.exists()


def test_done_session_activates_course_and_needs_clinician_and_time(course_a, clinician_a):
    course, _, _ = course_a
    assert Course.objects.get(id=course.id).status == "active"
    second = course.sessions.filter(status="scheduled").first()
    with pytest.raises(ValidationError) as error:
        session_update(
            actor=actor(clinician_a), session=second, expected_version=second.version, status="done"
        )
    assert {"performed_at", "clinician"} <= set(error.value.message_dict)


def test_session_cannot_be_performed_in_the_future(course_a, clinician_a):
    course, _, _ = course_a
    second = course.sessions.filter(status="scheduled").first()
    with pytest.raises(ValidationError) as error:
        session_update(
            actor=actor(clinician_a),
            session=second,
            expected_version=second.version,
            status="done",
            clinician=clinician_a,
            performed_at=timezone.now() + dt.timedelta(days=1),
        )
    assert "performed_at" in error.value.message_dict


def test_session_clinician_must_be_a_clinician_of_the_clinic(
    course_a, clinician_a, nurse_a, clinician_b
):
    course, _, _ = course_a
    second = course.sessions.filter(status="scheduled").first()
    for wrong in (nurse_a, clinician_b):
        with pytest.raises(ApplicationError) as error:
            session_update(
                actor=actor(clinician_a),
                session=second,
                expected_version=second.version,
                status="done",
                performed_at=timezone.now(),
                clinician=wrong,
            )
        assert error.value.field == "clinician"


def test_done_session_with_injections_stays_done(course_a, clinician_a):
    _, session, _ = course_a
    with pytest.raises(ApplicationError):
        session_update(
            actor=actor(clinician_a),
            session=session,
            expected_version=session.version,
            status="cancelled",
            performed_at=None,
            clinician=None,
        )


def test_injection_on_a_scheduled_or_done_session_never_a_cancelled_one(course_a, clinician_a):
    course, _, _ = course_a
    scheduled, later = course.sessions.filter(status="scheduled")[:2]
    recorded = injection_add(actor=actor(clinician_a), session=scheduled, **IA_INJECTION)
    assert recorded.session == scheduled  # documented while the session is still scheduled
    for status in ("cancelled", "no_show"):
        later.refresh_from_db()
        session_update(
            actor=actor(clinician_a), session=later, expected_version=later.version, status=status
        )
        with pytest.raises(ValidationError) as error:
            injection_add(actor=actor(clinician_a), session=later, **IA_INJECTION)
        assert "session" in error.value.message_dict
        later.refresh_from_db()
        session_update(
            actor=actor(clinician_a),
            session=later,
            expected_version=later.version,
            status="scheduled",
        )


def test_scheduled_session_with_injections_cannot_be_cancelled(course_a, clinician_a):
    course, _, _ = course_a
    scheduled = course.sessions.filter(status="scheduled").first()
    injection_add(actor=actor(clinician_a), session=scheduled, **IA_INJECTION)
    scheduled.refresh_from_db()
    for status in ("cancelled", "no_show"):
        with pytest.raises(ApplicationError) as error:
            session_update(
                actor=actor(clinician_a),
                session=scheduled,
                expected_version=scheduled.version,
                status=status,
            )
        assert error.value.field == "status"
    notes = session_update(
        actor=actor(clinician_a), session=scheduled, expected_version=None, notes="Prepared"
    )
    assert (notes.status, notes.notes) == ("scheduled", "Prepared")
    course.refresh_from_db()
    with pytest.raises(ApplicationError) as error:
        course_update(
            actor=actor(clinician_a),
            course=course,
            expected_version=course.version,
            status="stopped",
            stop_reason="Moved away",
        )
    assert "recorded injections" in error.value.message
    assert Course.objects.get(id=course.id).status == "active"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"volume_ml": Decimal("-1")}, "volume_ml"),
        ({"volume_ml": Decimal("0")}, "volume_ml"),
        ({"dextrose_pct": Decimal("50.01")}, "dextrose_pct"),
        ({"dextrose_pct": Decimal("-0.1")}, "dextrose_pct"),
        ({"lidocaine_pct": Decimal("2.001")}, "lidocaine_pct"),
        ({"needle_gauge": 17}, "needle_gauge"),
        ({"site_code": "elbow"}, "site_code"),
        ({"approach": "extra_articular"}, "approach"),
        ({"site_code": "mcl_femoral"}, "approach"),
        ({"guidance": "x-ray"}, "guidance"),
    ],
)
def test_injection_validation(course_a, clinician_a, changes, field):
    _, session, _ = course_a
    before = Injection.objects.count()
    with pytest.raises(ValidationError) as error:
        injection_add(actor=actor(clinician_a), session=session, **{**IA_INJECTION, **changes})
    assert field in error.value.message_dict
    assert Injection.objects.count() == before


def test_concentration_bounds_are_inclusive(course_a, clinician_a):
    _, session, _ = course_a
    injection = injection_add(
        actor=actor(clinician_a),
        session=session,
        **{**IA_INJECTION, "dextrose_pct": Decimal("50"), "lidocaine_pct": Decimal("2")},
    )
    assert injection.dextrose_pct == Decimal("50")


def test_injection_update_versioned(course_a, clinician_a):
    _, _, injection = course_a
    updated = injection_update(
        actor=actor(clinician_a), injection=injection, expected_version=1, volume_ml=Decimal("5.5")
    )
    assert (updated.volume_ml, updated.version) == (Decimal("5.5"), 2)


def test_stopping_a_course_needs_reason_and_cancels_scheduled_sessions(course_a, clinician_a):
    course, done, _ = course_a
    course.refresh_from_db()
    with pytest.raises(ValidationError):
        course_update(
            actor=actor(clinician_a),
            course=course,
            expected_version=course.version,
            status="stopped",
        )
    course_update(
        actor=actor(clinician_a),
        course=course,
        expected_version=course.version,
        status="stopped",
        stop_reason="Pain resolved after one session",
    )
    statuses = dict(Session.objects.filter(course=course).values_list("id", "status"))
    assert statuses.pop(done.id) == "done"
    assert set(statuses.values()) == {"cancelled"}
    with pytest.raises(ApplicationError):
        session_schedule(
            actor=actor(clinician_a),
            course=course,
            scheduled_at=timezone.now() + dt.timedelta(days=3),
        )


def test_course_transitions(course_a, clinician_a):
    course, _, _ = course_a
    course.refresh_from_db()
    with pytest.raises(ApplicationError) as error:
        course_update(
            actor=actor(clinician_a),
            course=course,
            expected_version=course.version,
            status="planned",
        )
    assert error.value.field == "status"


def test_course_start_cannot_move_after_its_sessions(course_a, clinician_a):
    course, _, _ = course_a
    course.refresh_from_db()
    with pytest.raises(ApplicationError) as error:
        course_update(
            actor=actor(clinician_a),
            course=course,
            expected_version=course.version,
            start_date=timezone.localdate(),
        )
    assert error.value.field == "start_date"


def test_front_desk_and_researcher_cannot_document(course_a, front_desk_a, researcher_a):
    _, session, _ = course_a
    for user in (front_desk_a, researcher_a):
        with pytest.raises(AccessDenied):
            injection_add(actor=actor(user), session=session, **IA_INJECTION)


SERVICE_CALLS = {
    "course_plan": lambda c, s, i, u: course_plan(
        actor=actor(u),
        patient=c.patient,
        side="right",
        protocol_reference="x",
        start_date=timezone.localdate(),
    ),
    "course_update": lambda c, s, i, u: course_update(
        actor=actor(u), course=c, expected_version=None, notes="x"
    ),
    "session_schedule": lambda c, s, i, u: session_schedule(
        actor=actor(u), course=c, scheduled_at=timezone.now() + dt.timedelta(days=1)
    ),
    "session_update": lambda c, s, i, u: session_update(
        actor=actor(u), session=s, expected_version=None, notes="x"
    ),
    "injection_add": lambda c, s, i, u: injection_add(actor=actor(u), session=s, **IA_INJECTION),
    "injection_update": lambda c, s, i, u: injection_update(
        actor=actor(u), injection=i, expected_version=None, volume_ml=Decimal("1")
    ),
}


@pytest.mark.parametrize("name", sorted(SERVICE_CALLS))
def test_every_treatment_service_is_not_found_for_another_clinic(course_a, clinician_b, name):
    course, session, injection = course_a
    before = (
        AuditEvent.objects.count(),
        Course.objects.count(),
        Session.objects.count(),
        Injection.objects.count(),
    )
    with pytest.raises(NotFound):
        SERVICE_CALLS[name](course, session, injection, clinician_b)
    after = (
        AuditEvent.objects.count(),
        Course.objects.count(),
        Session.objects.count(),
        Injection.objects.count(),
    )
    assert after == before
    course.refresh_from_db()
    session.refresh_from_db()
    injection.refresh_from_db()
    assert (course.notes, session.notes, injection.volume_ml) == ("", "", Decimal("6.00"))


def test_session_keeps_a_clinician_who_left_the_clinic(course_a, clinician_a):
    _, session, _ = course_a
    membership = clinician_a.memberships.get()
    membership.role = "clinic_admin"  # no longer a clinician; the record still names them
    membership.save()
    other = make_user("clinician-a2", session.course.clinic, "clinician")
    updated = session_update(
        actor=actor(other),
        session=session,
        expected_version=None,
        clinician=clinician_a,
        notes="Late note",
    )
    assert (updated.clinician, updated.notes) == (clinician_a, "Late note")
