"""The Content-Security-Policy: no inline script can run, and our templates need none.

The browser tests enforce the same policy in Chromium and fail on any reported violation
(tests/browser/conftest.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import prolotrack

TEMPLATES = Path(prolotrack.__file__).parent / "web" / "templates"
# An inline event handler attribute (onclick=, onload=, ...) or htmx's hx-on (evaluated code).
HANDLER = re.compile(r"""\s(on[a-z]+|hx-on[:\w-]*)\s*=\s*["']""", re.IGNORECASE)
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)


def _directives(header: str) -> dict[str, list[str]]:
    parts = (part.strip().split() for part in header.split(";") if part.strip())
    return {words[0]: words[1:] for words in parts}


@pytest.mark.parametrize("path", ["/login/", "/health/", "/q/not-a-token/"])
def test_every_response_carries_a_policy_without_inline_scripts(client, db, path):
    header = client.get(path)["Content-Security-Policy"]
    directives = _directives(header)
    assert directives["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in directives["script-src"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]


def test_signed_in_pages_carry_it_too(client, clinician_a):
    client.force_login(clinician_a)
    response = client.get("/patients/")
    assert response.status_code == 200
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_templates_have_no_inline_scripts_or_handlers():
    offenders = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        for match in SCRIPT_TAG.finditer(text):
            attributes = match.group(1)
            if "src=" not in attributes and 'type="application/json"' not in attributes:
                offenders.append(f"{template.name}: inline <script>")
        offenders.extend(f"{template.name}: {m.group(1)}=" for m in HANDLER.finditer(text))
    assert offenders == []


def test_the_scan_finds_what_it_looks_for():
    """The scan itself is not vacuous: it flags each kind of offence."""
    sample = '<script>alert(1)</script><a onclick="x()"></a><b hx-on:click="y()"></b>'
    assert len(SCRIPT_TAG.findall(sample)) == 1
    assert [m.group(1) for m in HANDLER.finditer(sample)] == ["onclick", "hx-on:click"]


def test_error_pages_carry_the_headers_too(client, clinician_a):
    client.force_login(clinician_a)
    missing = client.get("/patients/00000000-0000-4000-8000-000000000000/")
    assert missing.status_code == 404
    denied = client.get("/outbox/")
    assert denied.status_code in (403, 404)
    for response in (missing, denied):
        assert "object-src 'none'" in response["Content-Security-Policy"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Frame-Options"] == "DENY"
        assert response["Cache-Control"] == "no-store"
