"""A patient answers the emailed knee questionnaire on a phone; the clinician sees the scores.

Everything is real: the clinician presses "Email a link" in Chromium, the live server sends the
invitation over SMTP to an aiosmtpd server on loopback, the patient opens the link from that
message in a phone-sized browser, answers (autosaved), reloads, finishes and submits.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from prolotrack.outcomes.models import AccessLink, Administration
from tests.browser.conftest import chromium_page
from tests.conftest import PASSWORD
from tests.web.conftest import plan_course_due_now

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
KOOS_TITLE = "Knee injury and Osteoarthritis Outcome Score"
FIRST_ANSWERS = {"P1": 2, "S1": 0, "A1": 3}
# Pain: P1 = 2 and P2-P9 = 1 -> 100 - (10 / 9) x 25 = 72.2 (KOOS 2012).
EXPECTED_KOOS_PAIN = "72.2"


@dataclass
class Inbox:
    """An aiosmtpd handler that keeps every message it is sent."""

    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's hook name)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def inbox(settings, live_server) -> Iterator[Inbox]:
    """A real SMTP server on loopback, and the settings that make the live server use it."""
    received = Inbox()
    controller = Controller(received, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.PROLOTRACK_BASE_URL = live_server.url
    try:
        yield received
    finally:
        controller.stop()


def screenshot(page: Any, name: str) -> None:
    """Keep a screenshot when PROLOTRACK_SCREENSHOTS names a folder (for looking at the pages)."""
    folder = os.environ.get("PROLOTRACK_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_patient_answers_the_emailed_questionnaire_on_a_phone(
    live_server, inbox, clinic_a, clinician_a, make_patient
):
    patient = make_patient(clinic_a, clinician_a, knees="right")
    plan_course_due_now(patient, clinician_a, side="right")
    identifiers = [patient.given_name, patient.family_name, patient.mrn, patient.email]
    with chromium_page() as page:
        link_url = email_the_link(page, live_server.url, str(patient.public_id), inbox)
        answer_on_a_phone(page, link_url, identifiers)
        check_the_chart(page, live_server.url, str(patient.public_id))
        gone = page.context.browser.new_context(**PHONE).new_page()
        response = gone.goto(link_url)
        assert response is not None
        assert response.status == 404
        assert "This link is not valid any more." in gone.locator("main").inner_text()
    administrations = Administration.objects.filter(patient=patient, status="completed")
    assert {(a.instrument_code, a.channel) for a in administrations} == {
        ("KOOS", "home"),
        ("KNEE_PAIN_NRS", "home"),
    }
    assert AccessLink.objects.get(patient=patient).used_at is not None


def sign_in(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", "clinician-a")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base_url}/")


def email_the_link(page: Any, base_url: str, patient_id: str, inbox: Inbox) -> str:
    """The clinician presses "Email a link"; the link comes out of the SMTP server's inbox."""
    sign_in(page, base_url)
    page.goto(f"{base_url}/patients/{patient_id}/")
    with page.expect_navigation():  # POST, then the redirect back to the chart
        page.get_by_role("button", name=re.compile("Email a link")).click()
    assert "questionnaires emailed to" in page.locator(".messages").inner_text()
    assert len(inbox.messages) == 1
    body = inbox.messages[0].get_body(("plain",))
    assert body is not None
    found = re.search(rf"{re.escape(base_url)}/q/\S+/", str(body.get_content()))
    assert found is not None
    return found.group(0)


def koos_choice(page: Any, item: str, value: int) -> Any:
    section = page.locator("section.questionnaire", has_text=KOOS_TITLE)
    return section.locator(f'input[name$="-item-{item}"][value="{value}"]')


def tap_and_wait_for_save(page: Any, radio: Any) -> None:
    from playwright.sync_api import expect

    with page.expect_response(lambda response: response.url.endswith("/save/")) as saved:
        radio.check()
    assert saved.value.status == 200
    expect(page.locator("#save-status")).to_have_text("Saved")  # htmx swaps it in just after


def answer_on_a_phone(page: Any, link_url: str, identifiers: list[str]) -> None:
    phone = page.context.browser.new_context(**PHONE).new_page()
    phone.set_default_timeout(15_000)
    response = phone.goto(link_url)
    assert response is not None
    assert response.status == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "strict-origin"
    text = phone.locator("body").inner_text()
    for identifier in identifiers:
        assert identifier not in text
    assert "right knee" in text
    # The page fits the phone: nothing scrolls sideways.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    for item, value in FIRST_ANSWERS.items():
        tap_and_wait_for_save(phone, koos_choice(phone, item, value))
    screenshot(phone, "portal-phone-answering")

    phone.reload()  # resume: the autosaved answers are still selected
    for item, value in FIRST_ANSWERS.items():
        assert koos_choice(phone, item, value).is_checked()

    section = phone.locator("section.questionnaire", has_text=KOOS_TITLE)
    names = section.locator('input[type="radio"][value="1"]').evaluate_all(
        "inputs => inputs.map(input => input.name)"
    )
    for name in names:
        if not any(name.endswith(f"-item-{item}") for item in FIRST_ANSWERS):
            section.locator(f'input[name="{name}"][value="1"]').check()
    nrs = phone.locator("section.questionnaire", has_text="Knee pain numeric rating scale")
    nrs.locator('input[value="4"]').check()
    with phone.expect_navigation():
        phone.get_by_role("button", name="Submit").click()
    assert phone.url.endswith("/thanks/"), phone.locator("main").inner_text()[:800]
    assert "Thank you" in phone.locator("main").inner_text()
    screenshot(phone, "portal-phone-thanks")


def check_the_chart(page: Any, base_url: str, patient_id: str) -> None:
    """A new browser context: the clinician signs in again and finds the KOOS scores."""
    clinician = page.context.browser.new_context(viewport={"width": 1024, "height": 768})
    chart = clinician.new_page()
    chart.set_default_timeout(15_000)
    sign_in(chart, base_url)
    chart.goto(f"{base_url}/patients/{patient_id}/")
    panel = chart.locator("article.score-panel", has_text=f"{KOOS_TITLE} — right knee")
    assert panel.count() == 1
    assert panel.locator("svg").count() == 1
    row = panel.locator("tbody tr").first.inner_text()
    assert "Baseline" in row
    assert EXPECTED_KOOS_PAIN in row
    assert "No questionnaire is open now." in chart.locator("main").inner_text()
    screenshot(chart, "chart-with-scores")
    clinician.close()
