"""The error hierarchy as JSON API answers, translated in one place (and denials audited)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI

from prolotrack.api.access import ScopeMissing
from prolotrack.api.tokens import AuthenticationFailed, TokenContext
from prolotrack.audit.models import Outcome
from prolotrack.audit.services import audit_record
from prolotrack.core.errors import AccessDenied, ApplicationError, Conflict, NotFound

REALM = 'Bearer realm="prolotrack"'


def validation_items(error: DjangoValidationError) -> list[dict[str, Any]]:
    """A model's ValidationError as field messages in the shape of ninja's 422."""
    if hasattr(error, "error_dict"):
        return [
            {"loc": ["body", name], "msg": message, "type": "value_error"}
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    return [{"loc": ["body"], "msg": message, "type": "value_error"} for message in error.messages]


def audit_refusal(request: HttpRequest, outcome: str) -> None:
    """A refused call with a valid token: who, which route, which method (no body, no text)."""
    context = getattr(request, "auth", None)
    if not isinstance(context, TokenContext):
        return
    match = request.resolver_match
    with transaction.atomic():
        audit_record(
            actor=context.actor,
            action="api.refused",
            clinic_id=context.clinic.id,
            outcome=outcome,
            detail={
                "route": match.url_name if match else "",
                "method": request.method or "",
                "token": context.token.prefix,
            },
        )


def install(api: NinjaAPI) -> None:
    @api.exception_handler(AuthenticationFailed)
    def unauthenticated(request: HttpRequest, error: AuthenticationFailed) -> HttpResponse:
        response = api.create_response(request, {"detail": error.message}, status=401)
        response["WWW-Authenticate"] = (
            REALM if error.reason == "missing" else f'{REALM}, error="invalid_token"'
        )
        return response

    @api.exception_handler(AccessDenied)
    def denied(request: HttpRequest, error: AccessDenied) -> HttpResponse:
        audit_refusal(request, Outcome.DENIED)
        response = api.create_response(request, {"detail": error.message}, status=403)
        if isinstance(error, ScopeMissing):
            response["WWW-Authenticate"] = (
                f'{REALM}, error="insufficient_scope", scope="{error.scope}"'
            )
        return response

    @api.exception_handler(NotFound)
    def not_found(request: HttpRequest, error: NotFound) -> HttpResponse:
        audit_refusal(request, Outcome.NOT_FOUND)
        return api.create_response(request, {"detail": "Not found."}, status=404)

    @api.exception_handler(Conflict)
    def conflict(request: HttpRequest, error: Conflict) -> HttpResponse:
        return api.create_response(request, {"detail": error.message}, status=409)

    @api.exception_handler(ApplicationError)
    def unprocessable(request: HttpRequest, error: ApplicationError) -> HttpResponse:
        location = ["body", error.field] if error.field else ["body"]
        item = {"loc": location, "msg": error.message, "type": "value_error"}
        return api.create_response(request, {"detail": [item]}, status=422)

    @api.exception_handler(RequestDataTooBig)
    def too_big(request: HttpRequest, error: RequestDataTooBig) -> HttpResponse:
        return api.create_response(
            request, {"detail": "The request body is too large."}, status=413
        )

    @api.exception_handler(DjangoValidationError)
    def invalid(request: HttpRequest, error: DjangoValidationError) -> HttpResponse:
        return api.create_response(request, {"detail": validation_items(error)}, status=422)
