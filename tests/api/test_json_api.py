"""The JSON API: paging, search in the body, reads and writes through the services, 409 for a
stale version, no mass assignment, scopes clipped by roles, other clinics invisible, audit."""

from __future__ import annotations

import pytest
from django.utils import timezone

from prolotrack.api.scopes import ADVERSE_EVENT_READ, OBSERVATION_READ, PATIENT_READ
from prolotrack.audit.models import AuditEvent
from prolotrack.clinics.models import Membership, Role
from prolotrack.safety.events import adverse_event_record
from tests.api.conftest import TokenClient, issue
from tests.conftest import actor, make_user


def patient_url(patient) -> str:
    return f"/api/v1/patients/{patient.public_id}"


@pytest.fixture
def event_a(course_a, patient_a, clinician_a):
    course, session, _injection = course_a
    return adverse_event_record(
        actor=actor(clinician_a),
        patient=patient_a,
        course=course,
        session=session,
        term="pain_flare",
        grade=1,
        relatedness="probable",
        onset_after_hours=6,
    )


def test_patients_are_paged_and_only_the_tokens_clinic(
    clinician_a, clinic_a, make_patient, patient_a, patient_b
):
    for _ in range(2):
        make_patient(clinic_a, clinician_a)
    client = TokenClient(issue(clinician_a, clinic_a))
    first = client.get("/api/v1/patients", {"page_size": 2}).json()
    second = client.get("/api/v1/patients", {"page_size": 2, "page": 2}).json()
    assert first["total"] == second["total"] == 3
    assert len(first["items"]) == 2
    assert len(second["items"]) == 1
    ids = {item["id"] for item in first["items"] + second["items"]}
    assert str(patient_b.public_id) not in ids
    assert str(patient_a.public_id) in ids
    for bad in ({"page_size": 101}, {"page_size": 0}, {"page": 0}, {"page": "x"}):
        assert client.get("/api/v1/patients", bad).status_code == 422, bad
    listed = AuditEvent.objects.filter(action="patient.list", channel="api")
    assert listed.count() == 2
    assert listed[0].detail["results"] == 3


def test_search_by_name_or_mrn_in_the_body(clinician_a, clinic_a, patient_a, patient_b):
    client = TokenClient(issue(clinician_a, clinic_a))
    by_mrn = client.post("/api/v1/patients/search", {"query": patient_a.mrn}).json()
    assert [item["id"] for item in by_mrn["items"]] == [str(patient_a.public_id)]
    by_name = client.post("/api/v1/patients/search", {"query": patient_a.family_name}).json()
    assert by_name["total"] == 1
    # Clinic B's patient exists, but not for this token.
    elsewhere = client.post("/api/v1/patients/search", {"query": patient_b.family_name}).json()
    assert elsewhere == {"items": [], "page": 1, "page_size": 20, "total": 0}
    assert client.post("/api/v1/patients/search", {"query": ""}).status_code == 422
    assert client.post("/api/v1/patients/search", {"query": "a\x00b"}).status_code == 422
    searches = AuditEvent.objects.filter(action="patient.search", channel="api")
    assert searches.count() == 3
    assert not any(patient_b.family_name in str(event.detail) for event in searches)


def test_read_gives_the_version_and_an_etag_and_is_audited(clinician_a, clinic_a, patient_a):
    response = TokenClient(issue(clinician_a, clinic_a)).get(patient_url(patient_a))
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(patient_a.public_id)
    assert body["version"] == 1
    assert body["mrn"] == patient_a.mrn
    assert body["date_of_birth"] == "1960-05-17"
    assert response["ETag"] == 'W/"1"'
    assert response["Cache-Control"] == "no-store"
    [read] = AuditEvent.objects.filter(action="patient.read")
    assert (read.channel, read.patient_id, read.user_id) == ("api", patient_a.id, clinician_a.id)
    assert read.object_id == str(patient_a.public_id)


def test_two_clients_read_version_1_the_first_patch_wins_the_second_gets_409(
    clinician_a, nurse_a, clinic_a, patient_a
):
    first, second = TokenClient(issue(clinician_a, clinic_a)), TokenClient(issue(nurse_a, clinic_a))
    seen = [client.get(patient_url(patient_a)).json()["version"] for client in (first, second)]
    assert seen == [1, 1]
    won = first.patch(patient_url(patient_a), {"version": 1, "given_name": "Ada"})
    assert won.status_code == 200
    assert won.json()["version"] == 2
    assert won["ETag"] == 'W/"2"'
    lost = second.patch(patient_url(patient_a), {"version": 1, "given_name": "Grace"})
    assert lost.status_code == 409
    assert "changed by someone else" in lost.json()["detail"]
    assert lost.json()["current"]["given_name"] == "Ada"
    assert lost.json()["current"]["version"] == 2
    again = second.get(patient_url(patient_a))
    assert again["ETag"] == 'W/"2"'
    assert again.json()["given_name"] == "Ada"
    [update] = AuditEvent.objects.filter(action="patient.update")
    assert update.channel == "api"
    assert update.detail == {"fields": ["given_name"]}
    assert (
        AuditEvent.objects.filter(action="patient.update_conflict", outcome="failed").count() == 1
    )


@pytest.mark.parametrize(
    "extra",
    [
        {"clinic": 2},
        {"clinic_id": 2},
        {"patient_id": "00000000-0000-0000-0000-000000000000"},
        {"id": "00000000-0000-0000-0000-000000000000"},
        {"public_id": "00000000-0000-0000-0000-000000000000"},
        {"created_by": 1},
        {"created_at": "2020-01-01T00:00:00Z"},
        {"is_staff": True},
    ],
)
def test_mass_assignment_is_refused_and_nothing_changes(clinician_a, clinic_a, patient_a, extra):
    client = TokenClient(issue(clinician_a, clinic_a))
    response = client.patch(patient_url(patient_a), {"version": 1, "given_name": "Eve", **extra})
    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert problem["loc"][-1] == next(iter(extra))
    assert problem["type"] == "extra_forbidden"
    patient_a.refresh_from_db()
    assert patient_a.given_name != "Eve"
    assert patient_a.version == 1
    assert patient_a.clinic_id == clinic_a.id


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"given_name": None}, "given_name"),
        ({"given_name": ""}, "given_name"),
        ({"date_of_birth": "1960-02-30"}, "date_of_birth"),
        ({"date_of_birth": "1850-01-01"}, "date_of_birth"),
        ({"email": "not-an-email"}, "email"),
        ({"phone": "call me"}, "phone"),
        ({"sex": "x"}, "sex"),
        ({"mrn": "has space"}, "mrn"),
        ({"family_name": "x" * 101}, "family_name"),
    ],
)
def test_invalid_values_are_422_with_the_field(clinician_a, clinic_a, patient_a, changes, field):
    response = TokenClient(issue(clinician_a, clinic_a)).patch(
        patient_url(patient_a), {"version": 1, **changes}
    )
    assert response.status_code == 422, response.content
    assert field in [problem["loc"][-1] for problem in response.json()["detail"]]
    patient_a.refresh_from_db()
    assert patient_a.version == 1


def test_version_is_required_and_bounded(clinician_a, clinic_a, patient_a):
    client = TokenClient(issue(clinician_a, clinic_a))
    assert client.patch(patient_url(patient_a), {"given_name": "Eve"}).status_code == 422
    assert client.patch(patient_url(patient_a), {"version": 0}).status_code == 422
    assert client.patch(patient_url(patient_a), {"version": 2**40}).status_code == 422
    for body, status in (
        ("{not json", 400),
        ("[" * 100_000 + "]" * 100_000, 400),
        ('{"a": "' + "x" * 3_000_000 + '"}', 413),
    ):
        response = client.patch(patient_url(patient_a), body, content_type="application/json")
        assert response.status_code == status
        assert "detail" in response.json()


def test_a_read_scope_cannot_write(clinician_a, clinic_a, patient_a):
    client = TokenClient(issue(clinician_a, clinic_a, scopes=(PATIENT_READ,)))
    assert client.get(patient_url(patient_a)).status_code == 200
    response = client.patch(patient_url(patient_a), {"version": 1, "given_name": "Eve"})
    assert response.status_code == 403
    assert 'error="insufficient_scope", scope="user/Patient.write"' in response["WWW-Authenticate"]
    patient_a.refresh_from_db()
    assert patient_a.version == 1
    [refused] = AuditEvent.objects.filter(action="api.refused")
    assert refused.outcome == "denied"
    assert refused.detail["route"] == "api_patient"
    assert refused.detail["method"] == "PATCH"


def test_front_desk_gets_no_clinical_data_whatever_its_scopes(
    front_desk_a, clinic_a, patient_a, event_a
):
    client = TokenClient(issue(front_desk_a, clinic_a))  # every scope, Observation.read too
    assert client.get(patient_url(patient_a)).status_code == 200  # demographics: as on the page
    assert client.get(f"{patient_url(patient_a)}/adverse-events").status_code == 403
    assert client.get(f"/api/v1/adverse-events/{event_a.public_id}").status_code == 403
    fhir = client.get("/fhir/r4/Observation", {"subject": f"Patient/{patient_a.public_id}"})
    assert fhir.status_code == 403
    assert fhir.json()["resourceType"] == "OperationOutcome"


def test_a_researcher_token_reads_no_patient(researcher_a, clinic_a, patient_a):
    client = TokenClient(issue(researcher_a, clinic_a, scopes=(PATIENT_READ, OBSERVATION_READ)))
    assert client.get("/api/v1/patients").status_code == 403
    assert client.get(patient_url(patient_a)).status_code == 403


def test_a_token_is_bound_to_its_clinic_even_for_a_member_of_both(
    clinician_a, clinic_a, clinic_b, patient_a, patient_b
):
    Membership.objects.create(user=clinician_a, clinic=clinic_b, role=Role.CLINICIAN)
    client = TokenClient(issue(clinician_a, clinic_a))
    assert client.get(patient_url(patient_b)).status_code == 404
    response = client.patch(patient_url(patient_b), {"version": 1, "given_name": "Eve"})
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    patient_b.refresh_from_db()
    assert patient_b.version == 1
    assert client.get("/api/v1/patients").json()["total"] == 1
    assert client.get("/api/v1/patients/not-an-id").status_code == 404
    refused = AuditEvent.objects.filter(action="api.refused", outcome="not_found")
    assert refused.count() == 3


def test_adverse_events_read_list_and_update_with_409(
    clinician_a, nurse_a, clinic_a, patient_a, event_a
):
    url = f"/api/v1/adverse-events/{event_a.public_id}"
    first, second = TokenClient(issue(clinician_a, clinic_a)), TokenClient(issue(nurse_a, clinic_a))
    listed = first.get(f"{patient_url(patient_a)}/adverse-events").json()
    assert [item["id"] for item in listed] == [str(event_a.public_id)]
    read = second.get(url)
    assert read.json()["term"] == "pain_flare"
    assert read["ETag"] == f'W/"{event_a.version}"'
    version = read.json()["version"]
    today = timezone.localdate().isoformat()
    won = first.patch(url, {"version": version, "outcome": "recovered", "resolved_on": today})
    assert won.status_code == 200, won.content
    assert won.json()["outcome"] == "recovered"
    assert won.json()["version"] == version + 1
    lost = second.patch(url, {"version": version, "notes": "Settling."})
    assert lost.status_code == 409
    assert lost.json()["current"]["outcome"] == "recovered"
    assert AuditEvent.objects.filter(action="adverse_event.update", channel="api").count() == 1
    assert AuditEvent.objects.filter(action="adverse_event.view", channel="api").count() == 1
    assert AuditEvent.objects.filter(action="adverse_event.list", channel="api").count() == 1
    # Model rules come back as field messages; server-kept fields are refused.
    bad = first.patch(url, {"version": version + 1, "resolved_on": "2000-01-01"})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"][-1] == "resolved_on"
    for extra in ({"is_serious": False}, {"confirmed_by": 1}, {"patient": 1}, {"session": 1}):
        assert first.patch(url, {"version": version + 1, **extra}).status_code == 422
    reader = TokenClient(issue(clinician_a, clinic_a, scopes=(ADVERSE_EVENT_READ,)))
    assert reader.patch(url, {"version": version + 1, "notes": "x"}).status_code == 403


def test_other_clinics_adverse_events_are_404(clinician_b, clinic_b, event_a):
    client = TokenClient(issue(clinician_b, clinic_b))
    url = f"/api/v1/adverse-events/{event_a.public_id}"
    assert client.get(url).status_code == 404
    assert client.patch(url, {"version": 1, "notes": "x"}).status_code == 404
    event_a.refresh_from_db()
    assert event_a.notes == ""


def test_openapi_document_is_served_without_a_token(db):
    response = TokenClient(None).get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/patients/{patient_id}" in paths
    assert paths["/api/v1/patients/{patient_id}"]["patch"]["security"] == [{"BearerToken": []}]


def test_the_prefix_alone_is_no_credential(clinic_a, db):
    user = make_user("someone", clinic_a, Role.NURSE)
    raw = issue(user, clinic_a)
    assert TokenClient(raw[:12]).get("/api/v1/patients").status_code == 401
    assert TokenClient(raw).get("/api/v1/patients").status_code == 200


def test_the_schemas_choices_are_the_models_choices():
    from typing import get_args

    from prolotrack.api import schemas
    from prolotrack.patients.models import KneesOfInterest, Sex
    from prolotrack.safety.models import ActionTaken, EventOutcome, Relatedness

    assert set(get_args(schemas.Sex)) == set(Sex.values)
    assert set(get_args(schemas.Knees)) == set(KneesOfInterest.values)
    assert set(get_args(schemas.Relatedness)) == set(Relatedness.values)
    assert set(get_args(schemas.EventOutcome)) == set(EventOutcome.values)
    assert set(get_args(schemas.ActionTaken)) == {"", *ActionTaken.values}
