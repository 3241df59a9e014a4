"""API reads, scoped to the token's clinic and audited (channel "api") in one transaction."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from prolotrack.api.tokens import TokenContext
from prolotrack.audit.services import audit_record
from prolotrack.patients.models import Patient
from prolotrack.patients.selectors import patients_for
from prolotrack.safety.models import AdverseEvent


@dataclass(frozen=True)
class PatientPage:
    patients: list[Patient]
    total: int
    page: int
    page_size: int


def patient_page(
    context: TokenContext, *, query: str, page: int, page_size: int, action: str
) -> PatientPage:
    """One page of the clinic's patients (optionally searched); the search text is not
    audited, only the count."""
    found = patients_for(actor=context.actor, query=query).filter(clinic_id=context.clinic.id)
    with transaction.atomic():
        total = found.count()
        start = (page - 1) * page_size
        patients = list(found[start : start + page_size])
        audit_record(
            actor=context.actor,
            action=action,
            clinic_id=context.clinic.id,
            detail={
                "results": total,
                "returned": len(patients),
                "searched": bool(query.strip()),
                "token": context.token.prefix,
            },
        )
    return PatientPage(patients, total, page, page_size)


def patient_read(context: TokenContext, patient: Patient, *, action: str) -> Patient:
    with transaction.atomic():
        audit_record(
            actor=context.actor,
            action=action,
            clinic_id=patient.clinic_id,
            patient_id=patient.id,
            target=patient,
            detail={"token": context.token.prefix},
        )
    return patient


def adverse_events_of(context: TokenContext, patient: Patient) -> list[AdverseEvent]:
    with transaction.atomic():
        events = list(
            AdverseEvent.objects.filter(clinic_id=context.clinic.id, patient=patient)
            .select_related("patient", "course", "session")
            .order_by("-onset_on", "-id")
        )
        audit_record(
            actor=context.actor,
            action="adverse_event.list",
            clinic_id=patient.clinic_id,
            patient_id=patient.id,
            target=patient,
            detail={"results": len(events), "token": context.token.prefix},
        )
    return events


def adverse_event_read(context: TokenContext, event: AdverseEvent) -> AdverseEvent:
    with transaction.atomic():
        audit_record(
            actor=context.actor,
            action="adverse_event.view",
            clinic_id=event.clinic_id,
            patient_id=event.patient_id,
            target=event,
            detail={"token": context.token.prefix},
        )
    return event
