"""Creating, revoking and checking API tokens; each create, revoke and refusal is audited.

A token is `ptk_` followed by 43 random URL-safe characters (256 bits, `secrets`). It is shown
once; the database keeps its SHA-256 (a fast hash is enough for a random secret of this
length: there is nothing to guess from a dictionary) and the first 12 characters as a prefix
for lists and revocation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from prolotrack.api.models import ApiToken
from prolotrack.api.scopes import UnknownScope, parse_scopes
from prolotrack.audit.models import Outcome
from prolotrack.audit.services import audit_record
from prolotrack.clinics.access import role_in
from prolotrack.clinics.models import Clinic, User
from prolotrack.core.actor import Actor
from prolotrack.core.errors import ApplicationError, InvalidInput, NotFound

TOKEN_MARK = "ptk_"  # noqa: S105 (a marker for secret scanners, not a secret)
PREFIX_LENGTH = 12
MAX_DAYS = 365
# last_used_at is written at most this often per token (a write on every request would cost).
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class TokenContext:
    """Who a request with a valid token acts as: the user, in one clinic, with one role."""

    token: ApiToken
    user: User
    clinic: Clinic
    role: str
    scopes: frozenset[str]
    client_address: str

    @property
    def actor(self) -> Actor:
        return Actor(user=self.user, client_address=self.client_address, channel="api")


class AuthenticationFailed(ApplicationError):
    """No usable token: missing, unknown, expired, revoked, or its user may no longer act."""

    def __init__(self, reason: str) -> None:
        super().__init__("A valid API token is required (Authorization: Bearer <token>).")
        self.reason = reason


@transaction.atomic
def api_token_create(
    *,
    actor: Actor | None,
    user: User,
    clinic: Clinic,
    scopes: Iterable[str],
    days: int,
    name: str = "",
) -> tuple[ApiToken, str]:
    """A new token for `user` in `clinic`; returns the row and the token text (shown once)."""
    try:
        granted = parse_scopes(scopes)
    except UnknownScope as error:
        raise InvalidInput(str(error), field="scopes") from None
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput(f"A token lasts 1 to {MAX_DAYS} days.", field="days")
    if not user.is_active or role_in(user, clinic.id) is None:
        raise InvalidInput("This user has no active membership in this clinic.", field="user")
    while True:  # a prefix collision (48 random bits) is astronomically rare; draw again
        raw = TOKEN_MARK + secrets.token_urlsafe(32)
        if not ApiToken.objects.filter(prefix=raw[:PREFIX_LENGTH]).exists():
            break
    token = ApiToken(
        user=user,
        clinic=clinic,
        name=name.strip()[:100],
        prefix=raw[:PREFIX_LENGTH],
        token_hash=token_hash(raw),
        scopes=list(granted),
        expires_at=timezone.now() + dt.timedelta(days=days),
    )
    token.full_clean()
    token.save()
    audit_record(
        actor=actor,
        action="api_token.create",
        clinic_id=clinic.id,
        target=token,
        detail={"prefix": token.prefix, "user": user.username, "scopes": list(granted)},
        channel=None if actor is not None else "cli",
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, actor: Actor | None, prefix: str) -> ApiToken:
    token = ApiToken.objects.select_for_update(no_key=True).filter(prefix=prefix.strip()).first()
    if token is None:
        raise NotFound("No API token with this prefix.")
    if token.revoked_at is not None:
        raise InvalidInput("This token is already revoked.")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor,
        action="api_token.revoke",
        clinic_id=token.clinic_id,
        target=token,
        detail={"prefix": token.prefix, "user": token.user.username},
        channel=None if actor is not None else "cli",
    )
    return token


def _refusal(token: ApiToken | None, raw: str) -> str:
    """Why a token is refused, or "" when it is good."""
    if token is None:
        return "missing" if not raw else "unknown"
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at <= timezone.now():
        return "expired"
    if not token.user.is_active:
        return "user_inactive"
    if role_in(token.user, token.clinic_id) is None:
        return "no_membership"
    return ""


def token_authenticate(raw: str, *, client_address: str) -> TokenContext:
    """The context of a valid token, or AuthenticationFailed (audited, nothing of the
    presented text is logged unless it matched a known token)."""
    token = None
    if raw:
        token = (
            ApiToken.objects.select_related("user", "clinic")
            .filter(token_hash=token_hash(raw))
            .first()
        )
    reason = _refusal(token, raw)
    if reason:
        with transaction.atomic():
            audit_record(
                actor=Actor(user=token.user, client_address=client_address, channel="api")
                if token is not None
                else None,
                action="api.auth_failed",
                clinic_id=token.clinic_id if token is not None else None,
                target=token,
                outcome=Outcome.DENIED,
                detail={"reason": reason, **({"prefix": token.prefix} if token else {})},
                channel="api",
                client_address=client_address,
            )
        raise AuthenticationFailed(reason)
    assert token is not None
    _touch(token)
    return TokenContext(
        token=token,
        user=token.user,
        clinic=token.clinic,
        role=role_in(token.user, token.clinic_id) or "",
        scopes=frozenset(token.scopes),
        client_address=client_address,
    )


def _touch(token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(id=token.id).update(last_used_at=now)
        token.last_used_at = now
