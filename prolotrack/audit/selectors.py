"""Reads of the audit trail: the clinic admin's report and a patient's accounting of disclosures.

A clinic admin sees the events of their clinic: those recorded for the clinic or for one of its
patients. Reading the report, exporting it and reading a patient's disclosures are audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from prolotrack.audit.models import AuditEvent
from prolotrack.audit.services import audit_record
from prolotrack.clinics.models import Clinic, User
from prolotrack.core.actor import Actor
from prolotrack.domain.csv_cells import neutralise
from prolotrack.patients.models import Patient

# Actions that hand a patient's data to someone outside the record: exports, prints, FHIR
# reads, and another clinic's staff opening the record through emergency access. Audit
# actions (audit.view, audit.export) are the clinic's own oversight, not
# disclosures. A disclosure that includes several patients records one event per patient
# (`audit.services.audit_disclosure`), so each patient's accounting lists it.
DISCLOSURE_SUFFIXES = (".export", ".print", ".pdf")
DISCLOSURE_ACTIONS = frozenset(
    {
        "report.pdf",
        "fhir.read",
        "fhir.search",
        "fhir.export",
        "emergency.activate",
        "emergency.view",
    }
)
SORTS = {
    "time": ("at", "sequence"),
    "-time": ("-at", "-sequence"),
    "user": ("username", "sequence"),
    "-user": ("-username", "-sequence"),
    "action": ("action", "sequence"),
    "-action": ("-action", "-sequence"),
    "outcome": ("outcome", "sequence"),
    "-outcome": ("-outcome", "-sequence"),
}
DEFAULT_SORT = "-time"
CSV_COLUMNS = (
    "sequence",
    "time_utc",
    "user",
    "action",
    "outcome",
    "object_type",
    "object_id",
    "patient_id",
    "client_address",
    "channel",
)


def is_disclosure(action: str) -> bool:
    if action.startswith("audit."):
        return False
    return action in DISCLOSURE_ACTIONS or action.endswith(DISCLOSURE_SUFFIXES)


def disclosure_filter() -> Q:
    matches = Q(action__in=DISCLOSURE_ACTIONS)
    for suffix in DISCLOSURE_SUFFIXES:
        matches |= Q(action__endswith=suffix)
    return matches & ~Q(action__startswith="audit.")


@dataclass(frozen=True)
class AuditFilter:
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    user: User | None = None
    patient: Patient | None = None
    action: str = ""
    sort: str = DEFAULT_SORT


def clinic_events(clinic: Clinic) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(Q(clinic_id=clinic.id) | Q(patient__clinic_id=clinic.id))


def audit_events(*, clinic: Clinic, filters: AuditFilter) -> QuerySet[AuditEvent]:
    """The clinic's events matching `filters` (dates are UTC calendar days, both inclusive)."""
    events = clinic_events(clinic).select_related("patient")
    if filters.date_from is not None:
        events = events.filter(at__gte=_utc_midnight(filters.date_from))
    if filters.date_to is not None:
        events = events.filter(at__lt=_utc_midnight(filters.date_to + dt.timedelta(days=1)))
    if filters.user is not None:
        events = events.filter(user=filters.user)
    if filters.patient is not None:
        events = events.filter(patient=filters.patient)
    if filters.action:
        events = events.filter(action=filters.action)
    return events.order_by(*SORTS.get(filters.sort, SORTS[DEFAULT_SORT]))


def _utc_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=dt.UTC)


def clinic_actions(clinic: Clinic) -> list[str]:
    """The actions recorded for the clinic, for the action filter's choices."""
    actions = clinic_events(clinic).order_by("action").values_list("action", flat=True)
    return list(actions.distinct())


def _filter_detail(filters: AuditFilter) -> dict[str, object]:
    """What was asked for, without identifying text (the patient goes in the patient column)."""
    return {
        "date_from": filters.date_from.isoformat() if filters.date_from else None,
        "date_to": filters.date_to.isoformat() if filters.date_to else None,
        "user": str(filters.user.public_id) if filters.user else None,
        "action": filters.action or None,
    }


def audit_report_viewed(
    *, actor: Actor, clinic: Clinic, filters: AuditFilter, page: int, count: int
) -> None:
    audit_record(
        actor=actor,
        action="audit.view",
        clinic_id=clinic.id,
        patient_id=filters.patient.id if filters.patient else None,
        detail={**_filter_detail(filters), "page": page, "results": count},
    )


def audit_csv_rows(*, actor: Actor, clinic: Clinic, filters: AuditFilter) -> Iterator[list[str]]:
    """The export's header and rows, formula-safe; the export is audited when this is called."""
    events = audit_events(clinic=clinic, filters=filters)
    recorded = audit_record(
        actor=actor,
        action="audit.export",
        clinic_id=clinic.id,
        patient_id=filters.patient.id if filters.patient else None,
        detail={**_filter_detail(filters), "rows": events.count()},
    )
    return _csv_rows(events.filter(sequence__lt=recorded.sequence))  # as of the export


def _csv_rows(events: QuerySet[AuditEvent]) -> Iterator[list[str]]:
    yield list(CSV_COLUMNS)
    for event in events.iterator(chunk_size=2000):
        yield [
            neutralise(cell)
            for cell in (
                event.sequence,
                event.at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                event.username,
                event.action,
                event.outcome,
                event.object_type,
                event.object_id,
                event.patient.public_id if event.patient else "",
                event.client_address,
                event.channel,
            )
        ]


def patient_disclosures(*, actor: Actor, patient: Patient) -> list[AuditEvent]:
    """Every disclosure that included the patient, newest first; reading it is audited."""
    events = list(
        AuditEvent.objects.filter(disclosure_filter(), patient=patient)
        .select_related("user")
        .order_by("-sequence")
    )
    audit_record(
        actor=actor,
        action="patient.disclosures_view",
        clinic_id=patient.clinic_id,
        patient_id=patient.id,
        target=patient,
        detail={"results": len(events)},
    )
    return events
