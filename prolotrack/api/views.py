"""The JSON API, /api/v1/ (django-ninja; see docs/api.md and docs/decisions/0002-api.md).

Each operation: the token's context (auth), the rule from permissions.API_MATRIX (scope, then
role), one selector or service, the answer. Writes go through the same services as the pages.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Query, Status
from pydantic import Field

from prolotrack.api import errors, selectors
from prolotrack.api.access import access_adverse_event_for, access_patient_for, require_grant
from prolotrack.api.auth import BearerToken
from prolotrack.api.schemas import (
    NULLABLE_EVENT_FIELDS,
    AdverseEventConflict,
    AdverseEventOut,
    AdverseEventPatch,
    Error,
    PatientConflict,
    PatientOut,
    PatientPage,
    PatientPatch,
    PatientSearch,
    Strict,
)
from prolotrack.api.tokens import TokenContext
from prolotrack.audit.models import Outcome
from prolotrack.audit.services import audit_record
from prolotrack.core.errors import ApplicationError, Conflict
from prolotrack.patients.models import Patient
from prolotrack.patients.services import patient_update
from prolotrack.safety.events import adverse_event_update
from prolotrack.safety.models import AdverseEvent

api = NinjaAPI(
    title="prolotrack API",
    version="1",
    description="Patients and adverse events of one clinic, for a bearer token. See docs/api.md.",
    urls_namespace="api_v1",
    auth=BearerToken(),
    docs_url=None,
)
errors.install(api)

COMMON = {400: Error, 401: Error, 403: Error, 404: Error, 413: Error, 422: Error}


class PageQuery(Strict):
    page: int = Field(1, ge=1, le=10_000)
    page_size: int = Field(20, ge=1, le=100)


def context_of(request: HttpRequest) -> TokenContext:
    context = getattr(request, "auth", None)
    assert isinstance(context, TokenContext)
    return context


def patient_out(patient: Patient) -> dict[str, Any]:
    return {
        "id": patient.public_id,
        "mrn": patient.mrn,
        "given_name": patient.given_name,
        "family_name": patient.family_name,
        "date_of_birth": patient.date_of_birth,
        "sex": patient.sex,
        "email": patient.email,
        "phone": patient.phone,
        "knees": patient.knees,
        "version": patient.version,
        "updated_at": patient.updated_at,
    }


def event_out(event: AdverseEvent) -> dict[str, Any]:
    return {
        "id": event.public_id,
        "patient_id": event.patient.public_id,
        "course_id": event.course.public_id,
        "session_id": event.session.public_id if event.session else None,
        "term": event.term,
        "other_term": event.other_term,
        "onset_on": event.onset_on,
        "grade": event.grade,
        "serious": event.is_serious,
        "serious_criteria": event.serious_criteria,
        "relatedness": event.relatedness,
        "action_taken": event.action_taken,
        "outcome": event.outcome,
        "resolved_on": event.resolved_on,
        "reported_by_patient": event.reported_by_patient,
        "confirmed": event.confirmed_at is not None,
        "reviewed": event.reviewed_at is not None,
        "notes": event.notes,
        "version": event.version,
        "updated_at": event.updated_at,
    }


def _page(page: selectors.PatientPage) -> dict[str, Any]:
    return {
        "items": [patient_out(p) for p in page.patients],
        "page": page.page,
        "page_size": page.page_size,
        "total": page.total,
    }


def _changes(body: Strict, *, nullable: frozenset[str] = frozenset()) -> tuple[int, dict[str, Any]]:
    changes = body.model_dump(exclude_unset=True)
    version = int(changes.pop("version"))
    nulls = sorted(
        name for name, value in changes.items() if value is None and name not in nullable
    )
    if nulls:
        raise ApplicationError("This field may be left out but not null.", field=nulls[0])
    return version, changes


def _conflict_audit(context: TokenContext, action: str, target: Patient | AdverseEvent) -> None:
    patient_id = target.id if isinstance(target, Patient) else target.patient_id
    with transaction.atomic():
        audit_record(
            actor=context.actor,
            action=action,
            clinic_id=target.clinic_id,
            patient_id=patient_id,
            target=target,
            outcome=Outcome.FAILED,
            detail={"reason": "stale version", "token": context.token.prefix},
        )


@api.get("/patients", response={200: PatientPage, **COMMON}, url_name="api_patients")
def patients_list(request: HttpRequest, paging: Query[PageQuery]) -> dict[str, Any]:
    """The clinic's patients by name, a page at a time (at most 100)."""
    context = context_of(request)
    require_grant(context, "api_patients", "GET")
    found = selectors.patient_page(
        context, query="", page=paging.page, page_size=paging.page_size, action="patient.list"
    )
    return _page(found)


@api.post("/patients/search", response={200: PatientPage, **COMMON}, url_name="api_patient_search")
def patients_search(request: HttpRequest, body: PatientSearch) -> dict[str, Any]:
    """Search by name or MRN; the text goes in the body, never the URL, and is not logged."""
    context = context_of(request)
    require_grant(context, "api_patient_search", "POST")
    found = selectors.patient_page(
        context,
        query=body.query,
        page=body.page,
        page_size=body.page_size,
        action="patient.search",
    )
    return _page(found)


@api.get("/patients/{patient_id}", response={200: PatientOut, **COMMON}, url_name="api_patient")
def patient_get(request: HttpRequest, patient_id: str, response: HttpResponse) -> dict[str, Any]:
    """One patient; `version` (also in the ETag) is what a PATCH must send back."""
    context = context_of(request)
    patient = access_patient_for(context, patient_id, "api_patient", "GET")
    selectors.patient_read(context, patient, action="patient.read")
    response["ETag"] = f'W/"{patient.version}"'
    return patient_out(patient)


@api.patch(
    "/patients/{patient_id}",
    response={200: PatientOut, 409: PatientConflict, **COMMON},
    url_name="api_patient",
)
def patient_patch(
    request: HttpRequest, patient_id: str, body: PatientPatch, response: HttpResponse
) -> Any:
    """Change demographics. A stale `version` gets 409 with the current record."""
    context = context_of(request)
    patient = access_patient_for(context, patient_id, "api_patient", "PATCH")
    version, changes = _changes(body)
    try:
        patient = patient_update(
            actor=context.actor, patient=patient, expected_version=version, **changes
        )
    except Conflict as conflict:
        current = access_patient_for(context, patient_id, "api_patient", "PATCH")
        _conflict_audit(context, "patient.update_conflict", current)
        return Status(409, {"detail": conflict.message, "current": patient_out(current)})
    response["ETag"] = f'W/"{patient.version}"'
    return patient_out(patient)


@api.get(
    "/patients/{patient_id}/adverse-events",
    response={200: list[AdverseEventOut], **COMMON},
    url_name="api_patient_adverse_events",
)
def patient_adverse_events(request: HttpRequest, patient_id: str) -> list[dict[str, Any]]:
    """The patient's adverse events, newest onset first."""
    context = context_of(request)
    grant_route = "api_patient_adverse_events"
    patient = access_patient_for(context, patient_id, grant_route, "GET")
    return [event_out(event) for event in selectors.adverse_events_of(context, patient)]


@api.get(
    "/adverse-events/{event_id}",
    response={200: AdverseEventOut, **COMMON},
    url_name="api_adverse_event",
)
def adverse_event_get(request: HttpRequest, event_id: str, response: HttpResponse) -> Any:
    context = context_of(request)
    event = access_adverse_event_for(context, event_id, "api_adverse_event", "GET")
    selectors.adverse_event_read(context, event)
    response["ETag"] = f'W/"{event.version}"'
    return event_out(event)


@api.patch(
    "/adverse-events/{event_id}",
    response={200: AdverseEventOut, 409: AdverseEventConflict, **COMMON},
    url_name="api_adverse_event",
)
def adverse_event_patch(
    request: HttpRequest, event_id: str, body: AdverseEventPatch, response: HttpResponse
) -> Any:
    """Follow a confirmed event up. A stale `version` gets 409 with the current event."""
    context = context_of(request)
    event = access_adverse_event_for(context, event_id, "api_adverse_event", "PATCH")
    version, changes = _changes(body, nullable=NULLABLE_EVENT_FIELDS)
    try:
        event = adverse_event_update(
            actor=context.actor, event=event, expected_version=version, **changes
        )
    except Conflict as conflict:
        current = access_adverse_event_for(context, event_id, "api_adverse_event", "PATCH")
        _conflict_audit(context, "adverse_event.update_conflict", current)
        return Status(409, {"detail": conflict.message, "current": event_out(current)})
    response["ETag"] = f'W/"{event.version}"'
    return event_out(event)
