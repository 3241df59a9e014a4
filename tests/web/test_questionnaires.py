"""Questionnaires in the clinic: the chart section, the fill page, emailing a link, the demo
outbox and the dashboard card."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from prolotrack.clinics.models import Clinic, Role
from prolotrack.outcomes.models import (
    AccessLink,
    Administration,
    ClinicSchedule,
    OutboxMessage,
    Score,
)
from prolotrack.outcomes.services import administration_complete
from prolotrack.outcomes.texts import text_pack_load
from prolotrack.patients.services import patient_update
from tests.conftest import actor, make_user
from tests.web.conftest import due_administration, logged_in, plan_course_due_now, snapshot

SHORT_LABEL_NOTICE = "These are prolotrack's short item descriptions"
KOOS_PAIN = [f"P{number}" for number in range(1, 10)]


def fill_url(administration: Administration, mode: str = "") -> str:
    url = reverse("questionnaire_fill", kwargs={"administration_id": administration.public_id})
    return f"{url}?mode={mode}" if mode else url


def chart_url(patient) -> str:
    return reverse("patient_chart", kwargs={"patient_id": patient.public_id})


def answers(
    values: dict[str, int], *, channel: str = "clinic", action: str = "save"
) -> dict[str, str]:
    data = {f"answers-item-{item}": str(value) for item, value in values.items()}
    return {**data, "answers-channel": channel, "action": action}


def checked(html: str, item: str, value: int) -> bool:
    """Whether the radio button for `item` = `value` is selected in the page."""
    pattern = rf'<input[^>]*name="answers-item-{item}"[^>]*value="{value}"[^>]*>'
    found = re.search(pattern, html)
    assert found is not None, f"no radio for {item}={value}"
    return "checked" in found.group(0)


@pytest.fixture
def due_course(patient_a, clinician_a):
    return plan_course_due_now(patient_a, clinician_a, side="right")


@pytest.fixture
def koos(due_course) -> Administration:
    return due_administration(due_course, "KOOS")


# --- the fill page ---


def test_fill_page_shows_every_item_with_our_labels_and_the_notice(koos, clinician_a):
    response = logged_in(clinician_a).get(fill_url(koos))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('<fieldset class="question') == 42  # KOOS has 42 items
    assert "P1: pain frequency" in html
    assert "about once a week" in html  # an answer label from the definition
    assert SHORT_LABEL_NOTICE in html
    assert "Save and continue later" in html
    assert 'name="answers-channel" value="clinic"' in html


def test_a_zero_to_ten_item_has_eleven_buttons(due_course, clinician_a):
    nrs = due_administration(due_course, "KNEE_PAIN_NRS")
    html = logged_in(clinician_a).get(fill_url(nrs)).content.decode()
    assert html.count('name="answers-item-pain"') == 11
    assert "0 = no pain, 10 = worst pain imaginable" in html


def test_save_partial_then_resume_shows_the_answers(koos, clinician_a, patient_a):
    client = logged_in(clinician_a)
    response = client.post(fill_url(koos), answers({"P1": 2, "S1": 0}))
    assert response.status_code == 302
    assert response["Location"] == chart_url(patient_a)
    koos.refresh_from_db()
    assert koos.answers == {"P1": 2, "S1": 0}
    assert koos.status == "due"
    assert koos.channel == "clinic"
    chart = client.get(response["Location"]).content.decode()
    assert "2 answers saved" in chart
    assert "2 answered so far" in chart
    html = client.get(fill_url(koos)).content.decode()
    assert checked(html, "P1", 2)
    assert checked(html, "S1", 0)
    assert not checked(html, "P1", 1)
    assert not checked(html, "P2", 2)


def test_submit_scores_and_the_chart_shows_the_values(koos, clinician_a, patient_a):
    client = logged_in(clinician_a)
    client.post(fill_url(koos), answers({"P1": 1}))
    response = client.post(
        fill_url(koos), answers(dict.fromkeys(KOOS_PAIN[1:], 1), action="submit")
    )
    assert response.status_code == 302
    koos.refresh_from_db()
    assert koos.status == "completed"
    assert koos.completed_by == clinician_a
    scores = dict(Score.objects.filter(administration=koos).values_list("scale", "value"))
    assert scores["pain"] == 75.0  # 100 - mean(1) x 25 (KOOS 2012)
    assert scores["symptoms"] is None  # no symptom item answered
    chart = client.get(chart_url(patient_a)).content.decode()
    assert "submitted and scored" in chart
    assert "Knee injury and Osteoarthritis Outcome Score — right knee" in chart
    assert "<svg" in chart
    table = chart[chart.index('<table class="scores">') :]
    table = table[: table.index("</table>")]
    assert "Baseline" in table
    assert '<td class="number">75.0</td>' in table
    assert '<td class="number">\N{EM DASH}</td>' in table  # symptoms has no score


def test_a_bad_value_is_an_error_and_nothing_is_saved(koos, clinician_a):
    client = logged_in(clinician_a)
    before = snapshot()
    response = client.post(fill_url(koos), answers({"P1": 7, "P2": 1}))
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert snapshot() == before
    koos.refresh_from_db()
    assert koos.answers == {}


def test_a_service_error_shows_on_the_form(koos, clinician_a):
    """Submitting nothing is refused by the service; its message comes back on the form."""
    before = snapshot()
    response = logged_in(clinician_a).post(fill_url(koos), answers({}, action="submit"))
    assert response.status_code == 400
    assert "Answer at least one question before submitting." in response.content.decode()
    assert snapshot() == before


def test_a_completed_questionnaire_takes_no_more_answers(koos, clinician_a):
    client = logged_in(clinician_a)
    client.post(fill_url(koos), answers({"P1": 1}, action="submit"))
    page = client.get(fill_url(koos)).content.decode()
    assert "This questionnaire is completed" in page
    assert 'name="answers-item-P1"' not in page
    before = snapshot()
    response = client.post(fill_url(koos), answers({"P2": 1}))
    assert response.status_code == 400
    assert "does not accept answers" in response.content.decode()
    assert snapshot() == before


def test_submitting_twice_says_it_was_already_submitted(koos, clinician_a, patient_a):
    """A double tap on Submit: the second request finds it completed; no error page."""
    client = logged_in(clinician_a)
    client.post(fill_url(koos), answers({"P1": 1}, action="submit"))
    before = snapshot()
    response = client.post(fill_url(koos), answers({"P1": 1}, action="submit"), follow=True)
    assert response.redirect_chain == [(chart_url(patient_a), 302)]
    assert "Knee injury and Osteoarthritis Outcome Score was already submitted." in (
        response.content.decode()
    )
    assert snapshot() == before


def test_paper_mode_records_the_paper_channel(koos, clinician_a):
    client = logged_in(clinician_a)
    page = client.get(fill_url(koos, mode="paper")).content.decode()
    assert 'name="answers-channel" value="paper"' in page
    assert "Copy each answer from the paper form" in page
    client.post(fill_url(koos), answers({"P1": 3}, channel="paper", action="submit"))
    koos.refresh_from_db()
    assert (koos.status, koos.channel) == ("completed", "paper")


def test_an_unknown_channel_is_refused(koos, clinician_a):
    before = snapshot()
    response = logged_in(clinician_a).post(fill_url(koos), answers({"P1": 3}, channel="home"))
    assert response.status_code == 400
    assert snapshot() == before


def test_official_wording_replaces_our_labels_when_loaded(koos, clinician_a):
    text_pack_load(
        {
            "instrument": "KOOS",
            "language": "en",
            "items": {item: f"Licensed wording of {item}" for item in _koos_items()},
        },
        source="test",
    )
    html = logged_in(clinician_a).get(fill_url(koos)).content.decode()
    assert "Licensed wording of P1" in html
    assert "P1: pain frequency" not in html
    assert SHORT_LABEL_NOTICE not in html


def _koos_items() -> list[str]:
    from prolotrack.knowledge.instruments import instrument_definitions

    return [item.id for item in instrument_definitions()["KOOS"].items]


def test_front_desk_gets_403_and_clinic_b_404(koos, front_desk_a, clinician_b):
    assert logged_in(front_desk_a).get(fill_url(koos)).status_code == 403
    before = snapshot()
    response = logged_in(clinician_b).post(fill_url(koos), answers({"P1": 1}, action="submit"))
    assert response.status_code == 404
    assert snapshot() == before


def test_clinic_admin_may_read_but_not_fill(koos, admin_a, patient_a):
    client = logged_in(admin_a)
    chart = client.get(chart_url(patient_a)).content.decode()
    assert "Questionnaires" in chart
    assert "Knee injury and Osteoarthritis Outcome Score" in chart
    assert "Fill in now" not in chart
    assert "Email a link" not in chart
    assert client.get(fill_url(koos)).status_code == 403


# --- the chart section ---


def test_chart_lists_due_and_upcoming_questionnaires_with_actions(koos, clinician_a, patient_a):
    html = logged_in(clinician_a).get(chart_url(patient_a)).content.decode()
    assert 'id="questionnaires-title"' in html
    assert "Baseline · Right knee" in html
    assert "Fill in now" in html
    assert "(hand the tablet to the patient)" in html
    assert f'href="{fill_url(koos, mode="paper")}"' in html
    assert "Email a link" in html
    assert "<details" in html
    assert "Upcoming (" in html
    assert "Before session 2" in html  # the check before the second session is upcoming
    assert "No scores yet." in html


def test_chart_offers_no_email_without_an_address(koos, clinician_a, patient_a):
    patient_update(
        actor=actor(clinician_a), patient=patient_a, expected_version=patient_a.version, email=""
    )
    html = logged_in(clinician_a).get(chart_url(patient_a)).content.decode()
    assert "Email a link" not in html
    assert "No email address" in html


def test_front_desk_chart_has_no_questionnaires(koos, front_desk_a, patient_a):
    html = logged_in(front_desk_a).get(chart_url(patient_a)).content.decode()
    assert "Questionnaires" not in html
    assert "Knee injury" not in html


def womac_schedule() -> dict[str, Any]:
    """A clinic schedule with WOMAC, whose scoring is unconfirmed, at baseline."""
    return {
        "name": "with-womac",
        "version": "with-womac-r1",
        "source": "test",
        "confirmed": False,
        "note": "test",
        "time_points": [
            {
                "key": "baseline",
                "anchor": "first_session",
                "offset_days": 0,
                "days_before": 14,
                "days_after": 0,
                "instruments": ["WOMAC", "KOOS"],
            }
        ],
    }


def test_unconfirmed_instruments_are_marked(clinic_a, patient_a, clinician_a):
    ClinicSchedule.objects.create(clinic=clinic_a, definition=womac_schedule())
    course = plan_course_due_now(patient_a, clinician_a, side="right")
    womac = due_administration(course, "WOMAC")
    client = logged_in(clinician_a)
    fill = client.get(fill_url(womac)).content.decode()
    assert "unconfirmed scoring: see docs/instruments.md" in fill
    client.post(fill_url(womac), answers({"P1": 1, "P2": 2, "P3": 1, "P4": 0}, action="submit"))
    chart = client.get(chart_url(patient_a)).content.decode()
    scores = chart[chart.index("<h3>Scores</h3>") :]
    assert "WOMAC Osteoarthritis Index" in scores
    assert "unconfirmed scoring: see docs/instruments.md" in scores
    assert "Pain (0-100)" in scores  # the normalised twin has its own column


# --- emailing a link ---


def send_url(administration: Administration) -> str:
    return reverse(
        "questionnaire_send_link", kwargs={"administration_id": administration.public_id}
    )


def test_send_link_covers_the_time_point_and_sends_the_invitation(
    koos, due_course, clinician_a, patient_a, mailoutbox
):
    client = logged_in(clinician_a)
    response = client.post(send_url(koos))
    assert response.status_code == 302
    assert response["Location"] == chart_url(patient_a)
    link = AccessLink.objects.get()
    linked = set(link.administrations.values_list("instrument_code", flat=True))
    assert linked == {"KOOS", "KNEE_PAIN_NRS"}  # everything due at baseline for that knee
    assert link.invited_at is not None
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [patient_a.email]
    assert "/q/" in mail.body
    for identifier in (patient_a.family_name, patient_a.given_name, patient_a.mrn):
        assert identifier not in mail.body
        assert identifier not in mail.subject
    chart = client.get(chart_url(patient_a)).content.decode()
    assert f"Link for 2 questionnaires emailed to {patient_a.email}." in chart
    assert "link emailed" in chart


def test_send_link_without_an_email_is_a_message(koos, clinician_a, patient_a, mailoutbox):
    patient_update(
        actor=actor(clinician_a), patient=patient_a, expected_version=patient_a.version, email=""
    )
    client = logged_in(clinician_a)
    response = client.post(send_url(koos), follow=True)
    assert "The patient has no email address" in response.content.decode()
    assert not AccessLink.objects.exists()
    assert mailoutbox == []


def test_send_link_when_nothing_is_due_is_a_message(koos, clinician_a, mailoutbox):
    administration_complete(
        actor=actor(clinician_a), administration=koos, answers={"P1": 1}, channel="clinic"
    )
    response = logged_in(clinician_a).post(send_url(koos), follow=True)
    assert "This questionnaire is not due" in response.content.decode()
    assert not AccessLink.objects.exists()
    assert mailoutbox == []


def test_send_link_is_post_only(koos, clinician_a):
    assert logged_in(clinician_a).get(send_url(koos)).status_code == 405


# --- the demo outbox ---


@pytest.fixture
def demo_clinic(db) -> Clinic:
    return Clinic.objects.create(name="Demo Clinic", slug="demo-test", is_demo=True)


def test_demo_outbox_shows_the_demo_clinics_mail_with_a_clickable_link(
    demo_clinic, make_patient, mailoutbox
):
    clinician = make_user("demo-clinician-t", demo_clinic, Role.CLINICIAN)
    patient = make_patient(demo_clinic, clinician)
    koos = due_administration(plan_course_due_now(patient, clinician, side="right"))
    client = logged_in(clinician)
    client.post(send_url(koos))
    assert OutboxMessage.objects.count() == 1
    page = client.get(reverse("demo_outbox"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Your knee questionnaire" in html
    assert patient.email in html
    assert re.search(r'<a href="http://[^"]+/q/[^"]+/"', html)
    assert 'href="/outbox/"' in html  # the nav link, for demo-clinic staff only


def test_demo_outbox_is_404_outside_demo_clinics(demo_clinic, clinician_a, clinic_a):
    front_desk = make_user("demo-front-desk-t", demo_clinic, Role.FRONT_DESK)
    researcher = make_user("demo-researcher-t", demo_clinic, Role.RESEARCHER)
    for user in (clinician_a, front_desk, researcher):
        client = logged_in(user)
        assert client.get(reverse("demo_outbox")).status_code == 404
        assert 'href="/outbox/"' not in client.get(reverse("dashboard")).content.decode()


def test_demo_outbox_shows_only_the_users_demo_clinics(demo_clinic, make_patient, mailoutbox):
    other = Clinic.objects.create(name="Other Demo", slug="demo-other", is_demo=True)
    writer = make_user("demo-writer-t", other, Role.CLINICIAN)
    patient = make_patient(other, writer)
    koos = due_administration(plan_course_due_now(patient, writer, side="right"))
    logged_in(writer).post(send_url(koos))
    reader = make_user("demo-reader-t", demo_clinic, Role.NURSE)
    html = logged_in(reader).get(reverse("demo_outbox")).content.decode()
    assert patient.email not in html
    assert "No emails sent yet." in html


# --- the dashboard ---


def test_dashboard_card_lists_due_questionnaires(koos, clinician_a, patient_a):
    html = logged_in(clinician_a).get(reverse("dashboard")).content.decode()
    card = html[html.index('id="questionnaires-due-title"') :]
    card = card[: card.index("</section>")]
    assert "2 questionnaires due." in card  # KOOS and the pain NRS at baseline
    assert f'href="{chart_url(patient_a)}"' in card
    assert "Knee injury and Osteoarthritis Outcome Score" in card
    assert "Baseline" in card
    assert koos.due_until.isoformat() in card


def test_dashboard_card_shows_ten_of_more(clinic_a, clinician_a, make_patient):
    for _ in range(6):
        patient = make_patient(clinic_a, clinician_a)
        plan_course_due_now(patient, clinician_a, side="right")
    html = logged_in(clinician_a).get(reverse("dashboard")).content.decode()
    card = html[html.index('id="questionnaires-due-title"') :]
    card = card[: card.index("</section>")]
    assert "12 questionnaires due; the 10 due soonest:" in card
    assert card.count("<tr>") == 11  # the heading row and the ten due soonest
    assert '<span class="count">12</span> questionnaires due' in html


def test_front_desk_dashboard_has_no_questionnaires(koos, front_desk_a):
    html = logged_in(front_desk_a).get(reverse("dashboard")).content.decode()
    assert "Questionnaires due" not in html
