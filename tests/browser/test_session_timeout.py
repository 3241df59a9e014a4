"""The idle warning in a real Chromium: banner, "Stay signed in", and the sign-out at the limit."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import chromium_page
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_idle_warning_keeps_the_session_and_then_lets_it_end(live_server, settings, clinician_a):
    # The same limits, shortened: warn after 2 s, end after 6 s idle.
    settings.PROLOTRACK_SESSION_WARN_SECONDS = 2
    settings.PROLOTRACK_SESSION_IDLE_SECONDS = 6
    settings.PROLOTRACK_SESSION_ACTIVITY_RESOLUTION_SECONDS = 0
    with chromium_page() as page:
        page.goto(f"{live_server.url}/patients/")
        page.fill("#id_username", "clinician-a")
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"/patients/$"))

        banner = page.locator(".session-warning")
        banner.wait_for(state="visible", timeout=10_000)
        assert "signed out" in banner.inner_text()
        with page.expect_response(re.compile(r"/session/keep-alive/$")) as answer:
            page.get_by_role("button", name="Stay signed in").click()
        assert answer.value.status == 204
        banner.wait_for(state="detached", timeout=5_000)
        assert page.url.endswith("/patients/")

        # Nothing more happens: at the limit the page reloads onto the sign-in form.
        page.wait_for_url(re.compile(r"/login/"), timeout=20_000)
        assert page.locator("#id_username").is_visible()
