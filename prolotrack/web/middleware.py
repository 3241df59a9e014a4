"""Response headers every authenticated page needs."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

# The JSON and FHIR APIs authenticate by bearer token, not by session: no-store for them too.
TOKEN_PATHS = ("/api/", "/fhir/")


class NoStoreForAuthenticatedMiddleware:
    """Patient data must not stay in browser or proxy caches (ONC (d)(7)(ii), ASVS 14.3.2)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.user.is_authenticated or request.path.startswith(TOKEN_PATHS):
            response["Cache-Control"] = "no-store"
        return response
