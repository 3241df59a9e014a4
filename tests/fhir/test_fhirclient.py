"""A real FHIR client (SMART on FHIR's `fhirclient`, R4 models) against a live server: it reads
and parses our Patient, searches, and updates only with the version it read."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from fhirclient.models.operationoutcome import OperationOutcome
from fhirclient.models.patient import Patient as ClientPatient
from fhirclient.server import FHIRNotFoundException, FHIRServer

from tests.api.conftest import issue


@pytest.fixture
def server(live_server, transactional_db, clinician_a, clinic_a) -> Iterator[FHIRServer]:
    fhir = FHIRServer(None, base_uri=f"{live_server.url}/fhir/r4/")
    fhir.session.headers["Authorization"] = f"Bearer {issue(clinician_a, clinic_a)}"
    yield fhir
    # Closing the keep-alive connection ends the server's handler thread and its database
    # connection, so PostgreSQL can drop the test database afterwards.
    fhir.session.close()


def test_fhirclient_reads_a_patient_and_respects_etags(server, patient_a, patient_b):
    patient = ClientPatient.read(str(patient_a.public_id), server)
    assert patient.id == str(patient_a.public_id)
    assert patient.name[0].family == patient_a.family_name
    assert patient.name[0].given == [patient_a.given_name]
    assert patient.birthDate.isostring == "1960-05-17"
    assert patient.gender == "female"
    assert patient.meta.versionId == "1"
    assert patient.identifier[0].value == patient_a.mrn

    path = f"{server.base_uri}Patient/{patient.id}"
    assert server.session.get(path).headers["ETag"] == 'W/"1"'

    # fhirclient's update() sends no If-Match: refused, nothing changed.
    patient.name[0].given = ["Ada"]
    with pytest.raises(requests.HTTPError) as refused:
        patient.update(server)
    response = refused.value.response
    assert response is not None
    assert response.status_code == 428

    server.session.headers["If-Match"] = 'W/"1"'
    patient.update(server)
    assert server.session.get(path).headers["ETag"] == 'W/"2"'
    assert ClientPatient.read(patient.id, server).name[0].given == ["Ada"]

    # The same stale version again: 412 with an OperationOutcome the client can parse.
    patient.name[0].given = ["Grace"]
    with pytest.raises(requests.HTTPError) as stale:
        patient.update(server)
    stale_response = stale.value.response
    assert stale_response is not None
    assert stale_response.status_code == 412
    problem = OperationOutcome(stale_response.json())
    assert problem.issue[0].code == "conflict"
    del server.session.headers["If-Match"]

    found = list(ClientPatient.where({"gender": "female"}).perform_resources_iter(server))
    assert [p.id for p in found] == [patient.id]
    with pytest.raises(FHIRNotFoundException):
        ClientPatient.read(str(patient_b.public_id), server)
