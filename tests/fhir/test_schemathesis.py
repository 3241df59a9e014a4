"""Schemathesis over the hand-written OpenAPI document of the FHIR endpoints, with a valid
token of clinic A: no input gives a 5xx, and every answer's status and content type are the
documented ones (errors as OperationOutcome)."""

from __future__ import annotations

import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from prolotrack.fhir.observations import observation_id
from prolotrack.fhir.openapi import openapi_document
from prolotrack.outcomes.models import Score
from tests.api.conftest import issue
from tests.api.schemathesis_support import (
    FUZZ_SETTINGS,
    WSGI,
    aim_at_real_ids,
    keep_database_connection,
)
from tests.fhir.conftest import complete_pain_score

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
schema = schemathesis.openapi.from_dict(openapi_document())


@pytest.fixture(autouse=True)
def _connection():
    with keep_database_connection():
        yield


@pytest.fixture
def seeded(clinician_a, clinic_a, patient_a, patient_b):
    score = Score.objects.get(administration=complete_pain_score(patient_a, clinician_a))
    ids = {"id": [str(patient_a.public_id), str(patient_b.public_id), observation_id(score)]}
    return issue(clinician_a, clinic_a), ids


@schema.parametrize()
@FUZZ_SETTINGS
def test_fhir_api_never_fails_and_matches_its_document(case, seeded):
    token, ids = seeded
    aim_at_real_ids(case, ids)
    response = case.call(app=WSGI, headers={"Authorization": f"Bearer {token}"})
    case.validate_response(response, checks=CHECKS)
    if response.status_code >= 400:
        assert response.json()["resourceType"] == "OperationOutcome"
