"""Who may break the glass, and what activating it writes (ONC (d)(6); security.md §6 item 6)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from prolotrack.audit.models import AuditEvent
from prolotrack.clinics.models import Clinic, Role
from prolotrack.core.errors import ApplicationError
from prolotrack.emergency.models import EmergencyAccess, EmergencyAccessRight
from prolotrack.emergency.services import (
    FAILED_MATCHES_PER_HOUR,
    NO_MATCH,
    emergency_right_allow,
    emergency_right_revoke,
)
from prolotrack.outcomes.models import OutboxMessage
from tests.conftest import actor, make_user
from tests.emergency.conftest import REASON, activation, start
from tests.web.conftest import logged_in
from tests.web.test_form_fuzz import assert_no_server_error

ACTIVATE = "/emergency/"


def emergency_events(**filters):
    return AuditEvent.objects.filter(action__startswith="emergency.", **filters)


def test_the_route_is_where_the_docs_say():
    assert reverse("emergency_activate") == ACTIVATE


def test_without_the_right_the_page_is_403_and_not_linked(patient_record, clinician_b, smtp):
    client = logged_in(clinician_b)
    assert client.get(ACTIVATE).status_code == 403
    response = client.post(ACTIVATE, activation(patient_record))
    assert response.status_code == 403
    assert not EmergencyAccess.objects.exists()
    assert smtp.messages == []
    assert f'href="{ACTIVATE}"' not in client.get(reverse("dashboard")).content.decode()
    refused = AuditEvent.objects.filter(action="web.emergency_activate", user=clinician_b)
    assert sorted(refused.values_list("outcome", "detail__method")) == [
        ("denied", "GET"),
        ("denied", "POST"),
    ]


def test_with_the_right_the_page_opens_and_is_linked(breaker, clinic_a, clinic_b):
    client = logged_in(breaker)
    page = client.get(ACTIVATE)
    assert page.status_code == 200
    html = page.content.decode()
    assert clinic_a.name in html
    assert f'value="{clinic_b.public_id}"' not in html  # one's own clinic is not offered
    assert f'href="{ACTIVATE}"' in client.get(reverse("dashboard")).content.decode()


def test_granting_and_revoking_the_right_is_audited(clinic_b, admin_a):
    nurse = make_user("nurse-b", clinic_b, Role.NURSE)
    right = emergency_right_allow(actor=actor(admin_a), user=nurse)
    assert right.granted_by == admin_a
    allowed = AuditEvent.objects.get(action="emergency.right_allow")
    assert (allowed.user, allowed.object_id) == (admin_a, str(nurse.public_id))
    with pytest.raises(ApplicationError, match="already holds"):
        emergency_right_allow(actor=actor(admin_a), user=nurse)
    emergency_right_revoke(actor=actor(admin_a), user=nurse)
    right.refresh_from_db()
    assert right.revoked_at is not None
    assert right.revoked_by == admin_a
    assert AuditEvent.objects.filter(action="emergency.right_revoke", user=admin_a).count() == 1
    emergency_right_allow(actor=actor(admin_a), user=nurse)  # again: a new row, history kept
    assert EmergencyAccessRight.objects.filter(user=nurse).count() == 2


@pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.RESEARCHER, Role.CLINIC_ADMIN])
def test_only_clinicians_and_nurses_may_hold_the_right(clinic_b, role):
    user = make_user(f"someone-{role}", clinic_b, role)
    with pytest.raises(ApplicationError, match="clinicians and nurses"):
        emergency_right_allow(actor=None, user=user)
    assert not EmergencyAccessRight.objects.exists()
    assert not AuditEvent.objects.filter(action="emergency.right_allow").exists()


def test_a_right_held_without_a_clinical_role_opens_nothing(patient_record, clinic_b):
    """A right left behind when the holder's role changed: the page still refuses."""
    user = make_user("was-clinician", clinic_b, Role.CLINICIAN)
    emergency_right_allow(actor=None, user=user)
    user.memberships.update(role=Role.FRONT_DESK)
    client = logged_in(user)
    assert client.get(ACTIVATE).status_code == 403
    assert client.post(ACTIVATE, activation(patient_record)).status_code == 403
    assert not EmergencyAccess.objects.exists()


@pytest.mark.parametrize("reason", ["", "   ", "Emergency.", "x" * 19])
def test_a_missing_or_short_reason_is_refused_and_nothing_is_written(
    patient_record, breaker, smtp, admins_a, reason
):
    before = AuditEvent.objects.count()
    response = logged_in(breaker).post(ACTIVATE, activation(patient_record, reason=reason))
    assert response.status_code == 400
    assert "reason" in response.content.decode().lower()
    assert not EmergencyAccess.objects.exists()
    assert AuditEvent.objects.count() == before
    assert smtp.messages == []


@pytest.mark.parametrize("minutes", ["0", "241", "-5", "abc"])
def test_a_duration_outside_the_limits_is_refused(patient_record, breaker, minutes):
    response = logged_in(breaker).post(ACTIVATE, activation(patient_record, minutes=minutes))
    assert response.status_code == 400
    assert not EmergencyAccess.objects.exists()


def test_wrong_mrn_or_birth_date_gives_one_generic_error(
    patient_record, patient_b, breaker, clinic_a, smtp, admins_a
):
    """Neither field is named: the answer is the same whichever was wrong, and a patient of
    another clinic with the right MRN and date of birth is no match either."""
    client = logged_in(breaker)
    attempts = {
        "wrong MRN": activation(patient_record, mrn=patient_record.mrn + "9"),
        "wrong birth date": activation(patient_record, date_of_birth="1960-05-18"),
        "both wrong": activation(patient_record, mrn="NOPE-1", date_of_birth="1970-01-01"),
        "MRN in lower case": activation(patient_record, mrn=patient_record.mrn.lower()),
        "patient of clinic B": activation(
            patient_record, mrn=patient_b.mrn, date_of_birth=patient_b.date_of_birth.isoformat()
        ),
    }
    errors = {}
    for label, body in attempts.items():
        response = client.post(ACTIVATE, body)
        assert response.status_code == 400, label
        html = response.content.decode()
        assert NO_MATCH in html, label
        errors[label] = html.count("field--error")
    assert set(errors.values()) == {0}  # the message is for the whole form, not a field
    assert not EmergencyAccess.objects.exists()
    assert smtp.messages == []
    failed = emergency_events(action="emergency.activate")
    assert failed.count() == len(attempts)
    for event in failed:
        assert (event.outcome, event.clinic_id, event.patient_id) == (
            "not_found",
            clinic_a.id,
            None,
        )
        assert patient_record.mrn not in str(event.detail)


def test_repeated_unmatched_requests_stop_activation_for_the_hour(patient_record, breaker):
    client = logged_in(breaker)
    for _ in range(FAILED_MATCHES_PER_HOUR):
        assert client.post(ACTIVATE, activation(patient_record, mrn="GUESS-1")).status_code == 400
    response = client.post(ACTIVATE, activation(patient_record))
    assert response.status_code == 403
    assert not EmergencyAccess.objects.exists()


def test_activation_writes_the_grant_the_audit_row_and_one_email_per_admin(
    patient_record, breaker, clinic_a, smtp, admins_a
):
    started = start(breaker, patient_record)
    access = started.access
    assert (access.clinic, access.patient, access.reason) == (clinic_a, patient_record, REASON)
    assert (access.expires_at - access.started_at).total_seconds() == 60 * 60
    assert access.ended_at is None
    assert patient_record.mrn not in started.chart_url
    activated = AuditEvent.objects.get(action="emergency.activate")
    assert (activated.user, activated.clinic_id, activated.patient_id) == (
        breaker,
        clinic_a.id,
        patient_record.id,
    )
    assert activated.outcome == "success"
    assert activated.object_id == str(access.public_id)
    assert activated.detail == {"emergency": True, "minutes": 60}
    # One email to each active administrator of clinic A, through a real SMTP server.
    assert sorted(message["To"] for message in smtp.messages) == admins_a
    body = smtp.bodies()[0]
    for shown in ("breaker-b", clinic_a.name, str(access.public_id)):
        assert shown in body
    for private in (patient_record.mrn, patient_record.family_name, REASON[:30]):
        assert private not in body
    access.refresh_from_db()
    assert access.notified_at is not None
    notified = AuditEvent.objects.get(action="emergency.notify")
    assert notified.detail["sent"] == 2


def test_the_default_duration_comes_from_the_setting(patient_record, breaker, settings):
    settings.PROLOTRACK_EMERGENCY_ACCESS_MINUTES = 15
    page = logged_in(breaker).get(ACTIVATE).content.decode()
    assert 'name="minutes" value="15"' in page


def test_the_activation_needs_the_csrf_token(patient_record, breaker):
    client = Client(enforce_csrf_checks=True)
    client.force_login(breaker)
    assert client.post(ACTIVATE, activation(patient_record)).status_code == 403
    assert not EmergencyAccess.objects.exists()


def test_choosing_ones_own_clinic_is_refused(breaker, clinic_b, make_patient):
    own = make_patient(clinic_b, breaker)
    response = logged_in(breaker).post(ACTIVATE, activation(own))
    assert response.status_code == 400
    assert not EmergencyAccess.objects.exists()


def test_clinic_ids_in_the_body_cannot_pick_the_patient_elsewhere(patient_record, breaker):
    """The patient is found in the chosen clinic only; an unknown clinic id is a form error."""
    body = activation(patient_record, clinic=str(Clinic().public_id))
    assert logged_in(breaker).post(ACTIVATE, body).status_code == 400
    assert not EmergencyAccess.objects.exists()


def test_no_activation_input_gives_a_server_error(patient_record, breaker):
    """Hypothesis mutates the accepted body (as tests/web/test_form_fuzz.py does for the
    object pages): the page may refuse, never answer 500."""
    assert_no_server_error(logged_in(breaker), ACTIVATE, activation(patient_record), examples=25)


def test_a_demo_clinic_keeps_a_copy_in_its_outbox(patient_record, breaker, clinic_a, admins_a):
    Clinic.objects.filter(pk=clinic_a.pk).update(is_demo=True)
    start(breaker, patient_record)
    copies = OutboxMessage.objects.filter(clinic=clinic_a)
    assert sorted(copies.values_list("to", flat=True)) == admins_a
    assert patient_record.mrn not in copies[0].body
