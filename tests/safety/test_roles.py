"""Every safety service refuses front desk and researchers, and is "not found" for clinic B."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from prolotrack.audit.models import AuditEvent
from prolotrack.core.errors import AccessDenied, NotFound
from prolotrack.safety.clinic_settings import clinic_settings_update
from prolotrack.safety.consent import consent_record
from prolotrack.safety.doses import dose_override, dose_stock_set
from prolotrack.safety.events import (
    adverse_event_confirm,
    adverse_event_record,
    adverse_event_review,
    adverse_event_update,
)
from prolotrack.safety.models import AdverseEvent, Consent, DoseCheck, Screening
from prolotrack.safety.screening import screening_answer, screening_override, screening_start
from prolotrack.treatment.models import Course, Deviation, Session
from prolotrack.treatment.services import course_plan_from_protocol, deviation_record
from tests.conftest import actor
from tests.safety.conftest import clean_answers

REASON = "A reason long enough to count"


@dataclass(frozen=True)
class World:
    course: Course
    session: Session
    event: AdverseEvent


@pytest.fixture
def world(rabago_a, clinician_a) -> World:
    screening_start(actor=actor(clinician_a), session=rabago_a.session)
    screening_answer(
        actor=actor(clinician_a),
        session=rabago_a.session,
        answers={**clean_answers(), "septic_joint_or_bacteraemia": True},
        expected_version=None,
    )
    event = adverse_event_record(
        actor=actor(clinician_a),
        patient=rabago_a.course.patient,
        course=rabago_a.course,
        session=rabago_a.session,
        term="bruising",
        grade=1,
        relatedness="definite",
        onset_on=rabago_a.session.day,
    )
    return World(rabago_a.course, rabago_a.session, event)


Call = Callable[[World, Any], object]
CALLS: dict[str, Call] = {
    "course_plan_from_protocol": lambda w, u: course_plan_from_protocol(
        actor=actor(u),
        patient=w.course.patient,
        side="right",
        protocol_code="rabago_2013",
        first_day=dt.date(2030, 1, 7),
    ),
    "deviation_record": lambda w, u: deviation_record(
        actor=actor(u), course=w.course, what="x", field="session", reason=REASON
    ),
    "screening_start": lambda w, u: screening_start(actor=actor(u), session=w.session),
    "screening_answer": lambda w, u: screening_answer(
        actor=actor(u), session=w.session, answers={"pregnancy": True}, expected_version=None
    ),
    "screening_override": lambda w, u: screening_override(
        actor=actor(u), session=w.session, reason=REASON
    ),
    "dose_stock_set": lambda w, u: dose_stock_set(
        actor=actor(u), session=w.session, lidocaine_stock_pct=2, epinephrine=True
    ),
    "dose_override": lambda w, u: dose_override(actor=actor(u), session=w.session, reason=REASON),
    "adverse_event_record": lambda w, u: adverse_event_record(
        actor=actor(u),
        patient=w.course.patient,
        course=w.course,
        term="bruising",
        grade=1,
        relatedness="definite",
        onset_on=w.session.day,
    ),
    "adverse_event_confirm": lambda w, u: adverse_event_confirm(
        actor=actor(u), event=w.event, expected_version=None, grade=2
    ),
    "adverse_event_update": lambda w, u: adverse_event_update(
        actor=actor(u), event=w.event, expected_version=None, notes="x"
    ),
    "adverse_event_review": lambda w, u: adverse_event_review(
        actor=actor(u), event=w.event, expected_version=None
    ),
    "consent_record": lambda w, u: consent_record(
        actor=actor(u), course=w.course, typed_name=w.course.patient.full_name
    ),
    "clinic_settings_update": lambda w, u: clinic_settings_update(
        actor=actor(u), clinic=w.course.clinic, weight_max_age_days=30
    ),
}


def snapshot() -> tuple[int, ...]:
    models = (AuditEvent, Course, Deviation, Screening, DoseCheck, AdverseEvent, Consent)
    return (
        *(model.objects.count() for model in models),
        sum(Screening.objects.values_list("version", flat=True)),
        sum(AdverseEvent.objects.values_list("version", flat=True)),
        sum(DoseCheck.objects.values_list("version", flat=True)),
    )


@pytest.mark.parametrize("name", sorted(CALLS))
@pytest.mark.parametrize("persona", ["front_desk_a", "researcher_a"])
def test_front_desk_and_researchers_are_refused(world, request, name, persona):
    user = request.getfixturevalue(persona)
    before = snapshot()
    with pytest.raises(AccessDenied):
        CALLS[name](world, user)
    assert snapshot() == before


@pytest.mark.parametrize("name", sorted(CALLS))
def test_every_safety_service_is_not_found_for_another_clinic(world, clinician_b, name):
    before = snapshot()
    with pytest.raises(NotFound):
        CALLS[name](world, clinician_b)
    assert snapshot() == before


ONLY_CLINICIANS = ("screening_override", "dose_override")
ONLY_CLINICIANS_AND_ADMINS = ("adverse_event_confirm", "adverse_event_review")


@pytest.mark.parametrize("name", ONLY_CLINICIANS + ONLY_CLINICIANS_AND_ADMINS)
def test_nurses_neither_override_nor_confirm_or_review(world, nurse_a, name):
    with pytest.raises(AccessDenied):
        CALLS[name](world, nurse_a)
