"""The permission matrix (prolotrack/web/permissions.py) against what the pages really answer.

Every named route must have a row; every route x role x method is sent and its answer checked:
allowed (neither 403 nor 404, never a 500), 403 for a role the row does not list, 405 for a
method the route does not take, and 404 for another clinic's object whatever the role.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from prolotrack.clinics.models import Clinic, Role
from prolotrack.emergency.models import EmergencyAccess, EmergencyAccessRight
from prolotrack.web.permissions import ALL_ROLES, MATRIX, markdown
from tests.conftest import make_user
from tests.web.conftest import logged_in, snapshot, valid_post
from tests.web.test_access import CODE_PAGES, GRANT_PAGES, OBJECT_PAGES, all_patterns

OBJECT_ROWS = {name: (parameter, key) for name, parameter, key, _methods in OBJECT_PAGES}
METHODS = ("GET", "POST")
STAFF_KINDS = ("object", "clinic")


def test_every_route_has_a_row_and_every_row_a_route():
    routes = {pattern.name for pattern in all_patterns()}
    assert routes - set(MATRIX) == set(), "add these routes to prolotrack/web/permissions.py"
    assert set(MATRIX) - routes == set(), "these matrix rows name no route"


def test_object_routes_are_exactly_the_id_pages():
    object_rows = {name for name, rule in MATRIX.items() if rule.kind == "object"}
    assert object_rows == set(OBJECT_ROWS)


def test_object_page_methods_agree_with_the_access_table():
    for name, _parameter, _key, methods in OBJECT_PAGES:
        assert set(MATRIX[name].methods) == set(methods), name


def _url(name: str, objects) -> str:
    if name in OBJECT_ROWS:
        parameter, key = OBJECT_ROWS[name]
        return reverse(name, kwargs={parameter: getattr(objects, key).public_id})
    return reverse(name, kwargs=CODE_PAGES.get(name))


def _send(client, method: str, url: str, name: str, objects):
    """One request inside a savepoint that is rolled back: every role starts from the same data."""
    takes_post = name in OBJECT_ROWS and "POST" in MATRIX[name].methods
    with transaction.atomic():
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, valid_post(name, objects) if takes_post else {})
        transaction.set_rollback(True)
    return response


STAFF_ROUTES = sorted(name for name, rule in MATRIX.items() if rule.kind in STAFF_KINDS)


@pytest.mark.parametrize("name", STAFF_ROUTES)
def test_own_clinic_answers_match_the_matrix(objects_a, clinic_a, name):
    """Each role of clinic A, each method: allowed, denied (nothing changed) or 405."""
    rule = MATRIX[name]
    if name == "demo_outbox":
        Clinic.objects.filter(pk=clinic_a.pk).update(is_demo=True)
    users = {role: make_user(f"matrix-{role}", clinic_a, role) for role in ALL_ROLES}
    url = _url(name, objects_a)  # before any snapshot: some test objects are made on first use
    wrong = []
    for role, user in users.items():
        client = logged_in(user)
        for method in METHODS:
            denied = method in rule.methods and not rule.allows(method, role)
            before = snapshot() if denied else None
            status = _send(client, method, url, name, objects_a).status_code
            if method not in rule.methods:
                expected = "405"
                ok = status == 405
            elif rule.allows(method, role):
                expected = "allowed"
                ok = status < 500 and status not in (403, 404, 405)
            else:
                expected = str(rule.denied_status)
                ok = status == rule.denied_status and snapshot() == before
            if not ok:
                wrong.append(f"{role} {method}: {status}, matrix says {expected}")
    assert wrong == []


OBJECT_ROUTES = sorted(name for name, rule in MATRIX.items() if rule.kind == "object")


@pytest.mark.parametrize("name", OBJECT_ROUTES)
def test_other_clinic_object_is_404_for_every_role(objects_a, name):
    clinic_b = Clinic.objects.create(name="Clinic B", slug="clinic-b")
    url = _url(name, objects_a)  # before any snapshot: some test objects are made on first use
    wrong = []
    for role in ALL_ROLES:
        client = logged_in(make_user(f"other-{role}", clinic_b, role))
        for method in MATRIX[name].methods:
            before = snapshot()
            status = _send(client, method, url, name, objects_a).status_code
            if status != 404 or snapshot() != before:
                wrong.append(f"{role} {method}: {status}")
    assert wrong == []


def test_a_user_without_any_clinic_sees_no_patient_page(objects_a):
    user = make_user("nobody", None, None)
    client = logged_in(user)
    for name, rule in MATRIX.items():
        if rule.kind == "object":
            assert client.get(_url(name, objects_a)).status_code in (404, 405), name
        elif rule.kind == "clinic" and name != "dashboard":
            assert client.get(_url(name, objects_a)).status_code == rule.denied_status, name


def test_front_desk_and_researcher_never_reach_clinical_rows():
    clinical = {
        name
        for name, rule in MATRIX.items()
        if rule.kind == "object" and name not in ("patient_chart", "patient_edit")
    }
    for name in clinical:
        for method in MATRIX[name].methods:
            assert not MATRIX[name].allows(method, Role.FRONT_DESK), name
            assert not MATRIX[name].allows(method, Role.RESEARCHER), name


# --- Break-glass routes: a right held by the user (`privilege`), a grant owned by a user
# (`grant`). Rights and grants are made directly, for every role, so that the pages' own checks
# are what is tested (the services also refuse roles that may not hold the right).

PRIVILEGE_ROUTES = sorted(name for name, rule in MATRIX.items() if rule.kind == "privilege")
GRANT_ROUTES = sorted(name for name, rule in MATRIX.items() if rule.kind == "grant")


def test_grant_routes_are_exactly_the_grant_pages():
    assert set(GRANT_ROUTES) == GRANT_PAGES


def _emergency_state():
    return snapshot(), sorted(EmergencyAccess.objects.values_list("id", "ended_at"))


def _emergency_send(client, method: str, url: str, body: dict[str, str]):
    with transaction.atomic():
        response = client.get(url) if method == "GET" else client.post(url, body)
        transaction.set_rollback(True)
    return response


def _with_right(username: str, clinic: Clinic, role: str):
    user = make_user(username, clinic, role)
    EmergencyAccessRight.objects.create(user=user)
    return user


def _check(rule, method: str, role: str, status: int, unchanged: bool) -> str | None:
    if method not in rule.methods:
        return None if status == 405 else f"{role} {method}: {status}, matrix says 405"
    if rule.allows(method, role):
        ok = status < 500 and status not in (403, 404, 405)
        return None if ok else f"{role} {method}: {status}, matrix says allowed"
    ok = status == rule.denied_status and unchanged
    return None if ok else f"{role} {method}: {status}, matrix says {rule.denied_status}"


@pytest.mark.parametrize("name", PRIVILEGE_ROUTES)
def test_privilege_routes_answer_the_right_holders_only(objects_a, name):
    """Each role of clinic B, with and without the right: a listed role holding it is let in
    (its POST opens clinic A's patient); everyone else 403, nothing written."""
    rule = MATRIX[name]
    clinic_b = Clinic.objects.create(name="Clinic B", slug="clinic-b")
    patient = objects_a.patient
    body = {
        "clinic": str(patient.clinic.public_id),
        "mrn": patient.mrn,
        "date_of_birth": patient.date_of_birth.isoformat(),
        "reason": "Collapsed in our clinic; allergies and recent injections needed.",
        "minutes": "30",
    }
    wrong = []
    for role in ALL_ROLES:
        for holds in (False, True):
            username = f"privilege-{role}-{holds}"
            user = (
                _with_right(username, clinic_b, role)
                if holds
                else make_user(username, clinic_b, role)
            )
            client = logged_in(user)
            for method in METHODS:
                before = _emergency_state()
                status = _emergency_send(client, method, reverse(name), body).status_code
                allowed_role = role if holds else "nobody"
                problem = _check(rule, method, allowed_role, status, _emergency_state() == before)
                if problem:
                    wrong.append(f"{problem} (holds the right: {holds})")
    assert wrong == []


@pytest.mark.parametrize("name", GRANT_ROUTES)
def test_grant_routes_answer_the_grant_owner_only(objects_a, name):
    """A running grant of each role of clinic B to clinic A's patient: its owner is let in if
    the row lists the role (403 otherwise); every other user, in every role of the patient's
    own clinic and of clinic B, with or without the right, gets 404 and changes nothing."""
    rule = MATRIX[name]
    clinic_b = Clinic.objects.create(name="Clinic B", slug="clinic-b")
    patient = objects_a.patient
    others = [make_user(f"own-clinic-{role}", patient.clinic, role) for role in ALL_ROLES]
    others += [_with_right(f"holder-{role}", clinic_b, role) for role in ALL_ROLES]
    now = timezone.now()
    wrong = []
    for role in ALL_ROLES:
        owner = _with_right(f"owner-{role}", clinic_b, role)
        access = EmergencyAccess.objects.create(
            user=owner,
            clinic=patient.clinic,
            patient=patient,
            reason="Collapsed in our clinic; allergies needed.",
            minutes=60,
            started_at=now,
            expires_at=now + dt.timedelta(minutes=60),
        )
        url = reverse(name, kwargs={"access_id": access.public_id})
        for method in METHODS:
            before = _emergency_state()
            status = _emergency_send(logged_in(owner), method, url, {}).status_code
            problem = _check(rule, method, role, status, _emergency_state() == before)
            if problem:
                wrong.append(f"owner {problem}")
            if method not in rule.methods:
                continue
            for other in others:
                before = _emergency_state()
                status = _emergency_send(logged_in(other), method, url, {}).status_code
                if status != 404 or _emergency_state() != before:
                    wrong.append(f"{other.username} on {role}'s grant {method}: {status}")
    assert wrong == []


def test_docs_security_carries_the_current_matrix():
    docs = Path(__file__).resolve().parents[2] / "docs" / "security.md"
    assert markdown() in docs.read_text(encoding="utf-8"), (
        "regenerate the matrix in docs/security.md: prolotrack permissions"
    )
