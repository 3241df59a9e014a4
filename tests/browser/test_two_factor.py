"""Two-factor sign-in in a real Chromium, under the strict CSP: forced set-up from the QR page's
typed key, then a later sign-in that stops at the code step until a recovery code is given."""

from __future__ import annotations

import re
from base64 import b32decode

import pytest
from django_otp.oath import totp

from tests.browser.conftest import chromium_page
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, base_url: str) -> None:
    page.goto(f"{base_url}/patients/")
    page.fill("#id_username", "clinician-a")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")


def test_required_two_factor_in_the_browser(live_server, settings, clinician_a):
    settings.PROLOTRACK_REQUIRE_2FA = True
    with chromium_page() as page:
        sign_in(page, live_server.url)
        page.wait_for_url(re.compile(r"/account/two-factor/setup/"))
        assert page.locator(".qr-code svg").is_visible()
        assert page.locator(".site-nav").count() == 0  # no menu before the second factor
        key = b32decode(page.locator("#totp-secret").inner_text().replace(" ", ""))
        page.fill("#id_code", f"{totp(key, step=30, digits=6):06d}")
        page.get_by_role("button", name="Turn on two-factor").click()
        codes = page.locator(".recovery-codes code").all_inner_texts()
        assert len(codes) == 10

        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(re.compile(r"/login/"))
        sign_in(page, live_server.url)
        page.wait_for_url(re.compile(r"/account/two-factor/verify/\?next="))
        page.fill("#id_code", "000000")
        page.get_by_role("button", name="Continue").click()
        assert "not right" in page.locator(".error-summary").inner_text()
        page.fill("#id_code", codes[0])
        page.get_by_role("button", name="Continue").click()
        page.wait_for_url(re.compile(r"/patients/$"))
        assert "9 are left" in page.locator(".messages").inner_text()
