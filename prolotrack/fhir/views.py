"""FHIR R4 handlers, /fhir/r4/: thin, each one rule of api.permissions, one selector or service.

`fhir_endpoint` does what every handler needs: the allowed methods (405 otherwise), the bearer
token (401), and the translation of every error into an OperationOutcome.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, QueryDict
from django.views.decorators.csrf import csrf_exempt

from prolotrack.api.access import ScopeMissing, access_patient_for, require_grant
from prolotrack.api.auth import authenticate_request
from prolotrack.api.errors import REALM, audit_refusal
from prolotrack.api.selectors import patient_read
from prolotrack.api.tokens import AuthenticationFailed, TokenContext
from prolotrack.audit.models import Outcome
from prolotrack.audit.services import audit_record
from prolotrack.core.errors import AccessDenied, ApplicationError, Conflict, NotFound
from prolotrack.fhir import observations
from prolotrack.fhir.capability import capability_statement
from prolotrack.fhir.errors import FhirError, error_response, fhir_response, outcome_response
from prolotrack.fhir.mappers import issues_of, patient_changes, patient_resource
from prolotrack.fhir.openapi import openapi_document
from prolotrack.fhir.search import paging_of, patient_search, search_page
from prolotrack.patients.models import Patient
from prolotrack.patients.services import patient_update

Handler = Callable[..., HttpResponse]
ETAG = re.compile(r'^(?:W/)?"(\d{1,10})"$')


def _translate(request: HttpRequest, error: Exception) -> HttpResponse:
    if isinstance(error, FhirError):
        if error.status == 400 and error.__cause__ is not None:
            return outcome_response(400, issues_of(error))
        return error_response(error)
    if isinstance(error, AuthenticationFailed):
        header = REALM if error.reason == "missing" else f'{REALM}, error="invalid_token"'
        return outcome_response(
            401, [("login", error.message, [])], headers={"WWW-Authenticate": header}
        )
    if isinstance(error, ScopeMissing):
        audit_refusal(request, Outcome.DENIED)
        header = f'{REALM}, error="insufficient_scope", scope="{error.scope}"'
        return outcome_response(
            403, [("forbidden", error.message, [])], headers={"WWW-Authenticate": header}
        )
    if isinstance(error, AccessDenied):
        audit_refusal(request, Outcome.DENIED)
        return outcome_response(403, [("forbidden", error.message, [])])
    if isinstance(error, NotFound):
        audit_refusal(request, Outcome.NOT_FOUND)
        return outcome_response(404, [("not-found", "Not found.", [])])
    if isinstance(error, DjangoValidationError):
        issues = [
            ("invariant", message, [name])
            for name, messages in getattr(error, "message_dict", {"": error.messages}).items()
            for message in messages
        ]
        return outcome_response(422, issues)
    if isinstance(error, ApplicationError):
        return outcome_response(
            422, [("business-rule", error.message, [error.field] if error.field else [])]
        )
    raise error


def fhir_endpoint(*methods: str, public: bool = False) -> Callable[[Handler], Handler]:
    allowed = ", ".join(methods)

    def decorate(handler: Handler) -> Handler:
        @csrf_exempt
        @functools.wraps(handler)
        def view(request: HttpRequest, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                return outcome_response(
                    405,
                    [
                        (
                            "not-supported",
                            f"{request.method} is not supported here; use {allowed}.",
                            [],
                        )
                    ],
                    headers={"Allow": allowed},
                )
            try:
                if public:
                    return handler(request, **kwargs)
                request.auth = authenticate_request(request)  # type: ignore[attr-defined]
                return handler(request, request.auth, **kwargs)  # type: ignore[attr-defined]
            except (FhirError, ApplicationError, DjangoValidationError) as error:
                return _translate(request, error)
            except RequestDataTooBig:
                return outcome_response(413, [("too-costly", "The request body is too large.", [])])

        return view

    return decorate


def base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/fhir/r4/").rstrip("/")


@fhir_endpoint("GET", public=True)
def metadata(request: HttpRequest) -> HttpResponse:
    return fhir_response(capability_statement(base_url(request)))


@fhir_endpoint("GET", public=True)
def openapi(request: HttpRequest) -> HttpResponse:
    return HttpResponse(json.dumps(openapi_document()), content_type="application/json")


def _read_json(request: HttpRequest) -> Any:
    try:
        return json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise FhirError(400, "structure", "The body is not valid JSON.") from None


def _with_etag(response: HttpResponse, patient: Patient) -> HttpResponse:
    response["ETag"] = f'W/"{patient.version}"'
    response["Last-Modified"] = patient.updated_at.strftime("%a, %d %b %Y %H:%M:%S GMT")
    return response


@fhir_endpoint("GET", "PUT")
def patient(request: HttpRequest, context: TokenContext, resource_id: str) -> HttpResponse:
    if request.method == "PUT":
        return _patient_update(request, context, resource_id)
    found = patient_read(
        context, access_patient_for(context, resource_id, "fhir_patient", "GET"), action="fhir.read"
    )
    return _with_etag(fhir_response(patient_resource(found)), found)


def _expected_version(request: HttpRequest) -> int:
    header = request.headers.get("If-Match")
    if header is None:
        raise FhirError(
            428,
            "required",
            'Send If-Match: W/"<versionId>" with the version you read (no blind overwrites).',
        )
    match = ETAG.match(header.strip())
    if match is None:
        raise FhirError(400, "invalid", 'If-Match must look like W/"3".', expression=["If-Match"])
    return int(match.group(1))


def _patient_update(request: HttpRequest, context: TokenContext, resource_id: str) -> HttpResponse:
    request.body  # noqa: B018  read it whatever we answer, so a keep-alive connection stays in step
    found = access_patient_for(context, resource_id, "fhir_patient", "PUT")
    expected = _expected_version(request)
    changes = patient_changes(
        _read_json(request), resource_id=resource_id, clinic_public_id=context.clinic.public_id
    )
    try:
        updated = patient_update(
            actor=context.actor, patient=found, expected_version=expected, **changes
        )
    except Conflict as conflict:
        current = access_patient_for(context, resource_id, "fhir_patient", "PUT")
        with transaction.atomic():
            audit_record(
                actor=context.actor,
                action="patient.update_conflict",
                clinic_id=current.clinic_id,
                patient_id=current.id,
                target=current,
                outcome=Outcome.FAILED,
                detail={"reason": "stale If-Match", "token": context.token.prefix},
            )
        return outcome_response(
            412,
            [("conflict", conflict.message, ["Patient.meta.versionId"])],
            headers={"ETag": f'W/"{current.version}"'},
        )
    return _with_etag(fhir_response(patient_resource(updated)), updated)


def _params(query: QueryDict, body: QueryDict | None = None) -> dict[str, list[str]]:
    params = {name: query.getlist(name) for name in query}
    for name in body or {}:
        params.setdefault(name, []).extend(body.getlist(name) if body else [])
    return params


def _bundle(
    request: HttpRequest,
    context: TokenContext,
    resource_type: str,
    entries: list[dict[str, Any]],
    total: int,
    self_params: str,
) -> HttpResponse:
    base = base_url(request)
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": total,
        "link": [{"relation": "self", "url": f"{base}/{resource_type}{self_params}"}],
        "entry": [
            {
                "fullUrl": f"{base}/{resource_type}/{entry['id']}",
                "resource": entry,
                "search": {"mode": "match"},
            }
            for entry in entries
        ],
    }
    if not bundle["entry"]:
        del bundle["entry"]
    return fhir_response(bundle)


def _patient_bundle(
    request: HttpRequest,
    context: TokenContext,
    params: dict[str, list[str]],
    *,
    identifying: bool,
    route: str,
) -> HttpResponse:
    require_grant(context, route, request.method or "GET")
    paging = paging_of(params)
    found = patient_search(context, params, identifying=identifying)
    patients, total = search_page(context, found, paging, lambda patient: patient.id)
    # The self link repeats only non-identifying parameters.
    shown = "" if identifying else (f"?{request.GET.urlencode()}" if request.GET else "")
    return _bundle(
        request, context, "Patient", [patient_resource(p) for p in patients], total, shown
    )


@fhir_endpoint("GET")
def patient_type(request: HttpRequest, context: TokenContext) -> HttpResponse:
    return _patient_bundle(
        request, context, _params(request.GET), identifying=False, route="fhir_patient_type"
    )


@fhir_endpoint("POST")
def patient_search_post(request: HttpRequest, context: TokenContext) -> HttpResponse:
    if request.GET and any(
        name in request.GET for name in ("name", "family", "given", "identifier", "birthdate")
    ):
        raise FhirError(
            400, "security", "Identifying search parameters go in the form body, not the URL."
        )
    return _patient_bundle(
        request,
        context,
        _params(request.GET, request.POST),
        identifying=True,
        route="fhir_patient_search",
    )


@fhir_endpoint("GET")
def observation(request: HttpRequest, context: TokenContext, resource_id: str) -> HttpResponse:
    return fhir_response(observations.observation_read(context, resource_id, base_url(request)))


@fhir_endpoint("GET")
def observation_type(request: HttpRequest, context: TokenContext) -> HttpResponse:
    require_grant(context, "fhir_observation_type", "GET")
    found, total = observations.observation_search(context, _params(request.GET))
    shown = f"?{request.GET.urlencode()}" if request.GET else ""
    return _bundle(request, context, "Observation", found, total, shown)


@fhir_endpoint("POST")
def observation_search_post(request: HttpRequest, context: TokenContext) -> HttpResponse:
    require_grant(context, "fhir_observation_search", "POST")
    found, total = observations.observation_search(context, _params(request.GET, request.POST))
    return _bundle(request, context, "Observation", found, total, "")


@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    return outcome_response(
        404, [("not-found", "No such FHIR endpoint or resource type here.", [])]
    )
