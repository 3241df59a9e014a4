"""Penetration-style tests: what an attacker with a browser and a valid account would try.

IDOR on every object route is in tests/web/test_permission_matrix.py (every route x role x
method from another clinic answers 404 and changes nothing). This file adds: CSRF-less posts,
session reuse after logout, mass assignment of clinic/patient/ownership fields, cross-clinic
search, questionnaire-link scope escalation, and script payloads in every free-text field.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import NoReverseMatch, reverse

from prolotrack.outcomes.links import link_issue, link_token
from prolotrack.patients.models import Patient
from prolotrack.safety.events import adverse_event_record
from prolotrack.treatment.models import Course, Injection, Session
from prolotrack.web.permissions import MATRIX
from tests.conftest import PASSWORD, actor
from tests.web.conftest import (
    demographics,
    due_administration,
    injection_data,
    logged_in,
    plan_course_due_now,
    snapshot,
    valid_post,
)
from tests.web.test_access import CODE_PAGES, OBJECT_PAGES

OBJECT_ROWS = {name: (parameter, key) for name, parameter, key, _methods in OBJECT_PAGES}
POST_ROUTES = sorted(
    name for name, rule in MATRIX.items() if rule.kind == "object" and "POST" in rule.methods
)


def _url(objects, name: str) -> str:
    parameter, key = OBJECT_ROWS[name]
    return reverse(name, kwargs={parameter: getattr(objects, key).public_id})


# --- CSRF ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", POST_ROUTES)
def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(objects_a, name):
    client = Client(enforce_csrf_checks=True)
    client.force_login(objects_a.clinician)
    url, body = _url(objects_a, name), valid_post(name, objects_a)  # may create test objects
    before = snapshot()
    response = client.post(url, body)
    assert response.status_code == 403
    assert snapshot() == before


def test_the_patient_search_and_logout_need_the_token_too(objects_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(objects_a.clinician)
    assert client.post(reverse("patient_list"), {"query": "x"}).status_code == 403
    assert client.post(reverse("logout")).status_code == 403
    assert client.get(reverse("dashboard")).status_code == 200  # still signed in


def test_get_routes_change_nothing(objects_a, non_responder_course):
    """No side effects on GET: every GET-able page without arguments and every object page,
    opened by its clinician, leaves the clinical rows as they were (audit rows are the only
    writes). The patient has a course whose suggestion is stored, so reading the chart, the
    course and the report has something it could (wrongly) store again."""
    client = logged_in(objects_a.clinician)
    urls = {  # first: some test objects are made on first use
        name: _url(objects_a, name)
        for name, rule in MATRIX.items()
        if rule.kind == "object" and "GET" in rule.methods
    }
    for name, rule in MATRIX.items():
        if rule.kind in ("clinic", "login") and "GET" in rule.methods:
            try:
                urls[name] = reverse(name)
            except NoReverseMatch:  # a catalogue page by code (protocols): no patient data
                urls[name] = reverse(name, args=["rabago_2013"])
    before = snapshot()
    for name, url in urls.items():
        assert client.get(url).status_code < 500, name
    assert snapshot() == before
    assert len(urls) > 40


# --- Sessions ------------------------------------------------------------------------------


def test_the_session_cookie_is_dead_after_logout(objects_a):
    client = Client()
    assert (
        client.post(
            reverse("login"), {"username": objects_a.clinician.username, "password": PASSWORD}
        ).status_code
        == 302
    )
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    chart = reverse("patient_chart", kwargs={"patient_id": objects_a.patient.public_id})
    assert client.get(chart).status_code == 200
    client.post(reverse("logout"))

    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = cookie
    response = replay.get(chart)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_session_key_changes_at_login(objects_a):
    client = Client()
    client.get(reverse("login"))
    client.session.save()
    before = client.session.session_key
    client.post(reverse("login"), {"username": objects_a.clinician.username, "password": PASSWORD})
    assert client.session.session_key != before


# --- Mass assignment -----------------------------------------------------------------------


def test_patient_edit_ignores_clinic_and_ownership_fields(objects_a, patient_b):
    patient = objects_a.patient
    body = demographics(
        patient,
        given_name="Renamed",
        clinic=str(patient_b.clinic_id),
        clinic_id=str(patient_b.clinic_id),
        public_id=str(patient_b.public_id),
        id=str(patient_b.pk),
        created_by=str(patient_b.pk),
        is_staff="on",
        is_superuser="on",
    )
    url = reverse("patient_edit", kwargs={"patient_id": patient.public_id})
    assert logged_in(objects_a.clinician).post(url, body).status_code == 302
    stored = Patient.objects.get(pk=patient.pk)
    assert stored.given_name == "Renamed"
    assert stored.clinic_id == patient.clinic_id
    assert stored.public_id == patient.public_id
    assert not objects_a.clinician.__class__.objects.get(pk=objects_a.clinician.pk).is_staff


def test_a_new_injection_cannot_be_moved_to_another_clinics_session(objects_a, course_b):
    _course_b, session_b, _injection_b = course_b
    before_b = list(Injection.objects.filter(session=session_b).values_list("id", flat=True))
    url = reverse("injection_create", kwargs={"session_id": objects_a.session.public_id})
    body = injection_data(session=str(session_b.public_id), session_id=str(session_b.pk))
    assert logged_in(objects_a.clinician).post(url, body).status_code == 302
    assert list(Injection.objects.filter(session=session_b).values_list("id", flat=True)) == (
        before_b
    )
    newest = Injection.objects.order_by("-id").first()
    assert newest is not None
    assert newest.session_id == objects_a.session.pk


def test_a_new_course_stays_with_the_patient_in_the_url(objects_a, patient_b):
    url = reverse("course_create", kwargs={"patient_id": objects_a.patient.public_id})
    body = {
        **valid_post("course_create", objects_a),
        "patient": str(patient_b.public_id),
        "patient_id": str(patient_b.pk),
        "clinic": str(patient_b.clinic_id),
    }
    before_b = Course.objects.filter(patient=patient_b).count()
    assert logged_in(objects_a.clinician).post(url, body).status_code == 302
    assert Course.objects.filter(patient=patient_b).count() == before_b
    newest = Course.objects.order_by("-id").first()
    assert newest is not None
    assert newest.patient_id == objects_a.patient.pk
    assert newest.clinic_id == objects_a.patient.clinic_id


def test_session_edit_cannot_assign_another_clinics_clinician(objects_a, clinician_b):
    session = objects_a.session
    body = valid_post("session_edit", objects_a)
    body["clinician"] = str(clinician_b.public_id)
    url = reverse("session_edit", kwargs={"session_id": session.public_id})
    response = logged_in(objects_a.clinician).post(url, body)
    assert response.status_code == 400
    assert Session.objects.get(pk=session.pk).clinician_id != clinician_b.pk


# --- Search --------------------------------------------------------------------------------


def test_searching_for_another_clinics_patient_finds_nothing(objects_a, patient_b):
    client = logged_in(objects_a.clinician)
    for query in (patient_b.family_name, patient_b.mrn):
        client.post(reverse("patient_list"), {"query": query})
        html = client.get(reverse("patient_list")).content.decode()
        # The search box shows the query back; no result row may name the patient.
        assert f'value="{query}"' in html
        assert str(patient_b.public_id) not in html
        assert html.count(query) == 1
        assert patient_b.given_name not in html


# --- The questionnaire link ----------------------------------------------------------------


def test_a_questionnaire_link_opens_no_staff_page(objects_a):
    urls = {  # first: some test objects are made on first use
        name: _url(objects_a, name)
        if name in OBJECT_ROWS
        else reverse(name, kwargs=CODE_PAGES.get(name))
        for name, rule in MATRIX.items()
        if rule.kind in ("object", "clinic")
    }
    course = plan_course_due_now(objects_a.patient, objects_a.clinician, side="right")
    link = link_issue(
        actor=actor(objects_a.clinician), administrations=[due_administration(course)]
    )
    token = link_token(link)
    client = Client()
    assert client.get(reverse("portal_link", kwargs={"token": token})).status_code == 200
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code in (302, 405), name
        if response.status_code == 302:
            assert response["Location"].startswith("/login/"), name
    assert link.pk is not None


def test_a_tampered_token_is_refused(objects_a):
    course = plan_course_due_now(objects_a.patient, objects_a.clinician, side="right")
    link = link_issue(
        actor=actor(objects_a.clinician), administrations=[due_administration(course)]
    )
    token = link_token(link)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    response = Client().get(reverse("portal_link", kwargs={"token": forged}))
    assert response.status_code in (403, 404, 410)
    assert objects_a.patient.family_name not in response.content.decode()


# --- Script payloads in free text ----------------------------------------------------------

PAYLOADS = (
    '<script>alert("x")</script>',
    '"><svg/onload=alert(1)>',
    "<img src=x onerror=alert(1)>",
)
RAW = re.compile(r"<script>alert|<svg/onload|<img src=x onerror", re.IGNORECASE)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_stored_script_payloads_render_inert(objects_a, payload):
    patient = objects_a.patient
    Patient.objects.filter(pk=patient.pk).update(given_name=payload, family_name=payload)
    Session.objects.filter(pk=objects_a.session.pk).update(notes=payload)
    Injection.objects.filter(pk=objects_a.injection.pk).update(dextrose_lot=payload[:40])
    objects_a.condition.__class__.objects.filter(pk=objects_a.condition.pk).update(notes=payload)
    event = adverse_event_record(
        actor=actor(objects_a.clinician),
        patient=patient,
        course=objects_a.course,
        session=objects_a.session,
        term="other",
        other_term=payload[:60],
        onset_on=objects_a.session.performed_at.date(),
        grade=1,
        relatedness="possible",
        notes=payload,
    )
    client = logged_in(objects_a.clinician)
    pages = [
        reverse("patient_chart", kwargs={"patient_id": patient.public_id}),
        reverse("patient_list"),
        reverse("course_detail", kwargs={"course_id": objects_a.course.public_id}),
        reverse("session_detail", kwargs={"session_id": objects_a.session.public_id}),
        reverse("session_aftercare", kwargs={"session_id": objects_a.session.public_id}),
        reverse("adverse_event_detail", kwargs={"event_id": event.public_id}),
        reverse("dashboard"),
    ]
    for url in pages:
        html = client.get(url).content.decode()
        assert not RAW.search(html), url
    chart = client.get(pages[0]).content.decode()
    assert "&lt;" in chart  # the payload is there, escaped
