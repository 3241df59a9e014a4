"""The CapabilityStatement (`GET /fhir/r4/metadata`): what this server does, and no more."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from prolotrack import __version__
from prolotrack.api.scopes import OBSERVATION_READ, PATIENT_READ, PATIENT_WRITE

PATIENT_SEARCH_GET = ("_id", "gender", "_count", "_offset")
PATIENT_SEARCH_POST = ("name", "family", "given", "identifier", "birthdate")
OBSERVATION_SEARCH = ("subject", "patient", "code", "_count", "_offset")


def capability_statement(base_url: str) -> dict[str, Any]:
    statement = {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": timezone.now().date().isoformat(),
        "kind": "instance",
        "software": {"name": "prolotrack", "version": __version__},
        "implementation": {"description": "prolotrack FHIR R4 API", "url": base_url},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": "Bearer API tokens with SMART v1 style scopes "
                f"({PATIENT_READ}, {PATIENT_WRITE}, {OBSERVATION_READ}); see docs/api.md.",
                "security": {
                    "cors": False,
                    "description": "Authorization: Bearer <token> (prolotrack api-token create)",
                },
                "resource": [
                    {
                        "type": "Patient",
                        "versioning": "versioned-update",
                        "readHistory": False,
                        "updateCreate": False,
                        "conditionalUpdate": False,
                        "interaction": [
                            {"code": "read"},
                            {"code": "update"},
                            {"code": "search-type"},
                        ],
                        "searchParam": [
                            {
                                "name": name,
                                "type": "token"
                                if name in ("gender", "_id", "identifier")
                                else "string",
                            }
                            for name in ("_id", "gender", "name", "family", "given", "identifier")
                        ]
                        + [{"name": "birthdate", "type": "date"}],
                    },
                    {
                        "type": "Observation",
                        "interaction": [{"code": "read"}, {"code": "search-type"}],
                        "searchParam": [
                            {"name": "subject", "type": "reference"},
                            {"name": "patient", "type": "reference"},
                            {"name": "code", "type": "token"},
                        ],
                    },
                ],
            }
        ],
    }
    return CapabilityStatement.model_validate(statement).model_dump(mode="json", exclude_none=True)
