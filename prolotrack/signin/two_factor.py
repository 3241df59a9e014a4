"""TOTP two-factor authentication (ASVS 6.3.2, 6.5.1; ONC (d)(13)) with django-otp.

A user enrols one TOTP device (RFC 6238: 30 s step, 6 digits, one step of tolerance) and gets
10 single-use recovery codes (a django-otp static device). Every code is checked through the
device under a row lock: a TOTP code is accepted once (the device keeps the step it last
accepted, `last_t`), a recovery code is deleted when used, and wrong codes throttle the device
(django-otp's ThrottlingMixin: 1, 2, 4, 8 ... seconds after 1, 2, 3, 4 ... failures).

Failed checks are results, not exceptions: the failure count and the audit event must commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from prolotrack.audit.models import Outcome
from prolotrack.audit.services import audit_record
from prolotrack.clinics.models import User
from prolotrack.core.actor import Actor

RECOVERY_CODE_COUNT = 10
TOTP_DIGITS = 6
TOTP_STEP_SECONDS = 30
RECOVERY_DEVICE_NAME = "Recovery codes"
AUTHENTICATOR_DEVICE_NAME = "Authenticator app"


def two_factor_required() -> bool:
    """PROLOTRACK_REQUIRE_2FA: every account must enrol before it reaches any page."""
    return bool(getattr(settings, "PROLOTRACK_REQUIRE_2FA", False))


def has_authenticator(user: User) -> bool:
    return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists())


def recovery_codes_left(user: User) -> int:
    return int(StaticToken.objects.filter(device__user=user, device__confirmed=True).count())


def normalised(code: str) -> str:
    """What the user typed, without spaces or hyphens (apps show codes as `123 456`)."""
    return "".join(code.split()).replace("-", "").lower()


def is_totp_code(code: str) -> bool:
    return len(code) == TOTP_DIGITS and code.isdigit()


@dataclass(frozen=True)
class Verification:
    """The outcome of one code: the device that accepted it, or why it was refused."""

    device: TOTPDevice | StaticDevice | None
    method: str  # totp | recovery
    refusal: str = ""  # wrong_code | throttled | no_device
    wait_seconds: int = 0

    @property
    def ok(self) -> bool:
        return self.device is not None


def totp_device_pending(*, user: User) -> TOTPDevice:
    """The user's unconfirmed authenticator (made on first call): its key is shown until the user
    confirms it with a code. An unconfirmed device verifies nobody's sign-in."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=user,
            name=AUTHENTICATOR_DEVICE_NAME,
            confirmed=False,
            step=TOTP_STEP_SECONDS,
            digits=TOTP_DIGITS,
        )
    return device


def _check(device: TOTPDevice | StaticDevice, code: str) -> tuple[bool, str, int]:
    """Verify under the caller's row lock: (accepted, refusal, seconds to wait)."""
    allowed, data = device.verify_is_allowed()
    if not allowed:
        locked_until = (data or {}).get("locked_until")
        wait = int((locked_until - timezone.now()).total_seconds()) + 1 if locked_until else 1
        return False, "throttled", max(wait, 1)
    if device.verify_token(code):
        return True, "", 0
    return False, "wrong_code", 0


def _audit_failure(actor: Actor, verification: Verification, purpose: str, failures: int) -> None:
    audit_record(
        actor=actor,
        action="auth.2fa_failed",
        outcome=Outcome.DENIED if verification.refusal == "throttled" else Outcome.FAILED,
        detail={
            "method": verification.method,
            "reason": verification.refusal,
            "purpose": purpose,
            "consecutive_failures": failures,
        },
    )


@transaction.atomic
def two_factor_verify(*, actor: Actor, code: str, purpose: str = "sign_in") -> Verification:
    """Check a TOTP code (six digits) or a recovery code against the user's confirmed devices.

    `purpose` (sign_in | recovery_codes) goes into the audit event. `recovery_codes` accepts
    authenticator codes only: a new set of recovery codes needs the authenticator.
    """
    code = normalised(code)
    method = "totp" if is_totp_code(code) else "recovery"
    model: type[TOTPDevice] | type[StaticDevice] = TOTPDevice if method == "totp" else StaticDevice
    device = (
        model.objects.select_for_update(no_key=True).filter(user=actor.user, confirmed=True).first()
    )
    if device is None or (method == "recovery" and purpose != "sign_in"):
        verification = Verification(None, method, "no_device" if device is None else "wrong_code")
        _audit_failure(actor, verification, purpose, 0)
        return verification
    accepted, refusal, wait = _check(device, code)
    if not accepted:
        verification = Verification(None, method, refusal, wait)
        _audit_failure(actor, verification, purpose, device.throttling_failure_count)
        return verification
    if method == "totp":
        audit_record(
            actor=actor, action="auth.2fa_verified", detail={"method": "totp", "purpose": purpose}
        )
    else:
        audit_record(
            actor=actor,
            action="auth.2fa_recovery_used",
            detail={"purpose": purpose, "codes_left": recovery_codes_left(actor.user)},
        )
    return Verification(device, method)


def _recovery_codes_issue(user: User) -> list[str]:
    """Replace the user's recovery codes with RECOVERY_CODE_COUNT new ones (shown once)."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@dataclass(frozen=True)
class Enrolment:
    verification: Verification
    recovery_codes: list[str]


@transaction.atomic
def totp_enrol(*, actor: Actor, device_id: int, code: str) -> Enrolment:
    """Confirm the pending authenticator with a code from it; issue the recovery codes."""
    user = actor.user
    device = (
        TOTPDevice.objects.select_for_update(no_key=True)
        .filter(pk=device_id, user=user, confirmed=False)
        .first()
    )
    if device is None:
        verification = Verification(None, "totp", "no_device")
        _audit_failure(actor, verification, "enrol", 0)
        return Enrolment(verification, [])
    accepted, refusal, wait = _check(device, normalised(code))
    if not accepted:
        verification = Verification(None, "totp", refusal, wait)
        _audit_failure(actor, verification, "enrol", device.throttling_failure_count)
        return Enrolment(verification, [])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _recovery_codes_issue(user)
    audit_record(actor=actor, action="auth.2fa_enrolled", detail={"recovery_codes": len(codes)})
    return Enrolment(Verification(device, "totp"), codes)


@transaction.atomic
def recovery_codes_regenerate(*, actor: Actor, code: str) -> Enrolment:
    """New recovery codes (the old ones stop working), for a current authenticator code."""
    verification = two_factor_verify(actor=actor, code=code, purpose="recovery_codes")
    if not verification.ok:
        return Enrolment(verification, [])
    codes = _recovery_codes_issue(actor.user)
    audit_record(
        actor=actor, action="auth.2fa_recovery_codes_issued", detail={"recovery_codes": len(codes)}
    )
    return Enrolment(verification, codes)


@transaction.atomic
def two_factor_reset(*, user: User, actor: Actor | None = None, channel: str = "cli") -> int:
    """Remove every device of `user` (lost phone): the next sign-in is by password, and enrolment
    starts again (forced when two-factor is required). Returns how many devices were removed.
    The caller ends the user's sessions."""
    removed = 0
    for model in (TOTPDevice, StaticDevice):
        devices = model.objects.filter(user=user)
        removed += devices.count()
        devices.delete()
    detail: dict[str, Any] = {"devices_removed": removed}
    audit_record(actor=actor, action="auth.2fa_reset", target=user, detail=detail, channel=channel)
    return removed
