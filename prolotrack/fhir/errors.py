"""Every FHIR error is an OperationOutcome (application/fhir+json), never HTML or a 500.

Status codes follow the FHIR http page and HAPI (security.md §4.3): structure 400, business
rule 422, unknown id 404, unsupported interaction 405, stale If-Match 412, missing If-Match 428.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse
from fhir.resources.R4B.operationoutcome import OperationOutcome

FHIR_JSON = "application/fhir+json; charset=utf-8"


class FhirError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        diagnostics: str,
        *,
        expression: list[str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(diagnostics)
        self.status = status
        self.code = code
        self.diagnostics = diagnostics
        self.expression = expression or []
        self.headers = headers or {}


def fhir_response(resource: dict[str, Any], *, status: int = 200) -> HttpResponse:
    return HttpResponse(
        json.dumps(resource, ensure_ascii=False), status=status, content_type=FHIR_JSON
    )


def printable(text: str, limit: int = 300) -> str:
    """Text that may echo client input, made safe for an OperationOutcome string: printable
    characters only (others as U+FFFD), bounded, never empty."""
    cleaned = "".join(c if c.isprintable() else "\ufffd" for c in text[:limit]).strip()
    return cleaned or "?"


def outcome_response(
    status: int,
    issues: list[tuple[str, str, list[str]]],
    *,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    """Issues as (code, diagnostics, expression); severity is always `error`."""
    issue_list = []
    for code, diagnostics, expression in issues:
        issue: dict[str, Any] = {
            "severity": "error",
            "code": code,
            "diagnostics": printable(diagnostics),
        }
        paths = [printable(path, 100) for path in expression if path.strip()]
        if paths:
            issue["expression"] = paths
        issue_list.append(issue)
    outcome = OperationOutcome.model_validate(
        {"resourceType": "OperationOutcome", "issue": issue_list}
    )
    response = HttpResponse(outcome.model_dump_json(exclude_none=True), status=status)
    response["Content-Type"] = FHIR_JSON
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def error_response(error: FhirError) -> HttpResponse:
    return outcome_response(
        error.status, [(error.code, error.diagnostics, error.expression)], headers=error.headers
    )


def validation_issues(error: Any) -> list[tuple[str, str, list[str]]]:
    """A pydantic ValidationError from fhir.resources as OperationOutcome issues."""
    issues = []
    for item in error.errors(include_url=False)[:20]:
        path = ".".join(str(part) for part in item.get("loc", ()) if part != "__root__")
        message = " ".join(str(item.get("msg", "invalid")).split())
        issues.append(("structure", message, [path] if path else []))
    return issues or [("structure", "The resource is not valid.", [])]
