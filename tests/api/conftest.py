"""Tokens for the personas, and clients that send them."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from prolotrack.api.scopes import SCOPES
from prolotrack.api.tokens import api_token_create
from prolotrack.clinics.models import Clinic, User

ALL_SCOPES = tuple(SCOPES)


def issue(user: User, clinic: Clinic, scopes: tuple[str, ...] = ALL_SCOPES, days: int = 30) -> str:
    _token, raw = api_token_create(actor=None, user=user, clinic=clinic, scopes=scopes, days=days)
    return raw


class TokenClient:
    """A Django test client that sends `Authorization: Bearer <token>` and no cookie."""

    def __init__(self, raw: str | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {raw}"} if raw else {}

    def request(self, method: str, url: str, body: Any = None, **extra: Any) -> Any:
        headers = {**self.headers, **extra.pop("headers", {})}
        call = getattr(self.client, method.lower())
        if method in ("GET", "DELETE", "HEAD", "OPTIONS"):
            return call(url, body, headers=headers, **extra)
        content_type = extra.pop("content_type", "application/json")
        return call(url, body, content_type=content_type, headers=headers, **extra)

    def get(self, url: str, params: Any = None, **extra: Any) -> Any:
        return self.request("GET", url, params, **extra)

    def post(self, url: str, body: Any = None, **extra: Any) -> Any:
        return self.request("POST", url, body, **extra)

    def patch(self, url: str, body: Any = None, **extra: Any) -> Any:
        return self.request("PATCH", url, body, **extra)

    def put(self, url: str, body: Any = None, **extra: Any) -> Any:
        return self.request("PUT", url, body, **extra)


@pytest.fixture
def token_client():
    def make(user: User, clinic: Clinic, scopes: tuple[str, ...] = ALL_SCOPES) -> TokenClient:
        return TokenClient(issue(user, clinic, scopes))

    return make
