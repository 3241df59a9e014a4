"""Break-glass personas: a clinician of clinic B given emergency access, clinic A's patient
(with a course, a done session, an injection, history, medication and a side effect), and
clinic A's administrators with email addresses."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from prolotrack.clinics.models import Clinic, Membership, Role, User
from prolotrack.emergency.models import EmergencyAccess
from prolotrack.emergency.services import emergency_right_allow
from prolotrack.patients.models import MedicalHistory, Patient
from prolotrack.safety.events import adverse_event_record
from tests.cli.conftest import run_cli  # noqa: F401 (the CLI tests' fixture)
from tests.conftest import actor, make_user
from tests.outcomes.smtp import smtp_server
from tests.web.conftest import logged_in
from tests.web.followup_objects import a_medication_use

REASON = "Patient collapsed in our waiting room; need allergies and recent injections."


@pytest.fixture
def smtp(settings):
    with smtp_server() as mailbox:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = mailbox.port
        settings.EMAIL_USE_TLS = False
        yield mailbox


def with_email(user: User, address: str) -> User:
    user.email = address
    user.save()
    return user


@pytest.fixture
def admins_a(clinic_a: Clinic, admin_a: User, clinic_b: Clinic) -> list[str]:
    """Two active admins of clinic A with email; an inactive one and clinic B's admin must not
    be emailed."""
    with_email(admin_a, "admin-a@clinic-a.example")
    with_email(make_user("admin-a2", clinic_a, Role.CLINIC_ADMIN), "admin-a2@clinic-a.example")
    gone = with_email(make_user("admin-a-gone", clinic_a, Role.CLINIC_ADMIN), "gone@a.example")
    Membership.objects.filter(user=gone).update(is_active=False)
    with_email(make_user("admin-b", clinic_b, Role.CLINIC_ADMIN), "admin-b@clinic-b.example")
    return ["admin-a2@clinic-a.example", "admin-a@clinic-a.example"]


@pytest.fixture
def breaker(clinic_b: Clinic) -> User:
    """A clinician of clinic B who was given emergency access in advance."""
    user = make_user("breaker-b", clinic_b, Role.CLINICIAN)
    emergency_right_allow(actor=None, user=user)
    return user


@pytest.fixture
def patient_record(course_a, patient_a: Patient, clinician_a: User) -> Patient:
    """Clinic A's patient with what an emergency chart must show."""
    course, session, _injection = course_a
    MedicalHistory.objects.filter(patient=patient_a).update(
        allergy_local_anaesthetic=True, other_allergies="Penicillin (rash)"
    )
    a_medication_use(patient_a, clinician_a)
    adverse_event_record(
        actor=actor(clinician_a),
        patient=patient_a,
        course=course,
        session=session,
        term="pain_flare",
        grade=2,
        relatedness="probable",
        onset_after_hours=6,
    )
    return patient_a


def activation(patient: Patient, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "clinic": str(patient.clinic.public_id),
        "mrn": patient.mrn,
        "date_of_birth": patient.date_of_birth.isoformat(),
        "reason": REASON,
        "minutes": "60",
    }
    data.update(changes)
    return data


@dataclass(frozen=True)
class Started:
    client: Client
    access: EmergencyAccess
    chart_url: str
    end_url: str


def start(user: User, patient: Patient, **changes: Any) -> Started:
    client = logged_in(user)
    response = client.post(reverse("emergency_activate"), activation(patient, **changes))
    assert response.status_code == 302, response.content.decode()[:3000]
    access = EmergencyAccess.objects.get(user=user, ended_at__isnull=True)
    chart_url = reverse("emergency_chart", kwargs={"access_id": access.public_id})
    assert response["Location"] == chart_url
    return Started(
        client, access, chart_url, reverse("emergency_end", kwargs={"access_id": access.public_id})
    )


def minutes_later(access: EmergencyAccess, minutes: float) -> dt.datetime:
    return access.started_at + dt.timedelta(minutes=minutes)
