"""Refused requests are audited (who, which page, outcome) without the id they asked for."""

from __future__ import annotations

from django.urls import reverse

from prolotrack.audit.models import AuditEvent


def test_cross_clinic_not_found_is_audited(client, patient_a, clinician_b):
    client.force_login(clinician_b)
    url = reverse("patient_chart", kwargs={"patient_id": patient_a.public_id})
    assert client.get(url).status_code == 404
    event = AuditEvent.objects.get(outcome="not_found")
    assert (event.user, event.action, event.patient_id) == (clinician_b, "web.patient_chart", None)
    assert str(patient_a.public_id) not in str(event.detail)


def test_role_denial_is_audited(client, patient_a, front_desk_a):
    client.force_login(front_desk_a)
    url = reverse("history_edit", kwargs={"patient_id": patient_a.public_id})
    assert client.get(url).status_code == 403
    event = AuditEvent.objects.get(outcome="denied")
    assert (event.user, event.action) == (front_desk_a, "web.history_edit")
