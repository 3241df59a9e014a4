"""The patient's own progress page behind their questionnaire link (/q/<token>/progress/)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from prolotrack.audit.models import AuditEvent
from prolotrack.knowledge.instruments import instrument_definitions
from prolotrack.outcomes.links import link_issue, link_open_items, link_token
from prolotrack.outcomes.models import AccessLink, Administration
from prolotrack.portal.views import INVALID_TEXT
from prolotrack.safety.events import adverse_event_record
from tests.conftest import actor
from tests.web.conftest import plan_course_due_now


@pytest.fixture
def link(patient_a, clinician_a) -> AccessLink:
    course = plan_course_due_now(patient_a, clinician_a, side="right")
    due = list(Administration.objects.filter(course=course, status="due"))
    return link_issue(actor=actor(clinician_a), administrations=due)


def url(name: str, link: AccessLink, token: str | None = None) -> str:
    return reverse(name, kwargs={"token": token or link_token(link)})


def all_answers(link: AccessLink, value: int) -> dict[str, str]:
    """Every item of every questionnaire of the link answered with `value`."""
    data = {}
    definitions = instrument_definitions()
    for index, item in enumerate(link_open_items(link)):
        for question in definitions[item.instrument_code].items:
            data[f"q{index}-item-{question.id}"] = str(value)
    return data


def submit(client, link: AccessLink) -> None:
    response = client.post(url("portal_submit", link), all_answers(link, 1))
    assert response.status_code == 302, response.content.decode()[:1500]
    assert response["Location"] == url("portal_link_thanks", link)


def assert_invalid(response) -> None:
    assert response.status_code == 404
    assert response.templates[0].name == "portal/invalid.html"
    assert INVALID_TEXT in response.content.decode()
    assert response["Cache-Control"] == "no-store"


@pytest.fixture
def other_patient(patient_b, course_b, clinician_b):
    """Another clinic's patient with a side effect that must never show on patient_a's page."""
    course, session, _ = course_b
    adverse_event_record(
        actor=actor(clinician_b),
        patient=patient_b,
        course=course,
        session=session,
        term="bruising",
        grade=2,
        relatedness="probable",
        onset_on=session.day,
    )
    return patient_b


def test_thanks_offers_the_progress_page_which_shows_this_patients_data_only(
    client, link, patient_a, other_patient
):
    submit(client, link)
    progress = url("portal_progress", link)
    for thanks_url in (url("portal_link_thanks", link), reverse("portal_thanks")):
        thanks = client.get(thanks_url).content.decode()
        assert f'href="{progress}"' in thanks
        assert "See your progress" in thanks

    response = client.get(progress, REMOTE_ADDR="198.51.100.9")
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "strict-origin"
    assert "Your knee progress" in html
    assert "Right knee" in html
    assert "<title>Right knee: scores over time</title>" in html  # the chart
    assert re.search(r'<g id="mcid-band-right-\d+">', html)
    assert "Pain (KOOS)" in html
    assert "One score so far: 75 on" in html  # KOOS all 1s = 75 (only a baseline so far)
    # No identifiers of the patient, and nothing of the other patient.
    for identifier in (
        patient_a.given_name,
        patient_a.family_name,
        patient_a.mrn,
        patient_a.email,
        "1960",
        other_patient.given_name,
        other_patient.family_name,
        "Bruising",
    ):
        assert identifier not in html
    event = AuditEvent.objects.get(action="report.portal")
    assert (event.patient_id, event.user, event.channel) == (patient_a.id, None, "portal")
    assert event.client_address == "198.51.100.9"


def test_a_link_with_nothing_completed_shows_no_progress(client, link):
    assert_invalid(client.get(url("portal_progress", link)))
    thanks = client.get(reverse("portal_thanks")).content.decode()
    assert "See your progress" not in thanks


def test_forged_expired_and_revoked_links_show_the_invalid_page(client, link):
    submit(client, link)
    token = link_token(link)
    assert client.get(url("portal_progress", link)).status_code == 200
    assert_invalid(client.get(url("portal_progress", link, token=token[:-2] + "xx")))
    assert_invalid(client.get(url("portal_progress", link, token="not-a-token")))
    AccessLink.objects.filter(id=link.id).update(expires_at=timezone.now() - dt.timedelta(1))
    assert_invalid(client.get(url("portal_progress", link)))
    assert "See your progress" not in client.get(reverse("portal_thanks")).content.decode()
    AccessLink.objects.filter(id=link.id).update(
        expires_at=timezone.now() + dt.timedelta(days=5), revoked_at=timezone.now()
    )
    assert_invalid(client.get(url("portal_progress", link)))
    assert AuditEvent.objects.filter(action="report.portal").count() == 1
