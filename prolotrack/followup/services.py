"""Writes of medication use, examinations and surgery: role check, full validation, version
check on edits, and an audit event, all in one transaction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, TypeVar

from django.db import transaction

from prolotrack.audit.services import audit_record
from prolotrack.clinics.access import CLINICAL_WRITE_ROLES, require_role
from prolotrack.core.actor import Actor
from prolotrack.core.models import VersionedModel
from prolotrack.core.records import record_create, record_update
from prolotrack.domain.medication import OPIOID, mme_per_day
from prolotrack.followup.models import (
    MEASURE_FIELDS,
    Examination,
    MedicationSource,
    MedicationUse,
    Surgery,
)
from prolotrack.knowledge.medications import medication_catalogue
from prolotrack.patients.models import Patient
from prolotrack.treatment.models import Course

MEDICATION_FIELDS = (
    "course",
    "recorded_on",
    "time_point",
    "category",
    "side",
    "name",
    "opioid_code",
    "dose_mg_per_day",
    "days_per_week",
    "source",
    "notes",
)
EXAMINATION_FIELDS = ("side", "examined_on", *MEASURE_FIELDS, "notes")
SURGERY_FIELDS = ("course", "side", "performed_on", "procedure", "other_procedure", "notes")

RecordT = TypeVar("RecordT", bound=VersionedModel)


def _audit(actor: Actor, action: str, record: Any, **detail: Any) -> None:
    audit_record(
        actor=actor,
        action=action,
        clinic_id=record.clinic_id,
        patient_id=record.patient_id,
        target=record,
        detail=detail,
    )


def _known(changes: dict[str, Any], fields: tuple[str, ...]) -> None:
    unknown = set(changes) - set(fields)
    if unknown:
        raise TypeError(f"Unknown fields: {sorted(unknown)}")


def _locked(record: RecordT) -> RecordT:
    return type(record).objects.select_for_update(no_key=True).get(id=record.pk)  # type: ignore[attr-defined,no-any-return]


def _corrected(
    actor: Actor,
    record: RecordT,
    action: str,
    fields: tuple[str, ...],
    expected_version: int | None,
    changes: dict[str, Any],
) -> RecordT:
    """Lock the row, refuse a stale version, apply `changes` and audit what changed."""
    _known(changes, fields)
    require_role(actor.user, record.clinic_id, CLINICAL_WRITE_ROLES)  # type: ignore[attr-defined]
    locked = _locked(record)
    changed = record_update(locked, changes=changes, expected_version=expected_version)
    if changed:
        _audit(actor, action, locked, fields=changed)
    return locked


def derived_mme(
    *, category: str, opioid_code: str, dose_mg_per_day: Decimal | None
) -> tuple[Decimal | None, str]:
    """MME/day and the factor file's version for an opioid with a known drug and dose; else
    (None, ""). An unknown drug is left for the model's validation to refuse."""
    catalogue = medication_catalogue()
    opioid = catalogue.opioids.get(opioid_code)
    if category != OPIOID or opioid is None or dose_mg_per_day is None or dose_mg_per_day < 0:
        return None, ""
    return mme_per_day(dose_mg_per_day=dose_mg_per_day, factor=opioid.mme_factor), (
        catalogue.version
    )


@transaction.atomic
def medication_record(
    *,
    actor: Actor,
    patient: Patient,
    recorded_on: dt.date,
    time_point: str,
    category: str,
    course: Course | None = None,
    side: str = "",
    name: str = "",
    opioid_code: str = "",
    dose_mg_per_day: Decimal | None = None,
    days_per_week: int | None = None,
    source: str = MedicationSource.STAFF,
    notes: str = "",
) -> MedicationUse:
    """Record one medicine (or "none") the patient takes, as of `recorded_on`."""
    require_role(actor.user, patient.clinic_id, CLINICAL_WRITE_ROLES)
    mme, version = derived_mme(
        category=category, opioid_code=opioid_code, dose_mg_per_day=dose_mg_per_day
    )
    use = MedicationUse(
        clinic_id=patient.clinic_id,
        patient=patient,
        course=course,
        recorded_on=recorded_on,
        time_point=time_point,
        category=category,
        side=side,
        name=name.strip(),
        opioid_code=opioid_code,
        dose_mg_per_day=dose_mg_per_day,
        days_per_week=days_per_week,
        mme_per_day=mme,
        mme_factors_version=version,
        source=source,
        notes=notes,
        recorded_by=actor.user,
    )
    record_create(use)
    _audit(actor, "medication.record", use, category=category)
    return use


@transaction.atomic
def medication_update(
    *, actor: Actor, use: MedicationUse, expected_version: int | None, **changes: Any
) -> MedicationUse:
    """Correct a medication row; MME/day is derived again from the new values."""
    _known(changes, MEDICATION_FIELDS)
    require_role(actor.user, use.clinic_id, CLINICAL_WRITE_ROLES)
    locked = _locked(use)
    merged = {name: changes.get(name, getattr(locked, name)) for name in MEDICATION_FIELDS}
    mme, version = derived_mme(
        category=merged["category"],
        opioid_code=merged["opioid_code"],
        dose_mg_per_day=merged["dose_mg_per_day"],
    )
    values = changes | {"mme_per_day": mme, "mme_factors_version": version}
    changed = record_update(locked, changes=values, expected_version=expected_version)
    if changed:
        _audit(actor, "medication.update", locked, fields=changed)
    return locked


@transaction.atomic
def examination_record(
    *, actor: Actor, patient: Patient, side: str, examined_on: dt.date, **values: Any
) -> Examination:
    """Record one knee's examination at one visit; `values` are measures and notes."""
    _known(values, EXAMINATION_FIELDS)
    require_role(actor.user, patient.clinic_id, CLINICAL_WRITE_ROLES)
    exam = Examination(
        clinic_id=patient.clinic_id,
        patient=patient,
        side=side,
        examined_on=examined_on,
        recorded_by=actor.user,
        **values,
    )
    record_create(exam)
    recorded = sorted(name for name, value in exam.measures().items() if value not in (None, ""))
    _audit(actor, "examination.record", exam, measures=recorded)
    return exam


@transaction.atomic
def examination_update(
    *, actor: Actor, examination: Examination, expected_version: int | None, **changes: Any
) -> Examination:
    return _corrected(
        actor, examination, "examination.update", EXAMINATION_FIELDS, expected_version, changes
    )


@transaction.atomic
def surgery_record(
    *,
    actor: Actor,
    patient: Patient,
    side: str,
    performed_on: dt.date,
    procedure: str,
    course: Course | None = None,
    other_procedure: str = "",
    notes: str = "",
) -> Surgery:
    """Record an operation on one of the patient's knees."""
    require_role(actor.user, patient.clinic_id, CLINICAL_WRITE_ROLES)
    surgery = Surgery(
        clinic_id=patient.clinic_id,
        patient=patient,
        course=course,
        side=side,
        performed_on=performed_on,
        procedure=procedure,
        other_procedure=other_procedure.strip(),
        notes=notes,
        recorded_by=actor.user,
    )
    record_create(surgery)
    _audit(actor, "surgery.record", surgery, procedure=procedure)
    return surgery


@transaction.atomic
def surgery_update(
    *, actor: Actor, surgery: Surgery, expected_version: int | None, **changes: Any
) -> Surgery:
    return _corrected(actor, surgery, "surgery.update", SURGERY_FIELDS, expected_version, changes)
