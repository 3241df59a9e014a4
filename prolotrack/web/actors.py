"""Who is asking: the signed-in user and the Actor the services audit."""

from __future__ import annotations

from django.http import HttpRequest

from prolotrack.clinics.models import User
from prolotrack.core.actor import Actor
from prolotrack.core.errors import AccessDenied


def current_user(request: HttpRequest) -> User:
    """The signed-in user; every view but login sits behind `login_required`."""
    user = request.user
    if not isinstance(user, User):
        raise AccessDenied("Sign in first.")
    return user


def actor_for(request: HttpRequest) -> Actor:
    # REMOTE_ADDR is the proxy's address behind a reverse proxy; a trusted-proxy setting
    # comes with deployment.
    return Actor(
        user=current_user(request),
        client_address=request.META.get("REMOTE_ADDR", ""),
        channel="web",
    )
