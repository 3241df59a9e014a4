"""FHIR R4: read with ETag, update with If-Match (412 stale, 428 missing), search Bundles with
totals that exclude other clinics, Observations of scores, and the error contract: every error
an OperationOutcome, never a 500 or HTML."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from prolotrack.api.scopes import PATIENT_READ
from prolotrack.audit.models import AuditEvent
from tests.api.conftest import TokenClient, issue

FHIR_JSON = "application/fhir+json"


def url(patient) -> str:
    return f"/fhir/r4/Patient/{patient.public_id}"


@pytest.fixture
def clinician(clinician_a, clinic_a) -> TokenClient:
    return TokenClient(issue(clinician_a, clinic_a))


def put(client: TokenClient, patient, resource, if_match: str | None = None, **extra):
    headers = {"If-Match": if_match} if if_match is not None else {}
    body = resource if isinstance(resource, str) else json.dumps(resource)
    return client.put(url(patient), body, content_type=FHIR_JSON, headers=headers, **extra)


def outcome(response, status: int, code: str) -> Any:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(FHIR_JSON)
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["severity"] == "error"
    assert body["issue"][0]["code"] == code
    return body


def test_metadata_is_a_capability_statement_for_401(client, db):
    response = client.get("/fhir/r4/metadata")
    assert response.status_code == 200
    statement = response.json()
    assert statement["resourceType"] == "CapabilityStatement"
    assert statement["fhirVersion"] == "4.0.1"
    types = {resource["type"] for resource in statement["rest"][0]["resource"]}
    assert types == {"Patient", "Observation"}


def test_read_patient_with_etag_and_audit(clinician, patient_a, clinic_a):
    response = clinician.get(url(patient_a))
    assert response.status_code == 200
    assert response["Content-Type"].startswith(FHIR_JSON)
    assert response["ETag"] == 'W/"1"'
    resource = response.json()
    assert resource["id"] == str(patient_a.public_id)
    assert resource["meta"]["versionId"] == "1"
    assert resource["name"] == [
        {"use": "official", "family": patient_a.family_name, "given": [patient_a.given_name]}
    ]
    assert resource["birthDate"] == "1960-05-17"
    assert resource["identifier"][0]["value"] == patient_a.mrn
    assert resource["identifier"][0]["system"] == f"urn:uuid:{clinic_a.public_id}"
    [read] = AuditEvent.objects.filter(action="fhir.read")
    assert read.patient_id == patient_a.id
    assert read.channel == "api"


def test_update_honours_if_match_and_refuses_stale_versions(
    clinician, nurse_a, clinic_a, patient_a
):
    other = TokenClient(issue(nurse_a, clinic_a))
    resource = clinician.get(url(patient_a)).json()
    seen_by_other = other.get(url(patient_a)).json()
    resource["name"][0]["given"] = ["Ada"]
    won = put(clinician, patient_a, resource, 'W/"1"')
    assert won.status_code == 200, won.content
    assert won["ETag"] == 'W/"2"'
    assert won.json()["meta"]["versionId"] == "2"
    seen_by_other["name"][0]["given"] = ["Grace"]
    lost = put(other, patient_a, seen_by_other, 'W/"1"')
    outcome(lost, 412, "conflict")
    assert lost["ETag"] == 'W/"2"'
    again = other.get(url(patient_a))
    assert again["ETag"] == 'W/"2"'
    assert again.json()["name"][0]["given"] == ["Ada"]
    assert AuditEvent.objects.filter(action="patient.update").count() == 1
    assert AuditEvent.objects.get(action="patient.update").detail == {"fields": ["given_name"]}


def test_update_without_if_match_is_428_and_changes_nothing(clinician, patient_a):
    resource = clinician.get(url(patient_a)).json()
    resource["name"][0]["family"] = "Blind"
    outcome(put(clinician, patient_a, resource), 428, "required")
    outcome(put(clinician, patient_a, resource, "3"), 400, "invalid")
    patient_a.refresh_from_db()
    assert patient_a.version == 1


def test_update_replaces_telecom_and_keeps_server_fields(clinician, patient_a, clinic_a):
    resource = clinician.get(url(patient_a)).json()
    resource.pop("telecom")
    resource["meta"]["versionId"] = "99"  # the server's, whatever the client says
    response = put(clinician, patient_a, resource, 'W/"1"')
    assert response.status_code == 200, response.content
    patient_a.refresh_from_db()
    assert (patient_a.email, patient_a.phone) == ("", "")
    assert patient_a.version == 2
    assert patient_a.clinic_id == clinic_a.id


BROKEN = [
    ("{not json", 400, "structure"),
    ("[" * 100_000 + "]" * 100_000, 400, "structure"),
    ('{"resourceType": "Patient", "name": "' + "x" * 3_000_000 + '"}', 413, "too-costly"),
    ("[]", 400, "structure"),
    (json.dumps({"resourceType": "Observation", "status": "final"}), 400, "structure"),
]


@pytest.mark.parametrize(("body", "status", "code"), BROKEN)
def test_malformed_or_wrong_resources_are_400(clinician, patient_a, body, status, code):
    outcome(put(clinician, patient_a, body, 'W/"1"'), status, code)


def test_invalid_and_incomplete_patients(clinician, patient_a):
    good = clinician.get(url(patient_a)).json()
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"birthDate": "not-a-date"}, 400, "structure"),
        ({"unknownElement": 1}, 400, "structure"),
        ({"id": "another-id"}, 400, "invalid"),
        ({"gender": "robot"}, 422, "required"),
        ({"birthDate": "1960"}, 422, "required"),
        ({"birthDate": "2999-01-01"}, 422, "invariant"),
        ({"name": []}, 422, "required"),
        ({"identifier": []}, 422, "required"),
        ({"extension": [{"url": good["extension"][0]["url"], "valueCode": "elbow"}]}, 422, "value"),
    ]
    for change, status, code in cases:
        resource = {**copy.deepcopy(good), **change}
        body = outcome(put(clinician, patient_a, resource, 'W/"1"'), status, code)
        assert body["issue"][0].get("diagnostics"), change
    patient_a.refresh_from_db()
    assert patient_a.version == 1


def test_unknown_other_clinic_and_unsupported(clinician, patient_a, patient_b):
    outcome(clinician.get(url(patient_b)), 404, "not-found")
    outcome(clinician.get("/fhir/r4/Patient/not-a-uuid"), 404, "not-found")
    good = clinician.get(url(patient_a)).json()
    good["id"] = str(patient_b.public_id)
    outcome(put(clinician, patient_b, good, 'W/"1"'), 404, "not-found")
    patient_b.refresh_from_db()
    assert patient_b.version == 1
    outcome(clinician.request("DELETE", url(patient_a)), 405, "not-supported")
    outcome(clinician.post("/fhir/r4/Patient", {}), 405, "not-supported")
    outcome(clinician.get("/fhir/r4/Encounter"), 404, "not-found")
    outcome(clinician.get("/fhir/r4/Patient/_search"), 405, "not-supported")


def test_a_read_token_cannot_put(clinician_a, clinic_a, patient_a):
    reader = TokenClient(issue(clinician_a, clinic_a, scopes=(PATIENT_READ,)))
    resource = reader.get(url(patient_a)).json()
    response = put(reader, patient_a, resource, 'W/"1"')
    outcome(response, 403, "forbidden")
    assert "insufficient_scope" in response["WWW-Authenticate"]


def form(client: TokenClient, path: str, data: dict[str, Any]):
    from urllib.parse import urlencode

    return client.post(path, urlencode(data), content_type="application/x-www-form-urlencoded")


def test_search_bundles_exclude_other_clinics(
    clinician, clinician_a, clinic_a, make_patient, patient_a, patient_b
):
    make_patient(clinic_a, clinician_a, sex="male")
    everyone = clinician.get("/fhir/r4/Patient").json()
    assert everyone["resourceType"] == "Bundle"
    assert everyone["type"] == "searchset"
    assert everyone["total"] == 2
    assert str(patient_b.public_id) not in json.dumps(everyone)
    paged = clinician.get("/fhir/r4/Patient", {"_count": 1, "_offset": 1}).json()
    assert paged["total"] == 2
    assert len(paged["entry"]) == 1
    women = clinician.get("/fhir/r4/Patient", {"gender": "female"}).json()
    assert [e["resource"]["id"] for e in women["entry"]] == [str(patient_a.public_id)]
    by_id = clinician.get("/fhir/r4/Patient", {"_id": str(patient_b.public_id)}).json()
    assert by_id["total"] == 0
    found = form(clinician, "/fhir/r4/Patient/_search", {"identifier": patient_a.mrn}).json()
    assert found["total"] == 1
    assert patient_a.mrn not in found["link"][0]["url"]
    assert (
        form(clinician, "/fhir/r4/Patient/_search", {"name": patient_a.family_name}).json()["total"]
        == 1
    )
    elsewhere = form(clinician, "/fhir/r4/Patient/_search", {"name": patient_b.family_name})
    assert elsewhere.json()["total"] == 0
    assert "entry" not in elsewhere.json()
    disclosures = AuditEvent.objects.filter(action="fhir.search", patient=patient_a)
    assert disclosures.count() == 4  # all, female, identifier, name (not the offset page)
    assert not AuditEvent.objects.filter(patient=patient_b, action__startswith="fhir").exists()


def test_identifying_search_parameters_never_go_in_a_url(clinician, patient_a):
    for parameter in ("name", "family", "given", "identifier", "birthdate"):
        response = clinician.get("/fhir/r4/Patient", {parameter: "x"})
        outcome(response, 400, "security")
        outcome(clinician.post(f"/fhir/r4/Patient/_search?{parameter}=x"), 400, "security")
    outcome(clinician.get("/fhir/r4/Patient", {"colour": "red"}), 400, "not-supported")
    outcome(clinician.get("/fhir/r4/Patient", {"_count": "1000"}), 400, "value")
    outcome(clinician.get("/fhir/r4/Patient", {"gender": "robot"}), 400, "value")
    outcome(form(clinician, "/fhir/r4/Patient/_search", {"birthdate": "17/05/1960"}), 400, "value")


def test_observations_of_scores(clinician, pain_score_a, pain_score_b, patient_a, patient_b):
    subject = {"subject": f"Patient/{patient_a.public_id}"}
    bundle = clinician.get("/fhir/r4/Observation", subject).json()
    assert bundle["total"] == 1
    observation = bundle["entry"][0]["resource"]
    assert observation["resourceType"] == "Observation"
    assert observation["valueQuantity"]["value"] == 3
    assert observation["code"]["coding"][0] == {
        "system": "http://loinc.org",
        "code": "72514-3",
        "display": "Pain severity 0-10 verbal numeric rating, reported",
    }
    assert observation["subject"]["reference"] == f"Patient/{patient_a.public_id}"
    read = clinician.get(f"/fhir/r4/Observation/{observation['id']}")
    assert read.status_code == 200
    assert read.json() == observation
    by_code = clinician.get("/fhir/r4/Observation", {"code": "http://loinc.org|72514-3"}).json()
    assert by_code["total"] == 1
    assert clinician.get("/fhir/r4/Observation", {"code": "72102-7"}).json()["total"] == 0
    # Clinic B's score: an empty search and a 404.
    other = clinician.get("/fhir/r4/Observation", {"subject": f"Patient/{patient_b.public_id}"})
    assert other.json()["total"] == 0
    b_id = f"{pain_score_b.public_id}.pain"
    outcome(clinician.get(f"/fhir/r4/Observation/{b_id}"), 404, "not-found")
    outcome(
        clinician.get(f"/fhir/r4/Observation/{pain_score_a.public_id}.nothing"), 404, "not-found"
    )
    assert AuditEvent.objects.filter(action="fhir.read", patient=patient_a).count() == 1


def test_openapi_document_for_fhir(client, db):
    response = client.get("/fhir/r4/openapi.json")
    assert response.status_code == 200
    assert "/fhir/r4/Patient/{id}" in response.json()["paths"]
