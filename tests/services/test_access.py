"""The one door: missing and another clinic's records are the same NotFound."""

from __future__ import annotations

import uuid

import pytest

from prolotrack.clinics.access import (
    CLINICAL_READ_ROLES,
    DEMOGRAPHIC_READ_ROLES,
    access_clinic,
    clinic_ids_for,
)
from prolotrack.core.errors import AccessDenied, NotFound
from prolotrack.patients.access import access_condition, access_patient
from prolotrack.treatment.access import access_course, access_injection, access_session


def objects(course_fixture):
    course, session, injection = course_fixture
    return {
        access_patient: course.patient.public_id,
        access_condition: course.patient.conditions.first().public_id
        if course.patient.conditions.exists()
        else None,
        access_course: course.public_id,
        access_session: session.public_id,
        access_injection: injection.public_id,
    }


ACCESSORS = [access_patient, access_condition, access_course, access_session, access_injection]


@pytest.mark.parametrize("accessor", ACCESSORS, ids=lambda f: f.__name__)
def test_own_clinic_found_other_clinic_not_found(course_a, clinician_a, clinician_b, accessor):
    public_id = objects(course_a)[accessor]
    found = accessor(public_id, user=clinician_a, roles=CLINICAL_READ_ROLES)
    assert found.public_id == public_id
    with pytest.raises(NotFound) as other:
        accessor(public_id, user=clinician_b, roles=CLINICAL_READ_ROLES)
    with pytest.raises(NotFound) as missing:
        accessor(uuid.uuid4(), user=clinician_b, roles=CLINICAL_READ_ROLES)
    assert str(other.value) == str(missing.value)


@pytest.mark.parametrize("bad_id", ["", "123", "not-a-uuid", "'; DROP TABLE x;--", None])
def test_malformed_ids_are_not_found(patient_a, clinician_a, bad_id):
    with pytest.raises(NotFound):
        access_patient(bad_id, user=clinician_a, roles=CLINICAL_READ_ROLES)


def test_wrong_role_in_own_clinic_is_denied(patient_a, front_desk_a, researcher_a):
    assert access_patient(patient_a.public_id, user=front_desk_a, roles=DEMOGRAPHIC_READ_ROLES)
    with pytest.raises(AccessDenied):
        access_patient(patient_a.public_id, user=front_desk_a, roles=CLINICAL_READ_ROLES)
    with pytest.raises(AccessDenied):
        access_patient(patient_a.public_id, user=researcher_a, roles=DEMOGRAPHIC_READ_ROLES)


def test_inactive_membership_and_inactive_user_see_nothing(patient_a, clinician_a):
    membership = clinician_a.memberships.get()
    membership.is_active = False
    membership.save()
    with pytest.raises(NotFound):
        access_patient(patient_a.public_id, user=clinician_a, roles=CLINICAL_READ_ROLES)
    membership.is_active = True
    membership.save()
    clinician_a.is_active = False
    assert clinic_ids_for(clinician_a, CLINICAL_READ_ROLES) == []


def test_access_clinic(clinic_a, clinician_a, clinician_b):
    assert (
        access_clinic(clinic_a.public_id, user=clinician_a, roles=CLINICAL_READ_ROLES) == clinic_a
    )
    with pytest.raises(NotFound):
        access_clinic(clinic_a.public_id, user=clinician_b, roles=CLINICAL_READ_ROLES)
