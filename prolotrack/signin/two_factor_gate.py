"""The second step of sign-in: no page until the session has passed two-factor verification.

`TwoFactorMiddleware` (after django-otp's OTPMiddleware, which sets `user.otp_device` from the
session) lets a signed-in session through when it is verified, or when its user has no
authenticator and two-factor is not required. Otherwise the only pages are the verify page
(or the set-up page, when the user must enrol first), sign-out, the idle keep-alive, the
health check and the patients' questionnaire links; everything else, the Django admin too,
redirects there. Static files never reach it (WhiteNoise answers them first).

Whether the user has an authenticator is noted in the session at sign-in, so an ordinary
request costs no query; enrolment and a reset end the user's other sessions, so the note
cannot go stale in a live session.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django_htmx.http import HttpResponseClientRedirect
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from prolotrack.signin.sessions import sessions_end
from prolotrack.signin.two_factor import has_authenticator, two_factor_required
from prolotrack.web.middleware import TOKEN_PATHS

# Session key: True when the signed-in user has a confirmed authenticator.
ENROLLED = "signin.two_factor_enrolled"

OPEN_VIEWS = frozenset({"two_factor_verify", "logout", "session_keepalive", "health"})
OPEN_WHILE_ENROLLING = OPEN_VIEWS | {"two_factor_setup"}


def view_name(request: HttpRequest) -> str:
    try:
        return resolve(request.path_info).view_name
    except Resolver404:
        return ""


def session_pending(request: HttpRequest) -> str:
    """ "verify" or "enrol" when this signed-in session may not see pages yet, else ""."""
    user = request.user
    if not user.is_authenticated or getattr(user, "otp_device", None) is not None:
        return ""
    enrolled = request.session.get(ENROLLED)
    if enrolled is None:  # a session from before this note existed
        enrolled = has_authenticator(user)
        request.session[ENROLLED] = enrolled
    if enrolled:
        return "verify"
    return "enrol" if two_factor_required() else ""


def session_verified(
    request: HttpRequest, device: TOTPDevice | StaticDevice, *, enrolled_now: bool = False
) -> None:
    """Mark the session verified by `device` and give it a new key (ASVS 7.2.4). After an
    enrolment, the user's other sessions (signed in by password alone) end."""
    otp_login(request, device)
    request.session.cycle_key()
    request.session[ENROLLED] = True
    if enrolled_now and request.user.pk is not None:
        sessions_end(request.user.pk, keep=request.session.session_key)


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(TOKEN_PATHS):  # bearer tokens only; a cookie is no credential
            return self.get_response(request)
        pending = session_pending(request)
        if not pending:
            return self.get_response(request)
        request.two_factor_pending = True  # type: ignore[attr-defined]  # base.html hides the menu
        name = view_name(request)
        if name.startswith("portal_") or name in (
            OPEN_VIEWS if pending == "verify" else OPEN_WHILE_ENROLLING
        ):
            return self.get_response(request)
        url = reverse("two_factor_verify" if pending == "verify" else "two_factor_setup")
        if request.method == "GET":
            url += "?" + urlencode({"next": request.get_full_path()})
        if request.headers.get("HX-Request") == "true":
            return HttpResponseClientRedirect(url)
        return redirect(url)
