"""What the emergency chart shows, and the clinic administrators' list of emergency accesses."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils import timezone

from prolotrack.audit.models import AuditEvent
from prolotrack.audit.services import audit_record
from prolotrack.clinics.access import clinic_ids_for
from prolotrack.clinics.models import Role, User
from prolotrack.core.actor import Actor
from prolotrack.core.errors import AccessDenied
from prolotrack.emergency.models import EmergencyAccess
from prolotrack.emergency.services import may_activate
from prolotrack.followup.models import MedicationUse, Surgery
from prolotrack.patients.models import KneeCondition, MedicalHistory, Patient, WeightMeasurement
from prolotrack.safety.models import AdverseEvent
from prolotrack.treatment.models import Course, Session

REPORT_ROLES = frozenset({Role.CLINIC_ADMIN})
RECENT_WEIGHTS = 3
REPORT_ROWS = 200
ACCESS_OBJECT_TYPE = EmergencyAccess._meta.label_lower


@dataclass(frozen=True)
class EmergencyChart:
    access: EmergencyAccess
    patient: Patient
    history: MedicalHistory | None
    weights: list[WeightMeasurement]
    conditions: list[KneeCondition]
    courses: list[Course]
    adverse_events: list[AdverseEvent]
    medications: list[MedicationUse]  # the latest recorded day's rows
    surgeries: list[Surgery]


def emergency_chart(*, actor: Actor, access: EmergencyAccess) -> EmergencyChart:
    """The urgent facts of the grant's patient; the caller has checked the grant is open.
    Audited as `emergency.view` with the patient and the emergency marker."""
    patient = access.patient
    sessions = Session.objects.select_related("clinician").prefetch_related("injections")
    courses = list(
        Course.objects.filter(patient=patient).prefetch_related(
            Prefetch("sessions", queryset=sessions)
        )
    )
    medications = list(MedicationUse.objects.filter(patient=patient).order_by("-recorded_on", "id"))
    latest_day = medications[0].recorded_on if medications else None
    audit_record(
        actor=actor,
        action="emergency.view",
        clinic_id=access.clinic_id,
        patient_id=patient.id,
        target=access,
        detail={"emergency": True},
    )
    return EmergencyChart(
        access=access,
        patient=patient,
        history=MedicalHistory.objects.filter(patient=patient).first(),
        weights=list(patient.weights.all()[:RECENT_WEIGHTS]),
        conditions=list(patient.conditions.all()),
        courses=courses,
        adverse_events=list(
            AdverseEvent.objects.filter(patient=patient).select_related("course", "session")
        ),
        medications=[row for row in medications if row.recorded_on == latest_day],
        surgeries=list(Surgery.objects.filter(patient=patient)),
    )


@dataclass(frozen=True)
class EmergencyPanel:
    """The dashboard's break-glass panel: shown only to holders of the right."""

    may_activate: bool
    running: list[EmergencyAccess]


def emergency_panel(*, user: User) -> EmergencyPanel:
    """Whether to offer activation (no link for anyone else), and the user's running grants.
    Lists no patient: the grant's page names its patient, and opening it is audited."""
    if not may_activate(user):
        return EmergencyPanel(may_activate=False, running=[])
    running = EmergencyAccess.objects.filter(
        user=user, ended_at__isnull=True, expires_at__gt=timezone.now()
    ).select_related("clinic")
    return EmergencyPanel(may_activate=True, running=list(running))


@dataclass(frozen=True)
class ReportRow:
    access: EmergencyAccess
    views: list[AuditEvent]  # every emergency.* event recorded under this grant


def emergency_report(*, actor: Actor) -> list[ReportRow]:
    """Emergency accesses to the patients of the clinics the actor administers, newest first,
    each with what was done under it. Reading it is audited per clinic."""
    clinic_ids = clinic_ids_for(actor.user, REPORT_ROLES)
    if not clinic_ids:
        raise AccessDenied("The emergency access report is for clinic administrators.")
    accesses = list(
        EmergencyAccess.objects.filter(clinic_id__in=clinic_ids)
        .select_related("user", "clinic", "patient")
        .prefetch_related("user__memberships__clinic")[:REPORT_ROWS]
    )
    events: dict[str, list[AuditEvent]] = {str(a.public_id): [] for a in accesses}
    # clinic_id first: the audit table's (clinic, at) index narrows it to these clinics.
    under_grants = AuditEvent.objects.filter(
        clinic_id__in=clinic_ids, object_type=ACCESS_OBJECT_TYPE, object_id__in=list(events)
    )
    for event in under_grants.order_by("sequence"):
        events[event.object_id].append(event)
    for clinic_id in clinic_ids:
        audit_record(
            actor=actor,
            action="emergency.report_view",
            clinic_id=clinic_id,
            detail={"rows": sum(1 for a in accesses if a.clinic_id == clinic_id)},
        )
    return [ReportRow(access=a, views=events[str(a.public_id)]) for a in accesses]
