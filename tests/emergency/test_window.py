"""During the window, after it, and for anyone else: the grant is the only key, every use of
it is audited with the emergency marker, and the clinic's administrators see it all."""

from __future__ import annotations

import re
import uuid

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from prolotrack.audit.models import AuditEvent
from prolotrack.clinics.models import Clinic, Role
from prolotrack.emergency.models import EmergencyAccess
from prolotrack.emergency.services import emergency_right_allow, emergency_right_revoke
from tests.conftest import make_user
from tests.emergency.conftest import REASON, minutes_later, start
from tests.web.conftest import logged_in


@pytest.fixture
def long_sign_in(settings):
    """The sign-in session's 15-minute idle limit would sign the user out first; lift it so the
    grant's own expiry is what these tests see."""
    settings.PROLOTRACK_SESSION_IDLE_SECONDS = 24 * 60 * 60


def views_of(access: EmergencyAccess):
    return AuditEvent.objects.filter(action="emergency.view", object_id=str(access.public_id))


def test_the_chart_shows_what_is_urgent_and_each_view_is_audited(patient_record, breaker):
    started = start(breaker, patient_record)
    first = started.client.get(started.chart_url)
    assert first.status_code == 200
    html = first.content.decode()
    for fact in (
        patient_record.mrn,
        patient_record.family_name,
        "Allergy to local anaesthetic",
        "Penicillin (rash)",
        "tramadol",
        "72.5 kg",
        "Intra-articular",
        "Pain flare",
        "M17.0",
    ):
        assert fact.lower() in html.lower(), fact
    assert first["Cache-Control"] == "no-store"
    assert started.client.get(started.chart_url).status_code == 200
    views = views_of(started.access)
    assert views.count() == 2
    for event in views:
        assert event.outcome == "success"
        assert event.detail == {"emergency": True}
        assert (event.user, event.patient_id, event.clinic_id) == (
            breaker,
            patient_record.id,
            patient_record.clinic_id,
        )


def test_the_chart_links_to_nothing_the_grant_does_not_open(patient_record, breaker):
    started = start(breaker, patient_record)
    html = started.client.get(started.chart_url).content.decode()
    object_link = re.compile(r'href="/[a-z-]+/[0-9a-f]{8}-')
    assert object_link.findall(html) == []  # no link to any object page; only the end form
    chart = reverse("patient_chart", kwargs={"patient_id": patient_record.public_id})
    assert started.client.get(chart).status_code == 404  # the grant is not a membership


def test_after_the_configured_time_the_page_is_refused_and_the_refusal_audited(
    patient_record, breaker, long_sign_in
):
    started = start(breaker, patient_record)
    with time_machine.travel(minutes_later(started.access, 59), tick=False):
        assert started.client.get(started.chart_url).status_code == 200
    with time_machine.travel(minutes_later(started.access, 60), tick=False):
        refused = started.client.get(started.chart_url)
    assert refused.status_code == 403
    assert "expired" in refused.content.decode()
    assert patient_record.mrn not in refused.content.decode()
    denied = views_of(started.access).get(outcome="denied")
    assert denied.detail == {"emergency": True, "closed": "expired"}
    assert denied.patient_id == patient_record.id
    assert AuditEvent.objects.filter(action="web.emergency_chart").count() == 0  # one row only


def test_a_shorter_window_from_the_setting_expires_sooner(
    patient_record, breaker, settings, long_sign_in
):
    settings.PROLOTRACK_EMERGENCY_ACCESS_MINUTES = 15
    client = logged_in(breaker)
    minutes = client.get("/emergency/").context["form"]["minutes"].value()
    started = start(breaker, patient_record, minutes=str(minutes))
    assert started.access.minutes == 15
    with time_machine.travel(minutes_later(started.access, 16), tick=False):
        assert started.client.get(started.chart_url).status_code == 403


def test_ending_early_closes_the_grant(patient_record, breaker):
    started = start(breaker, patient_record)
    response = started.client.post(started.end_url)
    assert response.status_code == 302
    started.access.refresh_from_db()
    assert started.access.ended_at is not None
    ended = AuditEvent.objects.get(action="emergency.end")
    assert (ended.user, ended.patient_id, ended.detail) == (
        breaker,
        patient_record.id,
        {"emergency": True},
    )
    refused = started.client.get(started.chart_url)
    assert refused.status_code == 403
    assert views_of(started.access).get(outcome="denied").detail["closed"] == "ended"
    assert started.client.post(started.end_url).status_code == 403  # already ended
    assert started.client.get(started.end_url).status_code == 405


def test_ending_needs_the_csrf_token(patient_record, breaker):
    started = start(breaker, patient_record)
    client = Client(enforce_csrf_checks=True)
    client.force_login(breaker)
    assert client.post(started.end_url).status_code == 403
    started.access.refresh_from_db()
    assert started.access.ended_at is None


def test_revoking_the_right_stops_a_running_grant(patient_record, breaker):
    started = start(breaker, patient_record)
    emergency_right_revoke(actor=None, user=breaker)
    assert started.client.get(started.chart_url).status_code == 403
    assert views_of(started.access).get(outcome="denied").detail["closed"] == "revoked"


def test_nobody_else_can_use_the_grant(patient_record, breaker, clinic_b, clinician_a, admin_a):
    """Another right holder, a colleague of the same clinic, and the patient's own clinic's
    staff: 404, the same as a missing id, and no patient data."""
    started = start(breaker, patient_record)
    other_holder = make_user("holder-c", Clinic.objects.create(name="C", slug="c"), Role.NURSE)
    emergency_right_allow(actor=None, user=other_holder)
    colleague = make_user("colleague-b", clinic_b, Role.CLINICIAN)
    for user in (other_holder, colleague, clinician_a, admin_a):
        client = logged_in(user)
        for response in (client.get(started.chart_url), client.post(started.end_url)):
            assert response.status_code == 404, user
            assert patient_record.mrn not in response.content.decode()
    missing = reverse("emergency_chart", kwargs={"access_id": uuid.uuid4()})
    assert logged_in(other_holder).get(missing).status_code == 404
    assert views_of(started.access).count() == 0
    started.access.refresh_from_db()
    assert started.access.ended_at is None


def test_without_a_grant_no_emergency_route_reaches_another_clinics_patient(
    patient_record, clinician_b, course_a
):
    """Cross-clinic: clinic B's clinician (no right, no grant) tries the emergency routes with
    every id of clinic A's patient they might know or guess."""
    course, session, _injection = course_a
    client = logged_in(clinician_b)
    for object_id in (patient_record.public_id, course.public_id, session.public_id, uuid.uuid4()):
        for name in ("emergency_chart", "emergency_end"):
            url = reverse(name, kwargs={"access_id": object_id})
            response = client.get(url) if name == "emergency_chart" else client.post(url)
            assert response.status_code == 404
            assert patient_record.mrn not in response.content.decode()
    assert client.get(reverse("emergency_activate")).status_code == 403
    assert client.get(reverse("emergency_report")).status_code == 403
    chart = reverse("patient_chart", kwargs={"patient_id": patient_record.public_id})
    assert client.get(chart).status_code == 404
    assert not AuditEvent.objects.filter(
        user=clinician_b, patient_id=patient_record.id, outcome="success"
    ).exists()


def test_the_clinic_admins_report_lists_the_access_and_its_views(
    patient_record, breaker, admin_a, clinic_b, smtp, admins_a
):
    started = start(breaker, patient_record)
    started.client.get(started.chart_url)
    started.client.get(started.chart_url)
    started.client.post(started.end_url)
    started.client.get(started.chart_url)  # refused, and listed as such
    response = logged_in(admin_a).get(reverse("emergency_report"))
    assert response.status_code == 200
    html = response.content.decode()
    shown_facts = ("breaker-b", "Clinic B (Clinician)", patient_record.family_name, REASON)
    for shown in (*shown_facts, patient_record.mrn):
        assert shown in html, shown
    (row,) = response.context["rows"]
    assert row.access == started.access
    assert [(e.action, e.outcome) for e in row.views] == [
        ("emergency.activate", "success"),
        ("emergency.notify", "success"),
        ("emergency.view", "success"),
        ("emergency.view", "success"),
        ("emergency.end", "success"),
        ("emergency.view", "denied"),
    ]
    assert AuditEvent.objects.filter(
        action="emergency.report_view", user=admin_a, clinic_id=patient_record.clinic_id
    ).exists()
    # Clinic B's administrator sees nothing of it; a clinician of clinic A gets 403.
    admin_b = make_user("admin-b-report", clinic_b, Role.CLINIC_ADMIN)
    other = logged_in(admin_b).get(reverse("emergency_report"))
    assert other.status_code == 200
    assert other.context["rows"] == []
    assert patient_record.family_name not in other.content.decode()
    nurse = make_user("nurse-a-report", patient_record.clinic, Role.NURSE)
    assert logged_in(nurse).get(reverse("emergency_report")).status_code == 403


def test_the_clinic_admins_nav_links_the_report(admin_a, clinician_a):
    assert 'href="/emergency/report/"' in logged_in(admin_a).get("/").content.decode()
    assert 'href="/emergency/report/"' not in logged_in(clinician_a).get("/").content.decode()


def test_the_dashboard_links_a_running_grant_without_naming_the_patient(patient_record, breaker):
    started = start(breaker, patient_record)
    html = started.client.get("/").content.decode()
    assert started.chart_url in html
    assert patient_record.family_name not in html
    started.client.post(started.end_url)
    assert started.chart_url not in started.client.get("/").content.decode()


def test_emergency_access_is_listed_among_the_patients_disclosures(patient_record, breaker):
    started = start(breaker, patient_record)
    assert started.client.get(started.chart_url).status_code == 200
    own_admin = make_user("disclosure-admin", patient_record.clinic, Role.CLINIC_ADMIN)
    url = reverse("patient_disclosures", kwargs={"patient_id": patient_record.public_id})
    page = logged_in(own_admin).get(url)
    assert page.status_code == 200
    listed = [(row.action, row.username) for row in page.context["events"]]
    assert ("emergency.activate", breaker.username) in listed
    assert ("emergency.view", breaker.username) in listed
