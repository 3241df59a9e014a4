"""API token lifecycle: shown once and stored as a hash, revoked, expired, and dead with its
user or membership; every refusal is a 401 and an audit row."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
import time_machine
import typer
from django.utils import timezone
from typer.testing import CliRunner

from prolotrack.api.models import ApiToken
from prolotrack.api.scopes import PATIENT_READ
from prolotrack.api.tokens import api_token_create, api_token_revoke
from prolotrack.audit.models import AuditEvent
from prolotrack.cli import api_tokens
from prolotrack.clinics.models import Membership
from prolotrack.core.errors import InvalidInput
from tests.api.conftest import TokenClient, issue

START = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def cli() -> typer.Typer:
    app = typer.Typer()
    api_tokens.register(app)
    return app


def failures(reason: str) -> list[AuditEvent]:
    return [
        event
        for event in AuditEvent.objects.filter(action="api.auth_failed", channel="api")
        if event.detail.get("reason") == reason
    ]


def test_cli_create_prints_the_token_once_and_stores_only_its_hash(clinician_a, clinic_a):
    result = CliRunner().invoke(
        cli(),
        [
            "api-token", "create", "--user", clinician_a.username, "--clinic", clinic_a.slug,
            "--scope", "user/Patient.read", "--scope", "user/Observation.read", "--days", "7",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    raw = result.stdout.strip()
    assert raw.startswith("ptk_")
    assert len(raw) == 4 + 43
    token = ApiToken.objects.get()
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in {token.prefix, token.token_hash, token.name}
    assert raw.startswith(token.prefix)
    assert token.scopes == ["user/Observation.read", "user/Patient.read"]
    assert dt.timedelta(days=6, hours=23) < token.expires_at - timezone.now() <= dt.timedelta(7)
    created = AuditEvent.objects.get(action="api_token.create")
    assert created.channel == "cli"
    assert created.clinic_id == clinic_a.id
    assert raw not in str(created.detail)
    # The token works once created.
    assert TokenClient(raw).get("/api/v1/patients").status_code == 200


def test_cli_refuses_unknown_scopes_and_users(clinician_a, clinic_a):
    me = ["--user", clinician_a.username, "--clinic", clinic_a.slug]
    for args, message in (
        (["--user", "nobody", "--clinic", clinic_a.slug, "--scope", PATIENT_READ], "no user"),
        (["--user", clinician_a.username, "--clinic", "x", "--scope", PATIENT_READ], "no clinic"),
        ([*me, "--scope", "user/*.*"], "Unknown scopes"),
        ([*me, "--scope", PATIENT_READ, "--days", "400"], "1 to 365"),
    ):
        result = CliRunner().invoke(cli(), ["api-token", "create", *args])
        assert result.exit_code == 2, args
        assert message in result.output
    assert not ApiToken.objects.exists()


def test_a_token_needs_an_active_membership_in_its_clinic(clinician_a, clinic_b):
    with pytest.raises(InvalidInput):
        api_token_create(
            actor=None, user=clinician_a, clinic=clinic_b, scopes=[PATIENT_READ], days=1
        )


def test_cli_revoke_kills_the_token_at_once(clinician_a, clinic_a):
    raw = issue(clinician_a, clinic_a)
    client = TokenClient(raw)
    assert client.get("/api/v1/patients").status_code == 200
    prefix = ApiToken.objects.get().prefix
    result = CliRunner().invoke(cli(), ["api-token", "revoke", prefix])
    assert result.exit_code == 0, result.output
    response = client.get("/api/v1/patients")
    assert response.status_code == 401
    assert 'error="invalid_token"' in response["WWW-Authenticate"]
    assert AuditEvent.objects.filter(action="api_token.revoke", channel="cli").count() == 1
    [refused] = failures("revoked")
    assert refused.outcome == "denied"
    assert refused.user_id == clinician_a.id
    assert refused.detail["prefix"] == prefix
    assert CliRunner().invoke(cli(), ["api-token", "revoke", prefix]).exit_code == 2
    assert CliRunner().invoke(cli(), ["api-token", "revoke", "ptk_nothing"]).exit_code == 2


def test_cli_list_shows_prefixes_never_tokens(clinician_a, clinic_a):
    raw = issue(clinician_a, clinic_a)
    result = CliRunner().invoke(cli(), ["api-token", "list"])
    assert result.exit_code == 0
    assert ApiToken.objects.get().prefix in result.output
    assert raw not in result.output


def test_a_token_expires(clinician_a, clinic_a):
    with time_machine.travel(START, tick=False) as clock:
        raw = issue(clinician_a, clinic_a, days=1)
        client = TokenClient(raw)
        clock.shift(dt.timedelta(hours=23, minutes=59))
        assert client.get("/api/v1/patients").status_code == 200
        assert ApiToken.objects.get().last_used_at == START + dt.timedelta(hours=23, minutes=59)
        clock.shift(dt.timedelta(minutes=2))
        assert client.get("/api/v1/patients").status_code == 401
        assert client.get("/fhir/r4/Patient").status_code == 401
    assert len(failures("expired")) == 2


def test_deactivating_the_user_or_ending_the_membership_kills_the_token(
    clinician_a, nurse_a, clinic_a
):
    first, second = TokenClient(issue(clinician_a, clinic_a)), TokenClient(issue(nurse_a, clinic_a))
    assert first.get("/api/v1/patients").status_code == 200
    clinician_a.is_active = False
    clinician_a.save()
    assert first.get("/api/v1/patients").status_code == 401
    Membership.objects.filter(user=nurse_a).update(is_active=False)
    assert second.get("/api/v1/patients").status_code == 401
    assert len(failures("user_inactive")) == 1
    assert len(failures("no_membership")) == 1


def test_unknown_missing_and_malformed_credentials_are_401_and_audited(db, patient_a):
    for headers in (
        {"Authorization": "Bearer ptk_not-a-real-token"},
        {},
        {"Authorization": "Basic eDp5"},
    ):
        response = TokenClient(None).get("/api/v1/patients", headers=headers)
        assert response.status_code == 401
        assert response.json() == {
            "detail": "A valid API token is required (Authorization: Bearer <token>)."
        }
        fhir = TokenClient(None).get(f"/fhir/r4/Patient/{patient_a.public_id}", headers=headers)
        assert fhir.status_code == 401
        assert fhir.json()["resourceType"] == "OperationOutcome"
    assert len(failures("unknown")) == 2
    assert len(failures("missing")) == 4
    # Nothing of what was presented is logged.
    assert not AuditEvent.objects.filter(detail__icontains="not-a-real").exists()


def test_a_session_cookie_alone_is_not_a_credential(client, clinician_a, patient_a):
    """The API is token-only: a signed-in browser (cookie) gets 401, so CSRF cannot apply."""
    client.force_login(clinician_a)
    assert client.get("/").status_code == 200  # the cookie is good for the pages
    assert client.get("/api/v1/patients").status_code == 401
    url = f"/api/v1/patients/{patient_a.public_id}"
    response = client.patch(
        url, {"version": 1, "given_name": "Forged"}, content_type="application/json"
    )
    assert response.status_code == 401
    assert client.get(f"/fhir/r4/Patient/{patient_a.public_id}").status_code == 401
    patient_a.refresh_from_db()
    assert patient_a.given_name != "Forged"
    assert patient_a.version == 1


def test_a_token_with_a_session_cookie_is_not_sent_to_sign_in_pages(client, clinician_a, clinic_a):
    """Cookie-session middlewares (time-outs, 2FA) leave token requests alone."""
    client.force_login(clinician_a)
    raw = issue(clinician_a, clinic_a)
    response = client.get("/api/v1/patients", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_revoke_service_is_audited_with_the_actor(clinician_a, clinic_a):
    issue(clinician_a, clinic_a)
    token = api_token_revoke(actor=None, prefix=ApiToken.objects.get().prefix)
    assert token.revoked_at is not None


def test_a_session_waiting_for_its_second_factor_does_not_block_a_token(
    client, clinician_a, clinic_a, settings
):
    """With two-factor required, a password-only session is sent to enrolment on every page;
    a request to the API with that cookie and a token is answered by the token alone."""
    settings.PROLOTRACK_REQUIRE_2FA = True
    client.force_login(clinician_a)
    assert client.get("/patients/").status_code == 302  # the page: enrol first
    raw = issue(clinician_a, clinic_a)
    response = client.get("/api/v1/patients", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    assert client.get("/api/v1/patients").status_code == 401  # the cookie alone: nothing
