"""Break-glass in a real Chromium: a clinician of clinic B with the right opens the dashboard
link, fills the form, reads clinic A's patient's emergency chart, and ends the access; clinic
A's administrator then reads the report. No identifier ever appears in a URL; any CSP violation
fails the test."""

from __future__ import annotations

import re

import pytest

from prolotrack.clinics.models import Role
from prolotrack.emergency.services import emergency_right_allow
from tests.browser.conftest import chromium_page
from tests.browser.test_safe_session import sign_in
from tests.conftest import make_user
from tests.emergency.conftest import REASON

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_break_the_glass_read_end_and_report(live_server, clinic_b, admin_a, course_a, patient_a):
    breaker = make_user("breaker-b", clinic_b, Role.CLINICIAN)
    emergency_right_allow(actor=None, user=breaker)
    urls: list[str] = []
    with chromium_page() as page:
        from playwright.sync_api import expect

        page.on("request", lambda request: urls.append(request.url))
        base = live_server.url
        sign_in(page, base, breaker.username)
        page.get_by_role("link", name="Emergency access to another clinic's patient").click()
        page.select_option("#id_clinic", label=patient_a.clinic.name)
        page.fill("#id_mrn", patient_a.mrn)
        page.fill("#id_date_of_birth", patient_a.date_of_birth.isoformat())
        page.fill("#id_reason", REASON)
        page.get_by_role("button", name="Start emergency access").click()
        page.wait_for_url(re.compile(r"/emergency/[0-9a-f-]{36}/$"))
        expect(page.get_by_role("heading", level=1)).to_contain_text(patient_a.family_name)
        expect(page.get_by_text("Intra-articular").first).to_be_visible()
        page.get_by_role("button", name="End emergency access now").click()
        page.wait_for_url(re.compile(r"/$"))
        expect(page.get_by_text("Emergency access ended.")).to_be_visible()

        page.context.clear_cookies()
        sign_in(page, base, admin_a.username)
        page.get_by_role("link", name="Emergency access").click()
        expect(page.get_by_text(REASON)).to_be_visible()
        expect(page.get_by_role("cell", name="emergency.view")).to_have_count(1)
        expect(page.get_by_role("cell", name="emergency.end")).to_have_count(1)
    for url in urls:
        assert patient_a.mrn not in url
        assert patient_a.date_of_birth.isoformat() not in url
