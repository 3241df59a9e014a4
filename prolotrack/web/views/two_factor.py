"""The user's own two-factor pages: status, set-up, the sign-in verification step, and new
recovery codes. The rules and the audit are in prolotrack.signin.two_factor."""

from __future__ import annotations

from base64 import b32encode

import segno
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django_otp.plugins.otp_totp.models import TOTPDevice

from prolotrack.signin.two_factor import (
    RECOVERY_CODE_COUNT,
    Verification,
    has_authenticator,
    recovery_codes_left,
    recovery_codes_regenerate,
    totp_device_pending,
    totp_enrol,
    two_factor_required,
)
from prolotrack.signin.two_factor import two_factor_verify as code_verify
from prolotrack.signin.two_factor_gate import ENROLLED, session_verified
from prolotrack.web.actors import actor_for, current_user
from prolotrack.web.errors import page
from prolotrack.web.forms.two_factor import CodeForm
from prolotrack.web.views.rendering import posted

TOO_MANY = "Too many wrong codes. Wait {seconds} seconds, then try again."
WRONG_CODE = "That code is not right, or it has been used already. Try the next code."


def refusal_message(verification: Verification) -> str:
    if verification.refusal == "throttled":
        return TOO_MANY.format(seconds=verification.wait_seconds)
    return WRONG_CODE


def refusal_status(verification: Verification) -> int:
    return 429 if verification.refusal == "throttled" else 400


def safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("dashboard")


def qr_code_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL as an inline SVG drawn here (no script, no external image)."""
    svg = segno.make_qr(device.config_url, error="m").svg_inline(
        scale=5, light="#fff", title="QR code for your authenticator app"
    )
    return mark_safe(svg)  # noqa: S308 (segno's own markup: paths only, no user text)


def grouped(text: str, size: int = 4) -> str:
    return " ".join(text[i : i + size] for i in range(0, len(text), size))


def show_codes(request: HttpRequest, codes: list[str], title: str) -> HttpResponse:
    return render(
        request, "web/two_factor/recovery_codes_shown.html", {"codes": codes, "title": title}
    )


@page("GET")
def two_factor_overview(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    return render(
        request,
        "web/two_factor/overview.html",
        {
            "enrolled": has_authenticator(user),
            "required": two_factor_required(),
            "codes_left": recovery_codes_left(user),
        },
    )


@page("GET", "POST")
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if has_authenticator(user):
        messages.info(request, "Two-factor authentication is already set up.")
        return redirect("two_factor_overview")
    device = totp_device_pending(user=user)
    form = CodeForm(posted(request), help_text="The six digits your app shows now.")
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            enrolment = totp_enrol(
                actor=actor_for(request), device_id=device.pk, code=form.cleaned_data["code"]
            )
            verified = enrolment.verification
            if verified.device is not None:
                session_verified(request, verified.device, enrolled_now=True)
                return show_codes(request, enrolment.recovery_codes, "Two-factor is on")
            form.add_error("code", refusal_message(verified))
            status = refusal_status(verified)
    context = {
        "form": form,
        "qr_code": qr_code_svg(device),
        "secret": grouped(b32encode(device.bin_key).decode("ascii")),
        "required": two_factor_required(),
    }
    return render(request, "web/two_factor/setup.html", context, status=status)


@page("GET", "POST")
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if getattr(user, "otp_device", None) is not None:
        return redirect(safe_next(request))
    if not has_authenticator(user):
        request.session[ENROLLED] = False
        return redirect(safe_next(request))
    form = CodeForm(
        posted(request),
        help_text=f"From your authenticator app, or one of your {RECOVERY_CODE_COUNT} "
        "recovery codes.",
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            verified = code_verify(actor=actor_for(request), code=form.cleaned_data["code"])
            if verified.device is not None:
                session_verified(request, verified.device)
                if verified.method == "recovery":
                    messages.warning(
                        request,
                        f"You signed in with a recovery code; {recovery_codes_left(user)} "
                        "are left. Make new ones under Two-factor.",
                    )
                return redirect(safe_next(request))
            form.add_error("code", refusal_message(verified))
            status = refusal_status(verified)
    context = {"form": form, "next": safe_next(request)}
    return render(request, "web/two_factor/verify.html", context, status=status)


@page("GET", "POST")
def two_factor_recovery_codes(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if not has_authenticator(user):
        return redirect("two_factor_setup")
    form = CodeForm(posted(request), help_text="The six digits your authenticator app shows now.")
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            issued = recovery_codes_regenerate(
                actor=actor_for(request), code=form.cleaned_data["code"]
            )
            if issued.verification.ok:
                return show_codes(request, issued.recovery_codes, "New recovery codes")
            form.add_error("code", refusal_message(issued.verification))
            status = refusal_status(issued.verification)
    context = {"form": form, "codes_left": recovery_codes_left(user)}
    return render(request, "web/two_factor/recovery_codes.html", context, status=status)
