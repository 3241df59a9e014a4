"""The one door to a patient's records by id: missing and another clinic's look the same."""

from __future__ import annotations

from collections.abc import Collection

from prolotrack.clinics.access import access_scoped
from prolotrack.clinics.models import User
from prolotrack.patients.models import KneeCondition, Patient


def access_patient(public_id: object, *, user: User, roles: Collection[str]) -> Patient:
    """The patient if the user holds one of `roles` in the patient's clinic, else NotFound."""
    return access_scoped(
        Patient.objects.select_related("clinic"), public_id, user=user, roles=roles
    )


def access_condition(public_id: object, *, user: User, roles: Collection[str]) -> KneeCondition:
    return access_scoped(
        KneeCondition.objects.select_related("patient", "patient__clinic"),
        public_id,
        user=user,
        roles=roles,
    )
