"""Courses planned from a protocol, and the deviations they record with reasons."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from prolotrack.audit.models import AuditEvent
from prolotrack.core.errors import ApplicationError
from prolotrack.outcomes.models import Administration
from prolotrack.treatment.models import Deviation, Session
from prolotrack.treatment.selectors import course_deviations
from prolotrack.treatment.services import (
    course_plan,
    course_plan_from_protocol,
    deviation_record,
    injection_add,
    injection_update,
    session_schedule,
    session_update,
)
from tests.conftest import actor
from tests.safety.conftest import RABAGO_EA, RABAGO_IA, first_session, rabago_course

MONDAY = dt.date(2030, 3, 4)


def at_nine(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC)


def test_rabago_course_has_three_sessions_28_days_apart_with_syringes_and_questionnaires(
    patient_a, clinician_a
):
    """Rabago 2013: weeks 1, 5 and 9 (clinical.md §1a), days 0, 28, 56 from a Monday."""
    course = course_plan_from_protocol(
        actor=actor(clinician_a),
        patient=patient_a,
        side="right",
        protocol_code="rabago_2013",
        first_day=MONDAY,
    )
    sessions = list(course.sessions.order_by("scheduled_at"))
    assert [s.scheduled_at for s in sessions] == [
        at_nine(MONDAY + dt.timedelta(days=d)) for d in (0, 28, 56)
    ]
    assert (course.protocol_code, course.protocol_version) == ("rabago_2013", "rabago-2013-r1")
    assert course.protocol_reference.startswith("Rabago 2013: knee osteoarthritis")
    assert "Ann Fam Med 2013;11(3):229" in course.protocol_reference
    for session in sessions:
        syringes = {s["key"]: s for s in session.planned_syringes}
        assert set(syringes) == {"intra_articular", "extra_articular"}
        assert syringes["intra_articular"]["volume_ml"] == "6.0"
        assert syringes["intra_articular"]["dextrose_pct"] == "25.0"
        assert syringes["extra_articular"]["dextrose_pct"] == "15.0"
        assert "pes_anserinus" in syringes["extra_articular"]["site_codes"]
    planned = Administration.objects.filter(course=course)
    assert planned.filter(time_point="baseline").exists()
    assert planned.count() > 3
    assert AuditEvent.objects.filter(action="course.create", detail__protocol="rabago_2013")


def test_optional_sessions_weekend_moves_and_clinic_time_zone(patient_a, clinician_a):
    clinic = patient_a.clinic
    clinic.time_zone = "Pacific/Auckland"  # UTC+13 in March: 9:00 there is 20:00 UTC the day before
    clinic.save()
    saturday = MONDAY - dt.timedelta(days=2)
    course = course_plan_from_protocol(
        actor=actor(clinician_a),
        patient=patient_a,
        side="right",
        protocol_code="rabago_2013",
        first_day=saturday,
        include_optional=True,
    )
    sessions = list(course.sessions.order_by("scheduled_at"))
    assert len(sessions) == 5  # weeks 13 and 17 included
    assert [s.day for s in sessions][:2] == [MONDAY, MONDAY + dt.timedelta(days=28)]
    assert sessions[0].scheduled_at == dt.datetime(2030, 3, 3, 20, 0, tzinfo=dt.UTC)


def test_unknown_protocol_is_a_field_error(patient_a, clinician_a):
    with pytest.raises(ApplicationError) as error:
        course_plan_from_protocol(
            actor=actor(clinician_a),
            patient=patient_a,
            side="right",
            protocol_code="nope",
            first_day=MONDAY,
        )
    assert error.value.field == "protocol_code"


def test_added_session_needs_a_reason_and_records_the_deviation(patient_a, clinician_a):
    course = rabago_course(patient_a, clinician_a)
    extra = at_nine(course.start_date + dt.timedelta(days=42))  # between weeks 5 and 9
    before = Session.objects.count()
    with pytest.raises(ApplicationError) as error:
        session_schedule(actor=actor(clinician_a), course=course, scheduled_at=extra)
    assert error.value.field == "deviation_reason"
    assert "Session added at day 42" in error.value.message
    assert Session.objects.count() == before
    session = session_schedule(
        actor=actor(clinician_a),
        course=course,
        scheduled_at=extra,
        deviation_reason="Flare after week 5; an extra session agreed",
    )
    deviation = Deviation.objects.get(course=course)
    assert (deviation.session, deviation.field) == (session, "session")
    assert "Session added at day 42." in deviation.what
    assert deviation.reason == "Flare after week 5; an extra session agreed"
    assert deviation.recorded_by == clinician_a
    assert {s["key"] for s in session.planned_syringes} == {"intra_articular", "extra_articular"}
    assert course_deviations(course=course) == [deviation]
    assert AuditEvent.objects.filter(action="deviation.record", detail__field="session").exists()


def test_an_optional_protocol_session_is_no_deviation(patient_a, clinician_a):
    course = rabago_course(patient_a, clinician_a)
    week_13 = at_nine(course.start_date + dt.timedelta(days=84))
    session_schedule(actor=actor(clinician_a), course=course, scheduled_at=week_13)
    assert not Deviation.objects.exists()


def test_cancelling_a_protocol_session_needs_a_reason(patient_a, clinician_a):
    course = rabago_course(patient_a, clinician_a)
    second = list(course.sessions.order_by("scheduled_at"))[1]
    with pytest.raises(ApplicationError) as error:
        session_update(
            actor=actor(clinician_a),
            session=second,
            expected_version=second.version,
            status="cancelled",
        )
    assert error.value.field == "deviation_reason"
    second.refresh_from_db()
    assert second.status == "scheduled"
    session_update(
        actor=actor(clinician_a),
        session=second,
        expected_version=second.version,
        status="cancelled",
        deviation_reason="Patient travelling for a month",
    )
    deviation = Deviation.objects.get()
    assert "day 28 (week 5) is dropped" in deviation.what
    assert deviation.reason == "Patient travelling for a month"


def test_free_text_courses_have_no_protocol_to_deviate_from(patient_a, clinician_a):
    course = course_plan(
        actor=actor(clinician_a),
        patient=patient_a,
        side="right",
        protocol_reference="Own plan",
        start_date=MONDAY,
        session_times=[at_nine(MONDAY)],
    )
    session = session_schedule(
        actor=actor(clinician_a), course=course, scheduled_at=at_nine(MONDAY + dt.timedelta(1))
    )
    session_update(
        actor=actor(clinician_a), session=session, expected_version=None, status="cancelled"
    )
    assert (course.protocol_code, session.planned_syringes) == ("", [])
    assert not Deviation.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "text"),
    [
        ({"volume_ml": Decimal("5")}, "syringe.volume_ml", "5 mL instead of 6 mL"),
        ({"dextrose_pct": Decimal("20")}, "syringe.dextrose_pct", "dextrose 20 % instead of 25 %"),
        ({"lidocaine_pct": Decimal("1")}, "syringe.lidocaine_pct", "lidocaine 1 % instead of 0.5"),
    ],
)
def test_injection_unlike_the_planned_syringe_needs_a_reason(
    patient_a, clinician_a, changes, field, text
):
    session = first_session(rabago_course(patient_a, clinician_a))
    with pytest.raises(ApplicationError) as error:
        injection_add(actor=actor(clinician_a), session=session, **{**RABAGO_IA, **changes})
    assert error.value.field == "deviation_reason"
    assert not session.injections.exists()
    injection_add(
        actor=actor(clinician_a),
        session=session,
        deviation_reason="Smaller joint space this time",
        **{**RABAGO_IA, **changes},
    )
    deviation = Deviation.objects.get()
    assert deviation.field == field
    assert text in deviation.what
    assert deviation.what.startswith(f"Session of {session.day.isoformat()}: Intra-articular")


def test_injections_as_planned_record_no_deviation(patient_a, clinician_a):
    session = first_session(rabago_course(patient_a, clinician_a))
    injection_add(actor=actor(clinician_a), session=session, **RABAGO_IA)
    for site in ("mcl_femoral", "pes_anserinus", "coronary_medial"):  # tender sites of the EA set
        injection_add(actor=actor(clinician_a), session=session, **{**RABAGO_EA, "site_code": site})
    assert session.injections.count() == 4
    assert not Deviation.objects.exists()


def test_a_site_outside_the_planned_syringes_is_a_deviation(patient_a, clinician_a):
    session = first_session(rabago_course(patient_a, clinician_a))
    injection_add(
        actor=actor(clinician_a),
        session=session,
        deviation_reason="Tender iliotibial band insertion as well",
        **{**RABAGO_EA, "site_code": "itb_gerdy"},
    )
    deviation = Deviation.objects.get()
    assert deviation.field == "syringe.site_codes"
    assert "is not a site of the planned syringes" in deviation.what


def test_injection_update_needs_a_reason_only_for_a_new_departure(patient_a, clinician_a):
    session = first_session(rabago_course(patient_a, clinician_a))
    injection = injection_add(actor=actor(clinician_a), session=session, **RABAGO_IA)
    injection = injection_update(
        actor=actor(clinician_a), injection=injection, expected_version=None, dextrose_lot="L2"
    )
    with pytest.raises(ApplicationError) as error:
        injection_update(
            actor=actor(clinician_a),
            injection=injection,
            expected_version=None,
            volume_ml=Decimal("4"),
        )
    assert error.value.field == "deviation_reason"
    injection = injection_update(
        actor=actor(clinician_a),
        injection=injection,
        expected_version=None,
        volume_ml=Decimal("4"),
        deviation_reason="Aspirated effusion first; less room",
    )
    injection_update(  # still 4 mL: no new departure, no reason needed
        actor=actor(clinician_a), injection=injection, expected_version=None, dextrose_lot="L3"
    )
    assert Deviation.objects.count() == 1


def test_deviation_record_needs_a_reason(patient_a, clinician_a):
    course = rabago_course(patient_a, clinician_a)
    with pytest.raises(ApplicationError) as error:
        deviation_record(
            actor=actor(clinician_a), course=course, what="Guidance", field="guidance", reason=" "
        )
    assert error.value.field == "reason"
    recorded = deviation_record(
        actor=actor(clinician_a),
        course=course,
        what="Ultrasound guidance for every session.",
        field="syringe.guidance",
        reason="Obese knee; landmarks unreliable",
    )
    assert recorded.recorded_at is not None
    other = rabago_course(patient_a, clinician_a, days_ago=40)
    with pytest.raises(ValidationError):
        deviation_record(
            actor=actor(clinician_a),
            course=course,
            session=first_session(other),
            what="x",
            field="session",
            reason="a reason",
        )
