"""The API permission matrix (prolotrack/api/permissions.py) against what the API answers.

Every named route under /api/ and /fhir/ must have a row (an unmapped route fails); then every
route x role x method is sent with a token of that role holding every scope: allowed (no
401/403/404/405, never a 500), 403 for a role the row does not list (nothing changed), 405 for
a method the route does not take. A token lacking the row's scope gets 403 even for an allowed
role; a token of clinic B gets 404 for clinic A's object, whatever its role.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver

from prolotrack.api.permissions import API_MATRIX, ApiRule, markdown
from prolotrack.api.scopes import SCOPES
from prolotrack.clinics.models import Clinic, Role
from prolotrack.fhir.mappers import patient_resource
from prolotrack.fhir.observations import observation_id
from prolotrack.outcomes.models import Score
from prolotrack.safety.events import adverse_event_record
from tests.api.conftest import TokenClient, issue
from tests.conftest import actor, make_user
from tests.fhir.conftest import complete_pain_score
from tests.web.conftest import snapshot

ROLES = tuple(Role.values)
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
TOKEN_PREFIXES = ("api/", "fhir/")
# Catch-all routes, sent a path of their own.
SAMPLE_PATHS = {
    "api-root": "/api/v1/",
    "api_not_found": "/api/v2/anything",
    "fhir_not_found": "/fhir/r4/Encounter",
}


def token_routes(patterns=None, prefix: str = "") -> dict[str, str]:
    """Name -> full route of every named pattern under /api/ and /fhir/ in the root URLconf."""
    found: dict[str, str] = {}
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            found |= token_routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and route.startswith(TOKEN_PREFIXES):
            assert pattern.name, f"unnamed API route {route}"
            found[pattern.name] = route
    return found


def test_every_api_route_has_a_row_and_every_row_a_route():
    routes = set(token_routes())
    assert routes - set(API_MATRIX) == set(), "add these routes to prolotrack/api/permissions.py"
    assert set(API_MATRIX) - routes == set(), "these API matrix rows name no route"


def test_api_rows_name_known_scopes_and_methods():
    for name, rule in API_MATRIX.items():
        assert (rule.kind == "public") == (not rule.methods), name
        for method, grant in rule.methods.items():
            assert method in METHODS, name
            assert grant.scope in SCOPES, name
            assert grant.roles <= set(ROLES), name
        assert rule.object_route == ("{id}" in rule.path), name


def test_no_scope_lets_front_desk_or_researchers_read_clinical_data():
    clinical = {"api_patient_adverse_events", "api_adverse_event", "fhir_observation"}
    clinical |= {"fhir_observation_type", "fhir_observation_search"}
    for name in clinical:
        for method, grant in API_MATRIX[name].methods.items():
            assert Role.FRONT_DESK not in grant.roles, (name, method)
            assert Role.RESEARCHER not in grant.roles, (name, method)


class Objects:
    def __init__(self, patient, event, administration) -> None:
        self.patient = patient
        self.event = event
        self.observation = observation_id(Score.objects.get(administration=administration))

    def object_id(self, name: str) -> str:
        if "adverse_event" in name and "patient" not in name:
            return str(self.event.public_id)
        if "observation" in name:
            return self.observation
        return str(self.patient.public_id)


@pytest.fixture
def objects(patient_a, clinician_a, course_a) -> Objects:
    course, session, _ = course_a
    event = adverse_event_record(
        actor=actor(clinician_a),
        patient=patient_a,
        course=course,
        session=session,
        term="pain_flare",
        grade=1,
        relatedness="probable",
        onset_after_hours=6,
    )
    return Objects(patient_a, event, complete_pain_score(patient_a, clinician_a))


def path_of(name: str, rule: ApiRule, objects: Objects) -> str:
    return SAMPLE_PATHS.get(name) or rule.path.replace("{id}", objects.object_id(name))


def send(client: TokenClient, method: str, name: str, objects: Objects):
    """One request in a savepoint that is rolled back, with a body that would change data."""
    rule = API_MATRIX[name]
    url = path_of(name, rule, objects)
    objects.patient.refresh_from_db()
    objects.event.refresh_from_db()
    with transaction.atomic():
        if method == "GET" or method == "DELETE":
            response = client.request(method, url)
        elif name == "api_patient_search" and method == "POST":
            response = client.post(url, {"query": objects.patient.family_name})
        elif name.startswith("fhir_") and method == "POST":
            body = urlencode({"_count": 5})
            response = client.post(url, body, content_type="application/x-www-form-urlencoded")
        elif name == "fhir_patient" and method == "PUT":
            resource = patient_resource(objects.patient)
            resource["name"][0]["family"] = "Matrix"
            version = objects.patient.version
            response = client.put(
                url,
                json.dumps(resource),
                content_type="application/fhir+json",
                headers={"If-Match": f'W/"{version}"'},
            )
        elif name == "api_adverse_event":
            response = client.request(method, url, {"version": objects.event.version, "notes": "M"})
        else:
            changes = {"version": objects.patient.version, "family_name": "Matrix"}
            response = client.request(method, url, changes)
        transaction.set_rollback(True)
    return response


TOKEN_ROUTES = sorted(name for name, rule in API_MATRIX.items() if rule.kind == "api")


@pytest.mark.parametrize("name", TOKEN_ROUTES)
def test_own_clinic_answers_match_the_matrix(objects, clinic_a, name):
    rule = API_MATRIX[name]
    wrong = []
    for role in ROLES:
        client = TokenClient(issue(make_user(f"api-{role}", clinic_a, role), clinic_a))
        for method in METHODS:
            before = snapshot()
            status = send(client, method, name, objects).status_code
            if method not in rule.methods:
                expected, ok = "405", status == 405
            elif role in rule.methods[method].roles:
                expected, ok = "allowed", status < 500 and status not in (401, 403, 404, 405)
            else:
                expected, ok = "403", status == 403 and snapshot() == before
            if not ok:
                wrong.append(f"{role} {method}: {status}, matrix says {expected}")
    assert wrong == []


@pytest.mark.parametrize("name", TOKEN_ROUTES)
def test_a_missing_scope_is_403_even_for_an_allowed_role(objects, clinic_a, name):
    wrong = []
    for method, grant in API_MATRIX[name].methods.items():
        role = sorted(grant.roles)[0]
        others = tuple(scope for scope in SCOPES if scope != grant.scope)
        user = make_user(f"scope-{method}-{role}", clinic_a, role)
        client = TokenClient(issue(user, clinic_a, scopes=others))
        before = snapshot()
        response = send(client, method, name, objects)
        if response.status_code != 403 or snapshot() != before:
            wrong.append(f"{method} as {role}: {response.status_code}")
        elif "insufficient_scope" not in response["WWW-Authenticate"]:
            wrong.append(f"{method}: no insufficient_scope challenge")
    assert wrong == []


OBJECT_ROUTES = sorted(name for name, rule in API_MATRIX.items() if rule.object_route)


@pytest.mark.parametrize("name", OBJECT_ROUTES)
def test_other_clinics_object_is_404_for_every_role(objects, name):
    clinic_b = Clinic.objects.create(name="Clinic B", slug="clinic-b")
    wrong = []
    for role in ROLES:
        client = TokenClient(issue(make_user(f"b-{role}", clinic_b, role), clinic_b))
        for method in API_MATRIX[name].methods:
            before = snapshot()
            status = send(client, method, name, objects).status_code
            if status != 404 or snapshot() != before:
                wrong.append(f"{role} {method}: {status}")
    assert wrong == []


@pytest.mark.parametrize("name", TOKEN_ROUTES)
def test_no_token_is_401(objects, name):
    for method in API_MATRIX[name].methods:
        assert send(TokenClient(None), method, name, objects).status_code == 401, method


@pytest.mark.parametrize("name", sorted(n for n, r in API_MATRIX.items() if r.kind == "public"))
def test_public_routes_need_no_token_and_show_nobody(objects, name):
    response = send(TokenClient(None), "GET", name, objects)
    assert response.status_code == (404 if name in SAMPLE_PATHS else 200)
    assert objects.patient.family_name not in response.content.decode()


def test_docs_security_carries_the_current_api_matrix():
    docs = Path(__file__).resolve().parents[2] / "docs" / "security.md"
    assert markdown() in docs.read_text(encoding="utf-8"), (
        "regenerate the matrices in docs/security.md: prolotrack permissions"
    )
