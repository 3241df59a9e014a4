"""FHIR search for Patient: parameters checked against a short list, the token's clinic only.

Identifying parameters (name, family, given, identifier, birthdate) are accepted only in the
body of `POST Patient/_search`, so they never sit in a URL or an access log; a GET with one is
refused (400), as is any parameter we do not support (strict handling: an ignored filter
would return everyone).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from django.db import models, transaction
from django.db.models import Q, QuerySet

from prolotrack.api.tokens import TokenContext
from prolotrack.audit.services import audit_disclosure, audit_record
from prolotrack.clinics.access import parse_public_id
from prolotrack.core.errors import NotFound
from prolotrack.fhir.errors import FhirError
from prolotrack.fhir.mappers import GENDERS, mrn_system
from prolotrack.patients.models import Patient
from prolotrack.patients.selectors import patients_for

Row = TypeVar("Row", bound=models.Model)
IDENTIFYING = frozenset({"name", "family", "given", "identifier", "birthdate"})
NON_IDENTIFYING = frozenset({"_id", "gender"})
PAGING = frozenset({"_count", "_offset", "_format"})
MAX_COUNT = 100
MAX_OFFSET = 100_000
MAX_VALUE = 100


@dataclass(frozen=True)
class Paging:
    count: int
    offset: int


def _number(values: Sequence[str], name: str, low: int, high: int, default: int) -> int:
    if not values:
        return default
    try:
        number = int(values[-1])
    except ValueError:
        number = low - 1
    if not low <= number <= high:
        raise FhirError(
            400, "value", f"{name} must be a whole number from {low} to {high}.", expression=[name]
        )
    return number


def paging_of(params: Mapping[str, Sequence[str]]) -> Paging:
    return Paging(
        count=_number(params.get("_count", []), "_count", 0, MAX_COUNT, 20),
        offset=_number(params.get("_offset", []), "_offset", 0, MAX_OFFSET, 0),
    )


def search_page(
    context: TokenContext,
    found: QuerySet[Row],
    paging: Paging,
    patient_id_of: Callable[[Row], int],
) -> tuple[list[Row], int]:
    """One page of a search and its total, audited as `fhir.search`: a disclosure of each
    patient on the page, or one event with no patient when the page is empty."""
    with transaction.atomic():
        total = found.count()
        rows = list(found[paging.offset : paging.offset + paging.count])
        detail = {"results": total, "returned": len(rows), "token": context.token.prefix}
        if rows:
            audit_disclosure(
                actor=context.actor,
                action="fhir.search",
                clinic_id=context.clinic.id,
                patient_ids=[patient_id_of(row) for row in rows],
                detail=detail,
            )
        else:
            audit_record(
                actor=context.actor,
                action="fhir.search",
                clinic_id=context.clinic.id,
                detail=detail,
            )
    return rows, total


def check_values(params: Mapping[str, Sequence[str]]) -> None:
    for name, values in params.items():
        for value in values:
            if len(value) > MAX_VALUE or "\x00" in value:
                raise FhirError(
                    400,
                    "value",
                    f"{name}: at most {MAX_VALUE} characters of text.",
                    expression=[name],
                )
    formats = params.get("_format", [])
    if any(value not in ("json", "application/fhir+json", "application/json") for value in formats):
        raise FhirError(406, "not-supported", "Only JSON is served.", expression=["_format"])


def patient_search(
    context: TokenContext, params: Mapping[str, Sequence[str]], *, identifying: bool
) -> QuerySet[Patient]:
    """The matching patients of the token's clinic (every parameter ANDed)."""
    check_values(params)
    allowed = NON_IDENTIFYING | PAGING | (IDENTIFYING if identifying else frozenset())
    for name in params:
        if name in IDENTIFYING and not identifying:
            raise FhirError(
                400,
                "security",
                f"Search by {name} with POST Patient/_search (form body): identifying values "
                "never go in a URL.",
                expression=[name],
            )
        if name not in allowed:
            raise FhirError(
                400, "not-supported", f"Unknown search parameter: {name}.", expression=[name]
            )
    found = Patient.objects.filter(clinic_id=context.clinic.id).select_related("clinic")
    for value in params.get("_id", []):
        found = found.filter(public_id__in=_ids(value))
    for value in params.get("gender", []):
        if value not in GENDERS:
            raise FhirError(
                400,
                "value",
                "gender must be female, male, other or unknown.",
                expression=["gender"],
            )
        found = found.filter(sex=value)
    for value in params.get("name", []):
        found = found.filter(id__in=patients_for(actor=context.actor, query=value).values("id"))
    for value in params.get("family", []):
        found = found.filter(family_name__icontains=value.strip())
    for value in params.get("given", []):
        found = found.filter(given_name__icontains=value.strip())
    for value in params.get("identifier", []):
        found = found.filter(_identifier(value, context))
    for value in params.get("birthdate", []):
        found = found.filter(date_of_birth=_date(value))
    return found.order_by("family_name", "given_name", "id")


def _ids(value: str) -> list[uuid.UUID]:
    ids = []
    for part in value.split(","):
        try:
            ids.append(parse_public_id(part.strip()))
        except NotFound:
            continue
    return ids


def _identifier(value: str, context: TokenContext) -> Q:
    system, bar, code = value.rpartition("|")
    if bar and system and system != mrn_system(context.clinic.public_id):
        return Q(pk__in=[])
    return Q(mrn__iexact=code.strip())


def _date(value: str) -> dt.date:
    text = value[2:] if value.startswith("eq") else value
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise FhirError(
            400, "value", "birthdate must be YYYY-MM-DD.", expression=["birthdate"]
        ) from None
