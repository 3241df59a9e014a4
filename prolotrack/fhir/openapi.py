"""A hand-written OpenAPI 3 document for the FHIR endpoints (security.md §4.4): what
Schemathesis fuzzes (`tests/fhir/test_schemathesis.py`) and what `/fhir/r4/openapi.json`
serves. Resource bodies are described loosely (FHIR's own schema is the contract); the point
is every operation, parameter and status code."""

from __future__ import annotations

from typing import Any

FHIR = "application/fhir+json"
ID = {"type": "string", "maxLength": 64}
COUNT = {"type": "integer", "minimum": 0, "maximum": 100}
OFFSET = {"type": "integer", "minimum": 0, "maximum": 100_000}
GENDER = {"type": "string", "enum": ["female", "male", "other", "unknown"]}


def _resource(kind: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["resourceType"],
        "properties": {"resourceType": {"type": "string", "enum": [kind]}},
    }


def _responses(*codes: int, ok: str = "Bundle") -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for code in codes:
        kind = ok if code < 300 else "OperationOutcome"
        answers[str(code)] = {
            "description": kind,
            "content": {FHIR: {"schema": _resource(kind)}},
        }
    return answers


ERRORS = (400, 401, 403, 404, 405, 406)


def _query(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema}


def _form(properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "required": False,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "properties": properties,
                    "additionalProperties": False,
                }
            }
        },
    }


PATH_ID = {"name": "id", "in": "path", "required": True, "schema": ID}
TEXT = {"type": "string", "maxLength": 100}


def openapi_document() -> dict[str, Any]:
    patient_body = {
        "type": "object",
        "required": ["resourceType", "id"],
        "properties": {
            "resourceType": {"type": "string", "enum": ["Patient"]},
            "id": ID,
            "gender": GENDER,
            "birthDate": {"type": "string", "format": "date"},
            "name": {
                "type": "array",
                "maxItems": 2,
                "items": {
                    "type": "object",
                    "properties": {
                        "family": TEXT,
                        "given": {"type": "array", "items": TEXT, "maxItems": 2},
                    },
                },
            },
            "identifier": {
                "type": "array",
                "maxItems": 2,
                "items": {
                    "type": "object",
                    "properties": {"system": {"type": "string"}, "value": TEXT},
                },
            },
            "telecom": {
                "type": "array",
                "maxItems": 2,
                "items": {
                    "type": "object",
                    "properties": {
                        "system": {"type": "string", "enum": ["phone", "email", "fax"]},
                        "value": TEXT,
                    },
                },
            },
        },
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "prolotrack FHIR R4", "version": "4.0.1"},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
        "paths": {
            "/fhir/r4/metadata": {
                "get": {
                    "operationId": "fhir_metadata",
                    "security": [],
                    "responses": _responses(200, ok="CapabilityStatement"),
                }
            },
            "/fhir/r4/Patient": {
                "get": {
                    "operationId": "fhir_patient_search_get",
                    "parameters": [
                        _query("_id", ID),
                        _query("gender", GENDER),
                        _query("_count", COUNT),
                        _query("_offset", OFFSET),
                    ],
                    "responses": _responses(200, *ERRORS),
                }
            },
            "/fhir/r4/Patient/_search": {
                "post": {
                    "operationId": "fhir_patient_search_post",
                    "requestBody": _form(
                        {
                            "name": TEXT,
                            "family": TEXT,
                            "given": TEXT,
                            "identifier": TEXT,
                            "birthdate": {"type": "string", "format": "date"},
                            "gender": GENDER,
                            "_count": COUNT,
                            "_offset": OFFSET,
                        }
                    ),
                    "responses": _responses(200, *ERRORS),
                }
            },
            "/fhir/r4/Patient/{id}": {
                "get": {
                    "operationId": "fhir_patient_read",
                    "parameters": [PATH_ID],
                    "responses": _responses(200, *ERRORS, ok="Patient"),
                },
                "put": {
                    "operationId": "fhir_patient_update",
                    "parameters": [
                        PATH_ID,
                        {
                            "name": "If-Match",
                            "in": "header",
                            "required": True,
                            "schema": {"type": "string", "pattern": '^W/"[0-9]{1,4}"$'},
                        },
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {FHIR: {"schema": patient_body}},
                    },
                    "responses": _responses(200, *ERRORS, 409, 412, 422, 428, ok="Patient"),
                },
            },
            "/fhir/r4/Observation": {
                "get": {
                    "operationId": "fhir_observation_search_get",
                    "parameters": [
                        _query("subject", TEXT),
                        _query("patient", TEXT),
                        _query("code", TEXT),
                        _query("_count", COUNT),
                        _query("_offset", OFFSET),
                    ],
                    "responses": _responses(200, *ERRORS),
                }
            },
            "/fhir/r4/Observation/_search": {
                "post": {
                    "operationId": "fhir_observation_search_post",
                    "requestBody": _form(
                        {"subject": TEXT, "patient": TEXT, "code": TEXT, "_count": COUNT}
                    ),
                    "responses": _responses(200, *ERRORS),
                }
            },
            "/fhir/r4/Observation/{id}": {
                "get": {
                    "operationId": "fhir_observation_read",
                    "parameters": [PATH_ID],
                    "responses": _responses(200, *ERRORS, ok="Observation"),
                }
            },
        },
    }
