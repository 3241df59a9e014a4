"""Who may call each API route: the scope a token needs and the roles its user must hold.

One row per named route under /api/ and /fhir/ (`tests/api/test_api_matrix.py` walks the
URLconf and fails on a route without a row, then sends every route x role x method with a
token of that role). The views read their rule from here (`access.authorize`), so this table
is what runs, not a description of it.

Kinds:
- `api`: a token is required; each method names one scope and the roles that may use it.
  A token without the scope gets 403; a user whose role in the token's clinic is not listed
  gets 403 (what the pages would refuse); another clinic's object is 404.
- `public`: no token (the OpenAPI documents, the FHIR CapabilityStatement, the JSON and
  OperationOutcome 404 for unknown paths): nothing about anyone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from prolotrack.api.scopes import (
    ADVERSE_EVENT_READ,
    ADVERSE_EVENT_WRITE,
    OBSERVATION_READ,
    PATIENT_READ,
    PATIENT_WRITE,
)
from prolotrack.clinics.access import (
    CLINICAL_READ_ROLES,
    DEMOGRAPHIC_READ_ROLES,
    DEMOGRAPHIC_WRITE_ROLES,
)
from prolotrack.clinics.models import Role
from prolotrack.safety.events import EVENT_UPDATE_ROLES

ApiKind = Literal["api", "public"]


@dataclass(frozen=True)
class Grant:
    scope: str
    roles: frozenset[str]


@dataclass(frozen=True)
class ApiRule:
    kind: ApiKind
    path: str
    methods: dict[str, Grant] = field(default_factory=dict)
    note: str = ""
    # The URL carries an object's opaque id (another clinic's is 404).
    object_route: bool = False

    def allows(self, method: str, role: str, scopes: frozenset[str]) -> bool:
        grant = self.methods.get(method)
        return grant is not None and grant.scope in scopes and role in grant.roles


def _api(path: str, note: str = "", *, obj: bool = False, **methods: Grant) -> ApiRule:
    return ApiRule("api", path, dict(methods), note, obj)


PATIENT_READ_GRANT = Grant(PATIENT_READ, DEMOGRAPHIC_READ_ROLES)
PATIENT_WRITE_GRANT = Grant(PATIENT_WRITE, DEMOGRAPHIC_WRITE_ROLES)
OBSERVATION_READ_GRANT = Grant(OBSERVATION_READ, CLINICAL_READ_ROLES)

API_MATRIX: dict[str, ApiRule] = {
    # The JSON API (django-ninja), /api/v1/.
    "openapi-json": ApiRule("public", "/api/v1/openapi.json", note="OpenAPI 3 document"),
    "api-root": ApiRule("public", "/api/v1/", note="django-ninja's root: 404"),
    "api_patients": _api("/api/v1/patients", "paged; at most 100 a page", GET=PATIENT_READ_GRANT),
    "api_patient_search": _api(
        "/api/v1/patients/search", "name or MRN in the POST body", POST=PATIENT_READ_GRANT
    ),
    "api_patient": _api(
        "/api/v1/patients/{id}",
        "PATCH needs the version read; stale: 409",
        obj=True,
        GET=PATIENT_READ_GRANT,
        PATCH=PATIENT_WRITE_GRANT,
    ),
    "api_patient_adverse_events": _api(
        "/api/v1/patients/{id}/adverse-events",
        obj=True,
        GET=Grant(ADVERSE_EVENT_READ, CLINICAL_READ_ROLES),
    ),
    "api_adverse_event": _api(
        "/api/v1/adverse-events/{id}",
        "PATCH needs the version read; stale: 409",
        obj=True,
        GET=Grant(ADVERSE_EVENT_READ, CLINICAL_READ_ROLES),
        PATCH=Grant(ADVERSE_EVENT_WRITE, EVENT_UPDATE_ROLES),
    ),
    "api_not_found": ApiRule("public", "/api/…", note="JSON 404 for any other path"),
    # FHIR R4, /fhir/r4/.
    "fhir_metadata": ApiRule("public", "/fhir/r4/metadata", note="CapabilityStatement"),
    "fhir_openapi": ApiRule("public", "/fhir/r4/openapi.json", note="OpenAPI 3 document"),
    "fhir_patient_type": _api(
        "/fhir/r4/Patient", "search: non-identifying parameters only", GET=PATIENT_READ_GRANT
    ),
    "fhir_patient_search": _api(
        "/fhir/r4/Patient/_search", "search by name or MRN (form body)", POST=PATIENT_READ_GRANT
    ),
    "fhir_patient": _api(
        "/fhir/r4/Patient/{id}",
        "read: ETag; update: If-Match required (428), stale 412",
        obj=True,
        GET=PATIENT_READ_GRANT,
        PUT=PATIENT_WRITE_GRANT,
    ),
    "fhir_observation_type": _api(
        "/fhir/r4/Observation", "search by subject", GET=OBSERVATION_READ_GRANT
    ),
    "fhir_observation_search": _api("/fhir/r4/Observation/_search", POST=OBSERVATION_READ_GRANT),
    "fhir_observation": _api(
        "/fhir/r4/Observation/{id}", "a questionnaire score", obj=True, GET=OBSERVATION_READ_GRANT
    ),
    "fhir_not_found": ApiRule("public", "/fhir/r4/…", note="OperationOutcome 404"),
}

ROLE_ORDER: tuple[str, ...] = tuple(Role.values)
ROLE_LABELS = dict(Role.choices)


def markdown() -> str:
    """The API matrix as Markdown (docs/security.md embeds it after the pages' matrix)."""
    head = "| API route | path | method: scope | " + " | ".join(
        ROLE_LABELS[role] for role in ROLE_ORDER
    )
    lines = [head + " | note |", "|" + "---|" * (len(ROLE_ORDER) + 4)]
    for name in sorted(API_MATRIX):
        rule = API_MATRIX[name]
        if rule.kind == "public":
            grants = "any (no token)"
            cells = ["—"] * len(ROLE_ORDER)
        else:
            grants = "<br>".join(
                f"{method} `{grant.scope}`" for method, grant in rule.methods.items()
            )
            cells = [
                " ".join(m for m, g in rule.methods.items() if role in g.roles) or "✗"
                for role in ROLE_ORDER
            ]
        lines.append(
            f"| `{name}` | `{rule.path}` | {grants} | " + " | ".join(cells) + f" | {rule.note} |"
        )
    return "\n".join(lines) + "\n"
