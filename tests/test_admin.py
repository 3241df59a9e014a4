"""The admin site shows clinical data read-only, scoped to the admin user's clinics, audited."""

from __future__ import annotations

from django.urls import reverse

from prolotrack.audit.models import AuditEvent
from prolotrack.clinics.models import Membership, Role
from tests.conftest import make_user

CLINICAL_CHANGELISTS = [
    "admin:patients_patient_changelist",
    "admin:patients_kneecondition_changelist",
    "admin:patients_medicalhistory_changelist",
    "admin:patients_weightmeasurement_changelist",
    "admin:treatment_course_changelist",
    "admin:treatment_session_changelist",
    "admin:treatment_injection_changelist",
]


def superuser(username, clinic=None, role=None):
    user = make_user(username, clinic, role)
    user.is_staff = user.is_superuser = True
    user.save()
    return user


def test_superuser_without_membership_sees_no_clinical_rows(client, course_a, patient_b):
    client.force_login(superuser("operator"))
    for name in CLINICAL_CHANGELISTS:
        response = client.get(reverse(name))
        assert response.status_code == 200
        assert response.context["cl"].result_count == 0, name


def test_clinic_admin_sees_own_clinic_only_and_it_is_audited(
    client, clinic_a, course_a, patient_a, patient_b
):
    admin_user = superuser("site-admin-a", clinic_a, Role.CLINIC_ADMIN)
    client.force_login(admin_user)
    response = client.get(reverse("admin:patients_patient_changelist"))
    assert list(response.context["cl"].result_list) == [patient_a]
    assert AuditEvent.objects.filter(user=admin_user, action="admin.list").exists()
    detail = client.get(reverse("admin:patients_patient_change", args=[patient_a.pk]))
    assert detail.status_code == 200
    assert AuditEvent.objects.filter(
        user=admin_user, action="admin.view", patient_id=patient_a.id
    ).exists()
    other = client.get(reverse("admin:patients_patient_change", args=[patient_b.pk]))
    assert other.status_code == 302  # "does not exist" redirect, same as a missing id
    assert not AuditEvent.objects.filter(patient_id=patient_b.id, action="admin.view").exists()


def test_clinical_rows_cannot_be_added_changed_or_deleted_in_admin(client, clinic_a, patient_a):
    client.force_login(superuser("site-admin", clinic_a, Role.CLINIC_ADMIN))
    assert client.get(reverse("admin:patients_patient_add")).status_code == 403
    response = client.post(
        reverse("admin:patients_patient_change", args=[patient_a.pk]), {"given_name": "Changed"}
    )
    assert response.status_code == 403
    delete = client.post(
        reverse("admin:patients_patient_delete", args=[patient_a.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    patient_a.refresh_from_db()
    assert patient_a.given_name != "Changed"


def test_memberships_are_managed_in_admin(client, clinic_a, clinician_a):
    client.force_login(superuser("root"))
    response = client.get(reverse("admin:clinics_membership_changelist"))
    assert response.status_code == 200
    assert Membership.objects.filter(user=clinician_a).exists()
