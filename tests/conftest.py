"""Personas and factories shared by the whole suite.

Personas: a clinician, nurse, front-desk clerk, clinic admin and researcher of clinic A, and a
clinician of clinic B. Factories create records through the services, as the product does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from prolotrack.clinics.models import Clinic, Membership, Role, User
from prolotrack.core.actor import Actor
from prolotrack.knowledge.screening import screening_rules
from prolotrack.patients.models import Patient
from prolotrack.patients.services import condition_add, patient_create, weight_record
from prolotrack.safety.screening import screening_answer, screening_start
from prolotrack.treatment.models import Course, Injection, Session, SessionStatus
from prolotrack.treatment.services import course_plan, injection_add, session_update
from tests.append_only import install_flush_hatch

# Transactional tests flush every table between tests; the audit tables' append-only triggers
# are lifted for that flush only (tests/append_only.py).
install_flush_hatch()

PASSWORD = "correct-horse-battery-staple-42"


def make_user(username: str, clinic: Clinic | None, role: str | None) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD)
    if clinic is not None and role is not None:
        Membership.objects.create(user=user, clinic=clinic, role=role)
    return user


def actor(user: User) -> Actor:
    return Actor(user=user, client_address="127.0.0.1", channel="test")


@pytest.fixture
def clinic_a(db: None) -> Clinic:
    return Clinic.objects.create(name="Clinic A", slug="clinic-a")


@pytest.fixture
def clinic_b(db: None) -> Clinic:
    return Clinic.objects.create(name="Clinic B", slug="clinic-b")


@pytest.fixture
def clinician_a(clinic_a: Clinic) -> User:
    return make_user("clinician-a", clinic_a, Role.CLINICIAN)


@pytest.fixture
def nurse_a(clinic_a: Clinic) -> User:
    return make_user("nurse-a", clinic_a, Role.NURSE)


@pytest.fixture
def front_desk_a(clinic_a: Clinic) -> User:
    return make_user("front-desk-a", clinic_a, Role.FRONT_DESK)


@pytest.fixture
def admin_a(clinic_a: Clinic) -> User:
    return make_user("admin-a", clinic_a, Role.CLINIC_ADMIN)


@pytest.fixture
def researcher_a(clinic_a: Clinic) -> User:
    return make_user("researcher-a", clinic_a, Role.RESEARCHER)


@pytest.fixture
def clinician_b(clinic_b: Clinic) -> User:
    return make_user("clinician-b", clinic_b, Role.CLINICIAN)


PatientFactory = Callable[..., Patient]


@pytest.fixture
def make_patient() -> PatientFactory:
    counter = iter(range(1, 10_000))

    def create(clinic: Clinic, by: User, **overrides: Any) -> Patient:
        number = next(counter)
        fields: dict[str, Any] = {
            "mrn": f"MRN-{clinic.slug}-{number}",
            "given_name": f"Given{number}",
            "family_name": f"Family{number}",
            "date_of_birth": dt.date(1960, 5, 17),
            "sex": "female",
            "email": f"patient{number}@example.org",
            "phone": "+1 555 0100 1234",
            "knees": "right",
        }
        fields.update(overrides)
        return patient_create(actor=actor(by), clinic=clinic, **fields)

    return create


@pytest.fixture
def patient_a(clinic_a: Clinic, clinician_a: User, make_patient: PatientFactory) -> Patient:
    patient = make_patient(clinic_a, clinician_a, knees="both")
    condition_add(
        actor=actor(clinician_a), patient=patient, side="right", icd10_code="M17.0", kl_grade=2
    )
    return patient


@pytest.fixture
def patient_b(clinic_b: Clinic, clinician_b: User, make_patient: PatientFactory) -> Patient:
    return make_patient(clinic_b, clinician_b)


def course_with_done_session(
    patient: Patient, clinician: User
) -> tuple[Course, Session, Injection]:
    """A Rabago-style course on the right knee with one done session and one IA injection.

    Documented in the product's order: weight, injection, a clean screening, then done.
    """
    start = timezone.localdate() - dt.timedelta(days=30)
    times = [
        dt.datetime.combine(start + dt.timedelta(weeks=w), dt.time(10, 0), tzinfo=dt.UTC)
        for w in (0, 4, 8)
    ]
    course = course_plan(
        actor=actor(clinician),
        patient=patient,
        side="right",
        protocol_reference="Rabago 2013",
        start_date=start,
        session_times=times,
    )
    session = course.sessions.order_by("scheduled_at").first()
    assert session is not None
    weight_record(
        actor=actor(clinician), patient=patient, weight_kg=Decimal("72.5"), measured_on=start
    )
    injection = injection_add(
        actor=actor(clinician),
        session=session,
        site_code="intra_articular",
        approach="intra_articular",
        guidance="palpation",
        needle_gauge=25,
        volume_ml=Decimal("6.00"),
        dextrose_pct=Decimal("25.00"),
        lidocaine_pct=Decimal("0.500"),
        dextrose_lot="D50-24A117",
        lidocaine_lot="LID-23K045",
    )
    screening = screening_start(actor=actor(clinician), session=session)
    screening_answer(
        actor=actor(clinician),
        session=session,
        answers={rule.code: False for rule in screening_rules().rules},
        expected_version=screening.version,
    )
    session.refresh_from_db()
    session = session_update(
        actor=actor(clinician),
        session=session,
        expected_version=session.version,
        status=SessionStatus.DONE,
        performed_at=times[0],
        clinician=clinician,
    )
    injection.refresh_from_db()
    return course, session, injection


@pytest.fixture
def course_a(patient_a: Patient, clinician_a: User) -> tuple[Course, Session, Injection]:
    return course_with_done_session(patient_a, clinician_a)


@pytest.fixture
def course_b(patient_b: Patient, clinician_b: User) -> tuple[Course, Session, Injection]:
    return course_with_done_session(patient_b, clinician_b)
