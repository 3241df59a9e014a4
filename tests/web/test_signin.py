"""Sign-in hardening: Argon2, password rules, lockout, session limits and termination (§6 8-14)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth.hashers import Argon2PasswordHasher, make_password
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from prolotrack.audit.models import AuditEvent
from prolotrack.clinics.models import User
from prolotrack.settings import base
from prolotrack.signin.sessions import session_keys_of
from tests.conftest import PASSWORD

START = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


def sign_in(
    client: Client,
    username: str = "clinician-a",
    password: str = PASSWORD,
    address: str = "10.0.0.1",
):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def signed_in(client: Client) -> bool:
    return client.get(reverse("dashboard")).status_code == 200


# --- passwords ---------------------------------------------------------------------------------


def test_argon2id_is_the_hasher_for_new_passwords():
    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    encoded = make_password("a long enough passphrase", hasher=Argon2PasswordHasher())
    assert encoded.startswith("argon2$argon2id$")


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("k7#qpL2vx!a", "too short"),  # 11 characters
        ("password1234", "too common"),
        ("qwertyuiop123", "too common"),
        ("738291046385", "entirely numeric"),
        ("anna.kowalska-clinic", "too similar"),
    ],
)
def test_weak_passwords_are_refused(password, problem):
    user = User(username="anna.kowalska", first_name="Anna", email="anna.kowalska@clinic.example")
    with pytest.raises(ValidationError) as refused:
        validate_password(password, user)
    assert any(problem in message for message in refused.value.messages)


@pytest.mark.parametrize("password", ["k7#qpL2vx!aZ", "correct horse " * 4 + "battery1"])
def test_twelve_characters_and_long_passphrases_are_accepted(password):
    assert len(password) >= 12
    validate_password(password, User(username="anna.kowalska"))


# --- lockout -----------------------------------------------------------------------------------


def test_fifth_failure_locks_the_username_and_address_pair_for_15_minutes(db, clinician_a):
    client = Client()
    with time_machine.travel(START, tick=False) as clock:
        for attempt in range(1, 5):
            response = sign_in(client, "clinician-a", "wrong password", "10.0.0.1")
            assert response.status_code == 200, attempt  # the form again
        fifth = sign_in(client, "clinician-a", "wrong password", "10.0.0.1")
        assert fifth.status_code == 429
        assert b"too many failed sign-in attempts" in fifth.content

        # The right password from the same address is refused during the cool-off...
        assert sign_in(client, "clinician-a", PASSWORD, "10.0.0.1").status_code == 429
        assert not signed_in(client)
        # ...but the same user from another address is not locked out by an attacker.
        other = Client()
        assert sign_in(other, "clinician-a", PASSWORD, "10.0.0.2").status_code == 302
        assert signed_in(other)

        failed = AuditEvent.objects.filter(action="auth.login_failed")
        assert failed.filter(client_address="10.0.0.1").count() >= 5
        assert {event.user for event in failed} == {clinician_a}
        lockouts = AuditEvent.objects.filter(action="auth.lockout")
        assert lockouts.count() >= 1
        assert {e.client_address for e in lockouts} == {"10.0.0.1"}
        assert all(e.outcome == "denied" for e in lockouts)

        clock.shift(dt.timedelta(minutes=14))
        assert sign_in(client, "clinician-a", PASSWORD, "10.0.0.1").status_code == 429
        clock.shift(dt.timedelta(minutes=2))
        assert sign_in(client, "clinician-a", PASSWORD, "10.0.0.1").status_code == 302
        assert signed_in(client)


def test_a_failed_sign_in_for_an_unknown_username_is_audited_without_a_user(db):
    sign_in(Client(), "nobody-here", "whatever password", "10.0.0.9")
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.user is None
    assert event.detail == {"username": "nobody-here", "known_user": False}
    assert event.client_address == "10.0.0.9"


# --- session key rotation ----------------------------------------------------------------------


def test_the_session_key_changes_at_sign_in(db, clinician_a):
    client = Client()
    session = client.session
    session["before"] = 1
    session.save()
    before = session.session_key
    assert before is not None
    client.cookies["sessionid"] = before

    assert sign_in(client).status_code == 302

    after = client.cookies["sessionid"].value
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert Session.objects.filter(session_key=after).exists()


# --- idle and absolute limits ------------------------------------------------------------------


def test_a_session_ends_after_15_minutes_idle(db, clinician_a):
    client = Client()
    with time_machine.travel(START, tick=False) as clock:
        sign_in(client)
        clock.shift(dt.timedelta(minutes=14, seconds=50))
        assert signed_in(client)  # activity resets the idle clock
        clock.shift(dt.timedelta(minutes=14, seconds=50))
        assert signed_in(client)
        clock.shift(dt.timedelta(minutes=15, seconds=1))

        response = client.get(reverse("patient_list"))

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
        assert AuditEvent.objects.filter(
            action="auth.session_expired", user=clinician_a, detail={"reason": "idle"}
        ).exists()
        assert session_keys_of(clinician_a.pk) == []


def test_a_session_ends_12_hours_after_sign_in_even_when_active(db, clinician_a):
    client = Client()
    with time_machine.travel(START, tick=False) as clock:
        sign_in(client)
        for _ in range(12 * 6 - 1):  # a request every 10 minutes for 11 h 50 min
            clock.shift(dt.timedelta(minutes=10))
            assert client.post(reverse("session_keepalive")).status_code == 204
        clock.shift(dt.timedelta(minutes=10, seconds=1))

        assert client.post(reverse("session_keepalive")).status_code == 302
        assert not signed_in(client)
        assert AuditEvent.objects.filter(
            action="auth.session_expired", detail={"reason": "absolute"}
        ).exists()


def test_keep_alive_needs_a_session_and_a_post(db, clinician_a):
    anonymous = Client().post(reverse("session_keepalive"))
    assert anonymous.status_code == 302
    client = Client()
    sign_in(client)
    assert client.get(reverse("session_keepalive")).status_code == 405
    assert client.post(reverse("session_keepalive")).status_code == 204


def test_signed_in_pages_load_the_idle_warning_script_without_inline_code(db, clinician_a):
    client = Client()
    sign_in(client)
    page = client.get(reverse("dashboard")).content.decode()
    assert 'src="/static/web/session-timeout.js"' in page
    assert f'data-keepalive-url="{reverse("session_keepalive")}"' in page
    assert 'data-session-idle-seconds="900"' in page
    assert 'data-session-warn-seconds="780"' in page
    assert "<script>" not in page
    script = Path(base.PACKAGE_DIR / "web/static/web/session-timeout.js").read_text()
    assert "Stay signed in" in script
    assert "localStorage" not in script
    assert "sessionStorage" not in script


# --- ending every session of a user ------------------------------------------------------------


@pytest.fixture
def two_sessions(db, clinician_a, nurse_a) -> tuple[Client, Client, Client]:
    """The clinician signed in on two browsers, a nurse on a third."""
    first, second, nurse = Client(), Client(), Client()
    sign_in(first)
    sign_in(second, address="10.0.0.2")
    sign_in(nurse, "nurse-a")
    assert len(session_keys_of(clinician_a.pk)) == 2
    return first, second, nurse


def test_sign_out_ends_every_session_of_that_user(two_sessions, clinician_a):
    first, second, nurse = two_sessions

    first.post(reverse("logout"))

    assert session_keys_of(clinician_a.pk) == []
    assert not signed_in(first)
    assert not signed_in(second)
    assert signed_in(nurse)


def test_deactivation_ends_every_session_of_that_user(two_sessions, clinician_a):
    first, second, nurse = two_sessions

    clinician_a.is_active = False
    clinician_a.save()

    assert session_keys_of(clinician_a.pk) == []
    assert not signed_in(first)
    assert not signed_in(second)
    assert signed_in(nurse)


def test_a_password_change_ends_every_session_of_that_user(two_sessions, clinician_a):
    first, second, nurse = two_sessions

    clinician_a.set_password("a brand new passphrase 2026")
    clinician_a.save(update_fields=["password"])

    assert session_keys_of(clinician_a.pk) == []
    assert not signed_in(first)
    assert not signed_in(second)
    assert signed_in(nurse)
    assert sign_in(first, password="a brand new passphrase 2026").status_code == 302


def test_other_saves_of_the_user_keep_the_sessions(two_sessions, clinician_a):
    first, _, _ = two_sessions
    clinician_a.first_name = "Renamed"
    clinician_a.save()
    assert len(session_keys_of(clinician_a.pk)) == 2
    assert signed_in(first)
