"""The post-session check-in behind the questionnaire link (/q/<token>/check-in/): a patient's
report becomes unconfirmed adverse events for a clinician to confirm (issue 4, item 5)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from prolotrack.audit.models import AuditEvent
from prolotrack.knowledge.check_in import check_in
from prolotrack.outcomes.links import link_issue, link_token
from prolotrack.outcomes.models import AccessLink, Administration
from prolotrack.safety.models import AdverseEvent
from prolotrack.safety.selectors import reports_unconfirmed, serious_unreviewed
from tests.conftest import actor
from tests.web.conftest import event_fields, logged_in
from tests.web.test_portal import assert_invalid_page, assert_private


@pytest.fixture
def link(course_a, clinician_a) -> AccessLink:
    """A questionnaire link of course_a, whose first session was done 30 days ago."""
    course, _, _ = course_a
    administration = Administration.objects.filter(
        course=course, due_until__gte=timezone.localdate()
    ).first()
    assert administration is not None
    Administration.objects.filter(id=administration.id).update(status="due")
    administration.refresh_from_db()
    return link_issue(actor=actor(clinician_a), administrations=[administration])


def url(name: str, link: AccessLink) -> str:
    return reverse(name, kwargs={"token": link_token(link)})


def report(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "problems": ["pain", "swelling"],
        "days_after": "1",
        "severity": "moderate",
        "sought_care": "no",
        "description": "Worse on the stairs.",
    }
    data.update(changes)
    return data


def test_the_link_page_and_the_form_offer_the_check_in_without_identifiers(client, link, patient_a):
    page = client.get(url("portal_link", link)).content.decode()
    assert check_in().question in page
    assert url("portal_check_in", link) in page
    response = client.get(url("portal_check_in", link))
    html = response.content.decode()
    assert response.status_code == 200
    assert_private(response)
    for label in ("More pain in the knee", "Fever, or feeling hot and unwell", "The next day"):
        assert label in html
    assert "30 days later" in html
    assert "31 days later" not in html
    assert "csrfmiddlewaretoken" in html
    for identifier in (patient_a.given_name, patient_a.family_name, patient_a.mrn):
        assert identifier not in html
    assert AuditEvent.objects.filter(action="check_in.open", channel="portal").exists()


def test_a_report_creates_one_unconfirmed_event_per_problem(client, link, course_a, patient_a):
    course, session, _ = course_a
    response = client.post(url("portal_check_in", link), report())
    assert response.status_code == 302
    assert response["Location"] == url("portal_check_in_sent", link)
    events = list(AdverseEvent.objects.order_by("term"))
    assert [event.term for event in events] == ["pain_flare", "swelling_effusion"]
    for event in events:
        assert (event.course, event.session, event.patient) == (course, session, patient_a)
        assert (event.reported_by_patient, event.confirmed_at, event.grade) == (True, None, None)
        assert event.onset_on == session.day + dt.timedelta(days=1)
        assert "suggested grade 2" in event.patient_description
        assert "In their words: Worse on the stairs." in event.patient_description
        assert not event.is_serious
    audits = AuditEvent.objects.filter(action="adverse_event.report")
    assert audits.count() == 2
    assert {(audit.channel, audit.user_id) for audit in audits} == {("portal", None)}
    sent = client.get(response["Location"])
    html = sent.content.decode()
    assert sent.status_code == 200
    assert "emergency number" in html  # the urgent signs
    assert check_in().urgent_signs.split()[0] in html
    for identifier in (patient_a.given_name, patient_a.family_name, patient_a.mrn):
        assert identifier not in html


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"problems": []}, "This field is required."),
        ({"problems": ["pain", "headache"]}, "Select a valid choice."),
        ({"days_after": "31"}, "Select a valid choice."),  # after today
        ({"days_after": "-1"}, "Select a valid choice."),
        ({"severity": "terrible"}, "Select a valid choice."),
        ({"sought_care": ""}, "This field is required."),
        ({"problems": ["other"], "description": "  "}, "Describe the other problem"),
        ({"description": "x" * 1501}, "Keep it under 1500 characters."),
    ],
)
def test_invalid_input_creates_nothing_and_says_why(client, link, changes, message):
    response = client.post(url("portal_check_in", link), report(**changes))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "There is a problem" in response.content.decode()
    assert not AdverseEvent.objects.exists()


@pytest.mark.parametrize("change", ["forged", "expired", "revoked"])
def test_a_link_that_cannot_report_gets_the_invalid_page(client, link, change):
    token = link_token(link)
    if change == "forged":
        token = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    elif change == "expired":
        AccessLink.objects.filter(id=link.id).update(expires_at=timezone.now())
    else:
        AccessLink.objects.filter(id=link.id).update(revoked_at=timezone.now())
    target = reverse("portal_check_in", kwargs={"token": token})
    assert_invalid_page(client.get(target))
    assert_invalid_page(client.post(target, report()))
    assert not AdverseEvent.objects.exists()


def test_a_used_link_still_reports_until_it_expires(client, link):
    """The choice documented in safety.check_in: submitting the questionnaires does not end
    the check-in; the link's expiry does."""
    AccessLink.objects.filter(id=link.id).update(used_at=timezone.now())
    assert_invalid_page(client.get(url("portal_link", link)))
    thanks = client.get(url("portal_link_thanks", link)).content.decode()
    assert url("portal_check_in", link) in thanks
    response = client.post(url("portal_check_in", link), report(problems=["redness"]))
    assert response.status_code == 302
    assert AdverseEvent.objects.get().term == "injection_site_reaction"


def test_no_check_in_before_any_injection(client, patient_a, clinician_a):
    from tests.web.conftest import due_administration, plan_course_due_now

    course = plan_course_due_now(patient_a, clinician_a)
    link = link_issue(actor=actor(clinician_a), administrations=[due_administration(course)])
    assert url("portal_check_in", link) not in client.get(url("portal_link", link)).content.decode()
    assert_invalid_page(client.get(url("portal_check_in", link)))


def test_the_check_in_needs_the_csrf_token(link):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(url("portal_check_in", link), report()).status_code == 403
    assert not AdverseEvent.objects.exists()


def test_fever_reported_by_the_patient_waits_for_a_clinician(
    client, link, course_a, clinician_a, admin_a, nurse_a, mailoutbox
):
    """A patient's "fever" is an unconfirmed possible infection: on the dashboard to confirm,
    not serious and not emailed until a clinician grades it; nurses cannot confirm it."""
    course, _, _ = course_a
    admin_a.email = "admin-a@clinic-a.example"
    admin_a.save()
    response = client.post(
        url("portal_check_in", link),
        report(problems=["fever"], severity="severe", sought_care="emergency", description=""),
    )
    assert response.status_code == 302
    event = AdverseEvent.objects.get()
    assert (event.term, event.confirmed_at, event.is_serious) == ("infection", None, False)
    assert "Yes, an emergency department or urgent care" in event.patient_description
    assert list(reports_unconfirmed(actor=actor(clinician_a))) == [event]
    assert list(serious_unreviewed(actor=actor(clinician_a))) == []
    assert mailoutbox == []
    detail_url = reverse("adverse_event_detail", kwargs={"event_id": event.public_id})
    confirm_url = reverse("adverse_event_confirm", kwargs={"event_id": event.public_id})
    dashboard = logged_in(clinician_a).get("/").content.decode()
    assert "Patient reports to confirm" in dashboard
    assert detail_url in dashboard
    chart = logged_in(clinician_a).get(
        reverse("patient_chart", kwargs={"patient_id": course.patient.public_id})
    )
    assert "Patient report, to confirm" in chart.content.decode()
    assert f'href="{detail_url}#confirm-title">Confirm</a>' in chart.content.decode()
    assert f'href="{detail_url}#confirm-title">Confirm</a>' in dashboard
    fields = event_fields(
        event, "confirm", grade=3, relatedness="probable", criteria=["hospitalisation"]
    )
    assert logged_in(nurse_a).post(confirm_url, fields).status_code == 403
    assert logged_in(clinician_a).post(confirm_url, fields).status_code == 302
    event.refresh_from_db()
    assert (event.confirmed_by, event.grade, event.is_serious) == (clinician_a, 3, True)
    assert [message.to for message in mailoutbox] == [[admin_a.email]]
