"""TOTP two-factor sign-in (security.md §6 item 10, item 12; ASVS 6.3.2, 6.5.1, 7.2.4).

Codes are computed from the device's key with django_otp.oath.totp at a clock that time-machine
holds still, so each test knows which 30-second step it is in.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import time
from base64 import b32encode
from urllib.parse import quote

import pytest
import time_machine
import typer
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from typer.testing import CliRunner

from prolotrack.audit.models import AuditEvent
from prolotrack.cli import users
from prolotrack.signin.two_factor import totp_device_pending, totp_enrol
from tests.cli.conftest import cli_environment
from tests.conftest import PASSWORD, actor

# 5 s into the current 30 s step. Close to the real time: the sessions and their expiry are
# real (a session made at a far-off travelled time would be expired back in the present).
START = dt.datetime.fromtimestamp(time.time() // 30 * 30 + 5, tz=dt.UTC)
STEP = dt.timedelta(seconds=30)
VERIFY = reverse("two_factor_verify")
SETUP = reverse("two_factor_setup")


def code_for(device: TOTPDevice) -> str:
    """The code an authenticator app shows now for `device`."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def wrong_code(device: TOTPDevice) -> str:
    right = code_for(device)
    return "000000" if right != "000000" else "111111"


def sign_in(client: Client, username: str, address: str = "10.0.0.1") -> None:
    response = client.post(
        reverse("login"), {"username": username, "password": PASSWORD}, REMOTE_ADDR=address
    )
    assert response.status_code == 302, "the password step failed"


def enrol(user) -> tuple[TOTPDevice, list[str]]:
    """An authenticator and recovery codes, set up through the service (one step before START)."""
    device = totp_device_pending(user=user)
    with time_machine.travel(START - STEP, tick=False):
        enrolment = totp_enrol(actor=actor(user), device_id=device.pk, code=code_for(device))
    assert enrolment.verification.ok
    device.refresh_from_db()
    return device, enrolment.recovery_codes


def audit_actions(user, prefix: str = "auth.2fa") -> list[tuple[str, str]]:
    return list(
        AuditEvent.objects.filter(user=user, action__startswith=prefix)
        .order_by("sequence")
        .values_list("action", "outcome")
    )


def redirected_to(response, target: str):
    return response.status_code == 302 and response["Location"].startswith(target)


def verified(client: Client) -> bool:
    return client.get(reverse("patient_list")).status_code == 200


# --- enrolment -----------------------------------------------------------------------------------


def test_enrolment_through_the_pages(db, clinician_a):
    client = Client()
    sign_in(client, "clinician-a")
    with time_machine.travel(START, tick=False):
        page = client.get(SETUP)
        assert page.status_code == 200
        device = TOTPDevice.objects.get(user=clinician_a, confirmed=False)
        html = page.content.decode()
        # The QR code is an SVG drawn on the server; the key is there for typing in.
        assert re.search(r"<svg[^>]*>.*<path", html, re.DOTALL)
        assert "<img" not in html
        assert "<script>" not in html
        secret = b32encode(device.bin_key).decode()
        assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in html
        assert "secret=" + secret in device.config_url
        assert "period=30" in device.config_url

        refused = client.post(SETUP, {"code": wrong_code(device)})
        assert refused.status_code == 400
        assert not TOTPDevice.objects.get(pk=device.pk).confirmed

    with time_machine.travel(START + STEP, tick=False):
        done = client.post(SETUP, {"code": code_for(device)})
    assert done.status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    assert (device.digits, device.step) == (6, 30)
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", done.content.decode())
    assert len(codes) == 10
    assert sorted(StaticToken.objects.values_list("token", flat=True)) == sorted(codes)
    assert verified(client)  # the enrolling session counts as verified
    assert audit_actions(clinician_a) == [
        ("auth.2fa_failed", "failed"),
        ("auth.2fa_enrolled", "success"),
    ]


def test_a_password_alone_cannot_replace_an_enrolled_authenticator(db, clinician_a):
    enrol(clinician_a)
    client = Client()
    sign_in(client, "clinician-a")
    assert redirected_to(client.get(SETUP), VERIFY)
    assert TOTPDevice.objects.filter(user=clinician_a).count() == 1


def test_enrolment_ends_the_users_other_password_only_sessions(db, clinician_a):
    other, enrolling = Client(), Client()
    sign_in(other, "clinician-a", "10.0.0.2")
    sign_in(enrolling, "clinician-a")
    enrolling.get(SETUP)
    device = TOTPDevice.objects.get(user=clinician_a)
    with time_machine.travel(START, tick=False):
        assert enrolling.post(SETUP, {"code": code_for(device)}).status_code == 200
    assert verified(enrolling)
    assert redirected_to(other.get(reverse("patient_list")), reverse("login"))


# --- the verification step -----------------------------------------------------------------------


@pytest.mark.parametrize("required", [False, True])
def test_a_password_only_session_of_an_enrolled_user_sees_no_page(
    db, settings, objects_a, required
):
    settings.PROLOTRACK_REQUIRE_2FA = required
    clinician = objects_a.clinician
    clinician.is_staff = True
    clinician.save()
    enrol(clinician)
    client = Client()
    sign_in(client, clinician.username)
    chart = reverse("patient_chart", kwargs={"patient_id": objects_a.patient.public_id})
    for url in (chart, reverse("patient_list"), reverse("dashboard"), "/admin/"):
        response = client.get(url)
        assert response["Location"] == f"{VERIFY}?next={quote(url, safe='')}", url
    # A POST is sent there too, and htmx gets told to load the page.
    assert redirected_to(client.post(reverse("patient_list"), {"query": "x"}), VERIFY)
    htmx = client.get(reverse("patient_list"), HTTP_HX_REQUEST="true")
    assert htmx["HX-Redirect"].startswith(VERIFY)
    # Still open: the verify page, the health check, the patients' links, sign-out.
    assert client.get(VERIFY).status_code == 200
    assert client.get(reverse("health")).status_code == 200
    assert client.get("/q/not-a-token/").status_code == 404
    with time_machine.travel(START, tick=False):
        response = client.post(VERIFY, {"code": code_for(enrol_device(clinician)), "next": chart})
    assert response["Location"] == chart
    assert client.get(chart).status_code == 200
    assert client.get("/admin/").status_code == 200
    assert client.post(reverse("logout")).status_code == 302


def enrol_device(user) -> TOTPDevice:
    return TOTPDevice.objects.get(user=user, confirmed=True)


def test_with_two_factor_required_a_user_without_one_must_enrol_first(db, settings, objects_a):
    settings.PROLOTRACK_REQUIRE_2FA = True
    clinician = objects_a.clinician
    clinician.is_staff = clinician.is_superuser = True
    clinician.save()
    client = Client()
    sign_in(client, clinician.username)
    chart = reverse("patient_chart", kwargs={"patient_id": objects_a.patient.public_id})
    for url in (chart, reverse("patient_list"), "/admin/", reverse("two_factor_overview")):
        assert redirected_to(client.get(url), SETUP), url
    assert client.get(SETUP).status_code == 200
    device = TOTPDevice.objects.get(user=clinician)
    with time_machine.travel(START, tick=False):
        assert client.post(SETUP, {"code": code_for(device)}).status_code == 200
    assert client.get(chart).status_code == 200
    assert client.get("/admin/").status_code == 200


def test_two_factor_not_required_and_not_enrolled_signs_in_with_the_password(db, clinician_a):
    client = Client()
    sign_in(client, "clinician-a")
    assert verified(client)
    assert redirected_to(client.get(VERIFY), reverse("dashboard"))


def test_a_code_works_once_and_its_replay_is_refused(db, clinician_a):
    device, _codes = enrol(clinician_a)
    first, second = Client(), Client()
    sign_in(first, "clinician-a")
    sign_in(second, "clinician-a", "10.0.0.2")
    with time_machine.travel(START, tick=False):
        code = code_for(device)
        assert redirected_to(first.post(VERIFY, {"code": code}), reverse("dashboard"))
        replay = second.post(VERIFY, {"code": code})
    assert replay.status_code == 400
    assert "already" in replay.content.decode()
    assert verified(first)
    assert not verified(second)
    with time_machine.travel(START + STEP, tick=False):
        assert redirected_to(second.post(VERIFY, {"code": code_for(device)}), "/")
    assert verified(second)
    assert audit_actions(clinician_a)[-3:] == [
        ("auth.2fa_verified", "success"),
        ("auth.2fa_failed", "failed"),
        ("auth.2fa_verified", "success"),
    ]


def test_wrong_codes_throttle_the_device_even_for_the_right_code(db, clinician_a):
    device, _codes = enrol(clinician_a)
    client = Client()
    sign_in(client, "clinician-a")
    with time_machine.travel(START, tick=False) as clock:
        # Five wrong codes, each after the wait the previous one imposed (1, 2, 4, 8 s).
        for failure in range(5):
            if failure:
                clock.shift(2 ** (failure - 1))
            assert client.post(VERIFY, {"code": wrong_code(device)}).status_code == 400
        clock.shift(1)
        throttled = client.post(VERIFY, {"code": code_for(device)})
        assert throttled.status_code == 429
        assert "Too many wrong codes" in throttled.content.decode()
        assert not verified(client)
        clock.shift(16)  # 2**4 s after the fifth failure: open again
        assert redirected_to(client.post(VERIFY, {"code": code_for(device)}), "/")
    assert verified(client)
    events = AuditEvent.objects.filter(user=clinician_a, action="auth.2fa_failed")
    ordered = list(events.order_by("sequence"))
    assert [(e.outcome, e.detail["reason"]) for e in ordered] == [
        *[("failed", "wrong_code")] * 5,
        ("denied", "throttled"),
    ]
    assert ordered[-1].detail["consecutive_failures"] == 5


def test_a_recovery_code_works_once(db, clinician_a):
    _device, codes = enrol(clinician_a)
    first, second = Client(), Client()
    sign_in(first, "clinician-a")
    sign_in(second, "clinician-a", "10.0.0.2")
    assert redirected_to(first.post(VERIFY, {"code": codes[0].upper()}), "/")
    assert verified(first)
    assert StaticToken.objects.filter(token=codes[0]).count() == 0
    assert StaticToken.objects.count() == 9
    assert second.post(VERIFY, {"code": codes[0]}).status_code == 400
    assert not verified(second)
    used = AuditEvent.objects.get(user=clinician_a, action="auth.2fa_recovery_used")
    assert used.detail["codes_left"] == 9
    failed = AuditEvent.objects.filter(user=clinician_a, action="auth.2fa_failed").get()
    assert failed.detail["method"] == "recovery"


def test_the_session_key_changes_at_verification(db, clinician_a):
    device, _codes = enrol(clinician_a)
    client = Client()
    sign_in(client, "clinician-a")
    before = client.session.session_key
    with time_machine.travel(START, tick=False):
        client.post(VERIFY, {"code": code_for(device)})
    after = client.session.session_key
    assert before
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert verified(client)


def test_verification_goes_only_to_a_page_of_this_site(db, clinician_a):
    device, _codes = enrol(clinician_a)
    client = Client()
    sign_in(client, "clinician-a")
    with time_machine.travel(START, tick=False):
        response = client.post(VERIFY, {"code": code_for(device), "next": "https://evil.example/"})
    assert response["Location"] == reverse("dashboard")


# --- recovery codes and reset -------------------------------------------------------------------


def test_new_recovery_codes_need_a_current_code(db, clinician_a):
    device, old_codes = enrol(clinician_a)
    client = Client()
    sign_in(client, "clinician-a")
    url = reverse("two_factor_recovery_codes")
    with time_machine.travel(START, tick=False):
        client.post(VERIFY, {"code": code_for(device)})
        assert client.get(url).status_code == 200
        # The code just used, and a recovery code, do not make new codes.
        assert client.post(url, {"code": code_for(device)}).status_code == 400
        assert client.post(url, {"code": old_codes[1]}).status_code == 400
    assert sorted(StaticToken.objects.values_list("token", flat=True)) == sorted(old_codes)
    with time_machine.travel(START + STEP, tick=False):
        response = client.post(url, {"code": code_for(device)})
    assert response.status_code == 200
    new_codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())
    assert len(new_codes) == 10
    assert sorted(StaticToken.objects.values_list("token", flat=True)) == sorted(new_codes)
    assert set(new_codes).isdisjoint(old_codes)
    assert audit_actions(clinician_a, "auth.2fa_recovery_codes_issued") == [
        ("auth.2fa_recovery_codes_issued", "success")
    ]


def test_the_operator_resets_two_factor_from_the_command_line(db, settings, clinician_a):
    device, _codes = enrol(clinician_a)
    client = Client()
    sign_in(client, "clinician-a")
    with time_machine.travel(START, tick=False):
        client.post(VERIFY, {"code": code_for(device)})
    assert verified(client)
    app = typer.Typer()
    users.register(app)
    app.command("noop")(lambda: None)  # two commands, so Typer keeps the group name
    result = CliRunner().invoke(app, ["users", "reset-2fa", "clinician-a"])
    assert result.exit_code == 0, result.output
    assert "2 device(s) removed, 1 session(s) ended" in result.output
    assert not TOTPDevice.objects.filter(user=clinician_a).exists()
    assert not StaticToken.objects.exists()
    assert redirected_to(client.get(reverse("patient_list")), reverse("login"))
    reset = AuditEvent.objects.get(action="auth.2fa_reset")
    assert (reset.object_type, reset.object_id, reset.channel) == (
        "clinics.user",
        str(clinician_a.public_id),
        "cli",
    )
    # With two-factor required, the next sign-in goes to set-up again.
    settings.PROLOTRACK_REQUIRE_2FA = True
    sign_in(client, "clinician-a")
    assert redirected_to(client.get(reverse("patient_list")), SETUP)
    unknown = CliRunner().invoke(app, ["users", "reset-2fa", "nobody-here"])
    assert unknown.exit_code == 2


# --- the policy per environment -----------------------------------------------------------------

POLICY_PROBE = "import django; django.setup(); from django.conf import settings; " + (
    "print(settings.PROLOTRACK_REQUIRE_2FA)"
)


@pytest.mark.parametrize(
    ("module", "env", "required"),
    [
        ("prolotrack.settings.production", {}, "True"),
        ("prolotrack.settings.production", {"PROLOTRACK_REQUIRE_2FA": "0"}, "True"),
        ("prolotrack.settings.development", {}, "False"),
        ("prolotrack.settings.development", {"PROLOTRACK_REQUIRE_2FA": "1"}, "True"),
        ("prolotrack.settings.test", {}, "False"),
    ],
)
def test_two_factor_is_required_in_production_and_optional_elsewhere(
    tmp_path, module, env, required
):
    environment = cli_environment(
        tmp_path,
        DJANGO_SETTINGS_MODULE=module,
        PROLOTRACK_SECRET_KEY="x" * 64,
        PROLOTRACK_REQUIRE_2FA=env.get("PROLOTRACK_REQUIRE_2FA", ""),
    )
    result = subprocess.run(
        [sys.executable, "-c", POLICY_PROBE],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert result.stdout.strip().splitlines()[-1] == required
