"""Session limits: 15 minutes idle, 12 hours from sign-in (ONC (d)(5); ASVS 7.3.1/7.3.2).

The time of sign-in and of the last request are kept in the session itself. A request past
either limit ends that session (the others of the same user are untouched) and goes on as
anonymous, so a page that needs sign-in redirects to the login form and shows nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse

from prolotrack.audit.services import audit_record
from prolotrack.core.actor import Actor
from prolotrack.signin.sessions import LAST_SEEN, SIGNED_IN_AT


def idle_seconds() -> int:
    return int(settings.PROLOTRACK_SESSION_IDLE_SECONDS)


def absolute_seconds() -> int:
    return int(settings.PROLOTRACK_SESSION_ABSOLUTE_SECONDS)


class SessionTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            session = request.session
            now = time.time()
            signed_in_at = float(session.get(SIGNED_IN_AT, now))
            last_seen = float(session.get(LAST_SEEN, now))
            reason = ""
            if now - signed_in_at > absolute_seconds():
                reason = "absolute"
            elif now - last_seen > idle_seconds():
                reason = "idle"
            if reason:
                session.flush()
                request.user = AnonymousUser()
                audit_record(
                    actor=Actor(user=user, client_address=str(request.META.get("REMOTE_ADDR", ""))),
                    action="auth.session_expired",
                    detail={"reason": reason},
                )
            else:
                if SIGNED_IN_AT not in session:
                    session[SIGNED_IN_AT] = signed_in_at
                # Saving the session on every request would cost a write each time; a clock
                # that lags by up to the resolution only ends an idle session sooner, never later.
                resolution = int(settings.PROLOTRACK_SESSION_ACTIVITY_RESOLUTION_SECONDS)
                if LAST_SEEN not in session or now - last_seen >= resolution:
                    session[LAST_SEEN] = now
        return self.get_response(request)


def session_timeout(request: HttpRequest) -> dict[str, int]:
    """Template context: the limits the idle warning script counts down from."""
    return {
        "session_idle_seconds": idle_seconds(),
        "session_warn_seconds": int(settings.PROLOTRACK_SESSION_WARN_SECONDS),
    }
