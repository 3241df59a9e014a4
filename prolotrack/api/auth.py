"""Bearer tokens only: a session cookie alone is not a credential here, so CSRF (a cookie
attack) does not apply to the API and the views are CSRF-exempt."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from prolotrack.api.tokens import TokenContext, token_authenticate


def bearer_token(request: HttpRequest) -> str:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def client_address(request: HttpRequest) -> str:
    # REMOTE_ADDR is the proxy's address behind a reverse proxy (as in web/actors.py).
    return str(request.META.get("REMOTE_ADDR", ""))


def authenticate_request(request: HttpRequest) -> TokenContext:
    """The token's context, or AuthenticationFailed (audited) for anything else."""
    return token_authenticate(bearer_token(request), client_address=client_address(request))


class BearerToken(HttpBearer):
    """django-ninja's bearer scheme (it documents the scheme in the OpenAPI document), with
    every refusal, a missing header included, raised and audited by `token_authenticate`."""

    def __call__(self, request: HttpRequest) -> TokenContext:
        return authenticate_request(request)

    def authenticate(self, request: HttpRequest, token: str) -> TokenContext:
        return authenticate_request(request)
