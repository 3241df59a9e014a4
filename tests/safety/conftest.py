"""Helpers for the safety tests: a Rabago course planned from the protocol, a documented
session, clean screening answers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from prolotrack.clinics.models import User
from prolotrack.knowledge.screening import screening_rules
from prolotrack.patients.models import Patient
from prolotrack.patients.services import weight_record
from prolotrack.safety.screening import screening_answer, screening_start
from prolotrack.treatment.models import Course, Session
from prolotrack.treatment.services import course_plan_from_protocol, injection_add
from tests.conftest import actor

# Rabago 2013's default syringes (knowledge/protocols/rabago_2013.toml, clinical.md §1a).
RABAGO_IA: dict[str, Any] = {
    "site_code": "intra_articular",
    "approach": "intra_articular",
    "guidance": "palpation",
    "needle_gauge": 25,
    "volume_ml": Decimal("6.00"),
    "dextrose_pct": Decimal("25.00"),
    "lidocaine_pct": Decimal("0.500"),
}
RABAGO_EA: dict[str, Any] = {
    "site_code": "mcl_femoral",
    "approach": "extra_articular",
    "guidance": "palpation",
    "needle_gauge": 27,
    "volume_ml": Decimal("0.50"),
    "dextrose_pct": Decimal("15.00"),
    "lidocaine_pct": Decimal("0.500"),
}
NO_LIDOCAINE_IA: dict[str, Any] = {**RABAGO_IA, "lidocaine_pct": Decimal("0")}


def first_monday_before(day: dt.date, *, days: int) -> dt.date:
    start = day - dt.timedelta(days=days)
    return start - dt.timedelta(days=start.weekday())


def clean_answers() -> dict[str, bool | None]:
    return {rule.code: False for rule in screening_rules().rules}


def rabago_course(patient: Patient, clinician: User, *, days_ago: int = 10) -> Course:
    """A Rabago course whose first session (a Monday, 9:00) is `days_ago`+ days in the past."""
    return course_plan_from_protocol(
        actor=actor(clinician),
        patient=patient,
        side="right",
        protocol_code="rabago_2013",
        first_day=first_monday_before(timezone.localdate(), days=days_ago),
    )


def first_session(course: Course) -> Session:
    session = course.sessions.order_by("scheduled_at").first()
    assert session is not None
    return session


def screen_clean(session: Session, by: User, **answers: bool | None) -> None:
    screening = screening_start(actor=actor(by), session=session)
    screening_answer(
        actor=actor(by),
        session=session,
        answers={**clean_answers(), **answers},
        expected_version=screening.version,
    )


def weigh(patient: Patient, by: User, on: dt.date, *, kg: str = "70.0") -> None:
    weight_record(actor=actor(by), patient=patient, weight_kg=Decimal(kg), measured_on=on)


@dataclass(frozen=True)
class Documented:
    course: Course
    session: Session
    clinician: User


@pytest.fixture
def rabago_a(patient_a: Patient, clinician_a: User) -> Documented:
    """A Rabago course of clinic A with its first session being documented (IA injection
    recorded, 70 kg weighed that day), not screened yet."""
    course = rabago_course(patient_a, clinician_a)
    session = first_session(course)
    weigh(patient_a, clinician_a, session.day)
    injection_add(actor=actor(clinician_a), session=session, **RABAGO_IA)
    session.refresh_from_db()
    return Documented(course, session, clinician_a)


def mark_done(session: Session, by: User) -> Session:
    from prolotrack.treatment.services import session_update

    session.refresh_from_db()
    return session_update(
        actor=actor(by),
        session=session,
        expected_version=session.version,
        status="done",
        performed_at=session.scheduled_at,
        clinician=by,
    )
