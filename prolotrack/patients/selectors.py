"""Reads of patient data, always scoped to the acting user's clinics and audited."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from prolotrack.audit.services import audit_record
from prolotrack.clinics.access import (
    CLINICAL_READ_ROLES,
    DEMOGRAPHIC_READ_ROLES,
    clinic_ids_for,
    role_in,
)
from prolotrack.core.actor import Actor
from prolotrack.patients.models import KneeCondition, MedicalHistory, Patient, WeightMeasurement
from prolotrack.treatment.models import Course, Session


def patients_for(*, actor: Actor, query: str = "") -> QuerySet[Patient]:
    """Patients of the clinics where the user may see demographics, optionally searched.

    The search matches the record number exactly or by prefix, and names by substring
    (given, family, or "given family").
    """
    patients = Patient.objects.filter(
        clinic_id__in=clinic_ids_for(actor.user, DEMOGRAPHIC_READ_ROLES)
    ).select_related("clinic")
    words = query.split()
    if words:
        text = " ".join(words)
        matches = Q(mrn__istartswith=text)
        for word in words:
            matches |= Q(given_name__icontains=word) | Q(family_name__icontains=word)
        if len(words) > 1:
            name_all = Q()
            for word in words:
                name_all &= Q(given_name__icontains=word) | Q(family_name__icontains=word)
            matches = Q(mrn__istartswith=text) | name_all
        patients = patients.filter(matches)
    return patients.order_by("family_name", "given_name", "id")


def audit_search(*, actor: Actor, result_count: int) -> None:
    """Searches are audited without their text: names and MRNs stay out of the log."""
    audit_record(actor=actor, action="patient.search", detail={"results": result_count})


@dataclass(frozen=True)
class PatientChart:
    patient: Patient
    role: str
    show_clinical: bool
    history: MedicalHistory | None
    latest_weight: WeightMeasurement | None
    conditions: list[KneeCondition]
    courses: list[Course]


def patient_chart(*, actor: Actor, patient: Patient) -> PatientChart:
    """Everything the chart shows; front desk sees demographics and schedule only."""
    role = role_in(actor.user, patient.clinic_id) or ""
    show_clinical = role in CLINICAL_READ_ROLES
    sessions = Session.objects.all()
    if show_clinical:  # front desk sees dates and statuses, never who injected what
        sessions = sessions.select_related("clinician").prefetch_related("injections")
    courses = list(
        Course.objects.filter(patient=patient).prefetch_related(
            Prefetch("sessions", queryset=sessions)
        )
    )
    audit_record(
        actor=actor,
        action="patient.view" if show_clinical else "patient.view_demographics",
        clinic_id=patient.clinic_id,
        patient_id=patient.id,
        target=patient,
    )
    return PatientChart(
        patient=patient,
        role=role,
        show_clinical=show_clinical,
        history=MedicalHistory.objects.filter(patient=patient).first() if show_clinical else None,
        latest_weight=patient.weights.first() if show_clinical else None,
        conditions=list(patient.conditions.all()) if show_clinical else [],
        courses=courses,
    )
