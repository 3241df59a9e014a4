"""One error hierarchy for the whole application, translated once per interface.

Web views turn these into form errors or 404/403/409 pages, the CLI into exit code 2
with one line on stderr, and FHIR (later) into an OperationOutcome.
"""

from __future__ import annotations


class ApplicationError(Exception):
    """Base of every error a service raises on purpose."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(ApplicationError):
    """Missing, or in a clinic the acting user may not see: the two look the same."""


class AccessDenied(ApplicationError):
    """The acting user's role may not perform this action in this clinic."""


class Conflict(ApplicationError):
    """A stale edit: the record changed since the form was opened."""


class InvalidInput(ApplicationError):
    """Input that no form or model could accept (CLI arguments, imports)."""
