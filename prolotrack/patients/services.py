"""Writes to the patient record. Each runs in one transaction with its audit event."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from prolotrack.audit.services import audit_record
from prolotrack.clinics.access import (
    CLINICAL_WRITE_ROLES,
    DEMOGRAPHIC_WRITE_ROLES,
    require_role,
)
from prolotrack.clinics.models import Clinic
from prolotrack.core.actor import Actor
from prolotrack.core.errors import ApplicationError
from prolotrack.core.records import record_create, record_update
from prolotrack.core.retry import retrying_atomic
from prolotrack.patients.models import KneeCondition, MedicalHistory, Patient, WeightMeasurement

DEMOGRAPHIC_FIELDS = (
    "mrn",
    "given_name",
    "family_name",
    "date_of_birth",
    "sex",
    "email",
    "phone",
    "knees",
)
HISTORY_FIELDS = (
    "on_anticoagulants",
    "anticoagulant_name",
    "bleeding_disorder",
    "diabetes",
    "hba1c_pct",
    "hba1c_measured_on",
    "arthroplasty_right",
    "arthroplasty_left",
    "allergy_local_anaesthetic",
    "allergy_corn_dextrose",
    "other_allergies",
    "pregnant",
    "last_corticosteroid_injection_on",
    "notes",
)


def _mrn_taken(clinic: Clinic, mrn: str, *, exclude_id: int | None = None) -> bool:
    patients = Patient.objects.filter(clinic=clinic, mrn__iexact=mrn)
    if exclude_id is not None:
        patients = patients.exclude(id=exclude_id)
    return patients.exists()


@transaction.atomic
def patient_create(*, actor: Actor, clinic: Clinic, **fields: Any) -> Patient:
    """Register a patient in `clinic` with an empty medical history."""
    require_role(actor.user, clinic.id, DEMOGRAPHIC_WRITE_ROLES)
    unknown = set(fields) - set(DEMOGRAPHIC_FIELDS)
    if unknown:
        raise TypeError(f"Unknown patient fields: {sorted(unknown)}")
    if _mrn_taken(clinic, str(fields.get("mrn", ""))):
        raise ApplicationError("A patient with this record number already exists.", field="mrn")
    try:
        with transaction.atomic():
            patient = record_create(Patient(clinic=clinic, **fields))
    except IntegrityError:  # lost a race with another registration of the same MRN
        raise ApplicationError(
            "A patient with this record number already exists.", field="mrn"
        ) from None
    record_create(MedicalHistory(clinic=clinic, patient=patient))
    audit_record(
        actor=actor,
        action="patient.create",
        clinic_id=clinic.id,
        patient_id=patient.id,
        target=patient,
    )
    return patient


@retrying_atomic
def patient_update(
    *, actor: Actor, patient: Patient, expected_version: int | None, **changes: Any
) -> Patient:
    require_role(actor.user, patient.clinic_id, DEMOGRAPHIC_WRITE_ROLES)
    unknown = set(changes) - set(DEMOGRAPHIC_FIELDS)
    if unknown:
        raise TypeError(f"Unknown patient fields: {sorted(unknown)}")
    # FOR NO KEY UPDATE: an audit row written meanwhile (a read of this patient) checks its
    # foreign key with FOR KEY SHARE, which FOR UPDATE would block while that reader holds the
    # audit chain's lock, and this update then waits for the chain: a deadlock on PostgreSQL.
    locked = Patient.objects.select_for_update(no_key=True).get(id=patient.id)
    if "mrn" in changes and _mrn_taken(locked.clinic, changes["mrn"], exclude_id=locked.id):
        raise ApplicationError("A patient with this record number already exists.", field="mrn")
    if "knees" in changes:
        _check_knees_still_cover_records(locked, changes["knees"])
    changed = record_update(locked, changes=changes, expected_version=expected_version)
    if changed:
        audit_record(
            actor=actor,
            action="patient.update",
            clinic_id=locked.clinic_id,
            patient_id=locked.id,
            target=locked,
            detail={"fields": changed},
        )
    return locked


def _check_knees_still_cover_records(patient: Patient, knees: str) -> None:
    from prolotrack.patients.models import sides_of
    from prolotrack.treatment.models import Course

    kept = set(sides_of(knees))
    used = set(patient.conditions.values_list("side", flat=True))
    used |= set(Course.objects.filter(patient=patient).values_list("side", flat=True))
    if used - kept:
        raise ApplicationError(
            "This patient has conditions or courses on a knee you are removing.", field="knees"
        )


@transaction.atomic
def weight_record(
    *, actor: Actor, patient: Patient, weight_kg: Decimal, measured_on: dt.date
) -> WeightMeasurement:
    require_role(actor.user, patient.clinic_id, CLINICAL_WRITE_ROLES)
    weight = record_create(
        WeightMeasurement(
            clinic_id=patient.clinic_id,
            patient=patient,
            weight_kg=weight_kg,
            measured_on=measured_on,
            recorded_by=actor.user,
        )
    )
    audit_record(
        actor=actor,
        action="weight.create",
        clinic_id=patient.clinic_id,
        patient_id=patient.id,
        target=weight,
    )
    return weight


@transaction.atomic
def condition_add(
    *,
    actor: Actor,
    patient: Patient,
    side: str,
    icd10_code: str,
    onset_date: dt.date | None = None,
    kl_grade: int | None = None,
    notes: str = "",
) -> KneeCondition:
    require_role(actor.user, patient.clinic_id, CLINICAL_WRITE_ROLES)
    condition = record_create(
        KneeCondition(
            clinic_id=patient.clinic_id,
            patient=patient,
            side=side,
            icd10_code=icd10_code,
            onset_date=onset_date,
            kl_grade=kl_grade,
            notes=notes,
        )
    )
    audit_record(
        actor=actor,
        action="condition.create",
        clinic_id=patient.clinic_id,
        patient_id=patient.id,
        target=condition,
    )
    return condition


@transaction.atomic
def condition_update(
    *, actor: Actor, condition: KneeCondition, expected_version: int | None, **changes: Any
) -> KneeCondition:
    require_role(actor.user, condition.clinic_id, CLINICAL_WRITE_ROLES)
    locked = (
        KneeCondition.objects.select_for_update(no_key=True)
        .select_related("patient")
        .get(id=condition.id)
    )
    changed = record_update(locked, changes=changes, expected_version=expected_version)
    if changed:
        audit_record(
            actor=actor,
            action="condition.update",
            clinic_id=locked.clinic_id,
            patient_id=locked.patient_id,
            target=locked,
            detail={"fields": changed},
        )
    return locked


@transaction.atomic
def history_update(
    *, actor: Actor, patient: Patient, expected_version: int | None, **changes: Any
) -> MedicalHistory:
    require_role(actor.user, patient.clinic_id, CLINICAL_WRITE_ROLES)
    unknown = set(changes) - set(HISTORY_FIELDS)
    if unknown:
        raise TypeError(f"Unknown history fields: {sorted(unknown)}")
    locked = (
        MedicalHistory.objects.select_for_update(no_key=True)
        .select_related("patient")
        .get(patient_id=patient.id)
    )
    changed = record_update(locked, changes=changes, expected_version=expected_version)
    if changed:
        audit_record(
            actor=actor,
            action="history.update",
            clinic_id=patient.clinic_id,
            patient_id=patient.id,
            target=locked,
            detail={"fields": changed},
        )
    return locked
