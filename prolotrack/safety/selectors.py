"""Reads for the safety pages, the dashboard and the reports, scoped to the user's clinics."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from prolotrack.audit.services import audit_record
from prolotrack.clinics.access import CLINICAL_READ_ROLES, clinic_ids_for
from prolotrack.core.actor import Actor
from prolotrack.patients.models import Patient
from prolotrack.safety.gates import dose_blocker, screening_blocker
from prolotrack.safety.models import AdverseEvent, Consent, DoseCheck, Screening
from prolotrack.treatment.models import Course, Deviation, Session


def screening_overrides(*, actor: Actor) -> QuerySet[Screening]:
    """Overridden screenings in the user's clinics, newest first (for the safety report)."""
    return (
        Screening.objects.filter(
            clinic_id__in=clinic_ids_for(actor.user, CLINICAL_READ_ROLES),
            overridden_at__isnull=False,
        )
        .select_related("session", "session__course__patient", "overridden_by")
        .order_by("-overridden_at", "-id")
    )


def dose_overrides(*, actor: Actor) -> QuerySet[DoseCheck]:
    """Overridden dose checks in the user's clinics, newest first."""
    return (
        DoseCheck.objects.filter(
            clinic_id__in=clinic_ids_for(actor.user, CLINICAL_READ_ROLES),
            overridden_at__isnull=False,
        )
        .select_related("session", "session__course__patient", "overridden_by")
        .order_by("-overridden_at", "-id")
    )


def serious_unreviewed(*, actor: Actor) -> QuerySet[AdverseEvent]:
    """Serious adverse events nobody has reviewed yet (the dashboard's list)."""
    return (
        AdverseEvent.objects.filter(
            clinic_id__in=clinic_ids_for(actor.user, CLINICAL_READ_ROLES),
            is_serious=True,
            reviewed_at__isnull=True,
        )
        .select_related("patient")
        .order_by("onset_on", "id")
    )


def reports_unconfirmed(*, actor: Actor) -> QuerySet[AdverseEvent]:
    """Problems patients reported from their links that staff have not confirmed yet."""
    return (
        AdverseEvent.objects.filter(
            clinic_id__in=clinic_ids_for(actor.user, CLINICAL_READ_ROLES),
            confirmed_at__isnull=True,
        )
        .select_related("patient")
        .order_by("created_at", "id")
    )


def adverse_events_of(*, actor: Actor, patient: Patient) -> list[AdverseEvent]:
    """A patient's adverse events (the caller has checked access); audited as a read."""
    events = list(patient.adverse_events.select_related("course", "session").all())
    audit_record(
        actor=actor,
        action="adverse_event.list",
        clinic_id=patient.clinic_id,
        patient_id=patient.id,
        target=patient,
    )
    return events


@dataclass(frozen=True)
class SessionSafety:
    """What the session page shows: the stored screening and dose check, and what still stops
    the session being marked done (as stored; the gate recomputes when marking done)."""

    screening: Screening | None
    dose_check: DoseCheck | None
    deviations: list[Deviation]
    done_blockers: list[str]


def session_safety(*, session: Session) -> SessionSafety:
    screening = Screening.objects.filter(session=session).first()
    check = DoseCheck.objects.filter(session=session).first()
    blockers = [screening_blocker(screening)]
    if check is not None:
        blockers.append(dose_blocker(check))
    return SessionSafety(
        screening=screening,
        dose_check=check,
        deviations=list(session.deviations.order_by("recorded_at", "id")),
        done_blockers=[message for message in blockers if message is not None],
    )


def consents_of(*, course: Course) -> list[Consent]:
    return list(course.consents.select_related("recorded_by"))


def weight_max_age_days(clinic_id: int) -> int:
    """The clinic's limit on the age of a weight used for dosing (the model's default if unset)."""
    from prolotrack.safety.models import ClinicSettings

    stored = (
        ClinicSettings.objects.filter(clinic_id=clinic_id)
        .values_list("weight_max_age_days", flat=True)
        .first()
    )
    default = ClinicSettings._meta.get_field("weight_max_age_days").get_default()
    return int(stored if stored is not None else default)
