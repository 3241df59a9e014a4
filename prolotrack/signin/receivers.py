"""Signal receivers: audit failed sign-ins and lockouts; end sessions when they must end.

- a failed sign-in and an axes lockout each write one audit event (with the client address);
- sign-in stamps the session with its start (for the 12-hour limit);
- sign-out, deactivation and a password change end every session of that user.
"""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save, pre_save
from django.http import HttpRequest

from prolotrack.audit.models import Outcome
from prolotrack.audit.services import audit_record
from prolotrack.clinics.models import User
from prolotrack.core.actor import Actor
from prolotrack.signin.sessions import LAST_SEEN, SIGNED_IN_AT, sessions_end
from prolotrack.signin.two_factor import has_authenticator
from prolotrack.signin.two_factor_gate import ENROLLED

USERNAME_LIMIT = 150


def client_address(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return str(request.META.get("REMOTE_ADDR", ""))[:64]


def _claimed(
    username: str | None, request: HttpRequest | None
) -> tuple[Actor | None, dict[str, Any]]:
    """The account a sign-in attempt names (if it exists) and what to keep about the attempt."""
    name = (username or "")[:USERNAME_LIMIT]
    user = User.objects.filter(username__iexact=name).first() if name else None
    actor = Actor(user=user, client_address=client_address(request)) if user else None
    return actor, {"username": name, "known_user": user is not None}


def on_login_failed(
    sender: object, credentials: dict[str, Any], request: HttpRequest | None = None, **_: Any
) -> None:
    actor, detail = _claimed(credentials.get("username"), request)
    audit_record(
        actor=actor,
        action="auth.login_failed",
        outcome=Outcome.FAILED,
        detail=detail,
        channel="web",
        client_address=client_address(request),
    )


def on_locked_out(
    sender: object,
    request: HttpRequest | None = None,
    username: str | None = None,
    ip_address: str | None = None,
    **_: Any,
) -> None:
    actor, detail = _claimed(username, request)
    audit_record(
        actor=actor,
        action="auth.lockout",
        outcome=Outcome.DENIED,
        detail=detail,
        channel="web",
        client_address=(ip_address or client_address(request))[:64],
    )


def on_logged_in(sender: object, request: HttpRequest, user: User, **_: Any) -> None:
    now = time.time()
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN] = now
    # Whether the second step is due, noted once here instead of queried on every request.
    request.session[ENROLLED] = has_authenticator(user)


def on_logged_out(sender: object, request: HttpRequest, user: User | None, **_: Any) -> None:
    if user is not None and user.pk is not None:
        sessions_end(user.pk)


def remember_sign_in_fields(sender: type[User], instance: User, **kwargs: Any) -> None:
    """Before a save: note whether it deactivates the account or changes the password."""
    update_fields = kwargs.get("update_fields")
    if instance.pk is None or (
        update_fields is not None and not {"password", "is_active"} & set(update_fields)
    ):
        instance._signin_ends_sessions = False  # type: ignore[attr-defined]
        return
    stored = User.objects.filter(pk=instance.pk).values("password", "is_active").first()
    instance._signin_ends_sessions = stored is not None and (  # type: ignore[attr-defined]
        stored["password"] != instance.password or (stored["is_active"] and not instance.is_active)
    )


def end_sessions_after_save(sender: type[User], instance: User, **_: Any) -> None:
    if getattr(instance, "_signin_ends_sessions", False):
        instance._signin_ends_sessions = False  # type: ignore[attr-defined]
        sessions_end(instance.pk)


def connect() -> None:
    from axes.signals import user_locked_out

    user_login_failed.connect(on_login_failed, dispatch_uid="signin.login_failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="signin.locked_out")
    user_logged_in.connect(on_logged_in, dispatch_uid="signin.logged_in")
    user_logged_out.connect(on_logged_out, dispatch_uid="signin.logged_out")
    pre_save.connect(remember_sign_in_fields, sender=User, dispatch_uid="signin.pre_save")
    post_save.connect(end_sessions_after_save, sender=User, dispatch_uid="signin.post_save")
