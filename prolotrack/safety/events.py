"""Adverse events: recorded by staff, reported by patients (unconfirmed), confirmed, reviewed.

Seriousness follows the ICH E2A criteria (any one makes the event serious; grade 5 implies
"results in death"). An event that becomes serious enqueues `tasks.serious_event_notify`,
which emails the clinic's administrators; `selectors.serious_unreviewed` lists what waits for
review. The enqueue runs inside the transaction, so with the database task backend the task
exists only if the event is saved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

from django.db import transaction
from django.utils import timezone

from prolotrack.audit.services import audit_record
from prolotrack.clinics.access import CLINICAL_WRITE_ROLES, require_role
from prolotrack.clinics.models import Role
from prolotrack.core.actor import Actor
from prolotrack.core.errors import ApplicationError, NotFound
from prolotrack.core.records import record_create, record_update
from prolotrack.knowledge.adverse_events import SERIOUS_CRITERIA
from prolotrack.outcomes.models import AccessLink
from prolotrack.patients.models import Patient
from prolotrack.safety.models import AdverseEvent, EventOutcome
from prolotrack.treatment.models import Course, Session

EVENT_CONFIRM_ROLES = frozenset({Role.CLINICIAN, Role.CLINIC_ADMIN})
# Who may correct a confirmed event: whoever records events, and whoever confirms them.
EVENT_UPDATE_ROLES = CLINICAL_WRITE_ROLES | EVENT_CONFIRM_ROLES
EVENT_FIELDS = (
    "session",
    "term",
    "other_term",
    "onset_on",
    "onset_after_hours",
    "grade",
    "relatedness",
    "action_taken",
    "outcome",
    "resolved_on",
    "notes",
)
MAX_PATIENT_DESCRIPTION = 2000


def _criteria(criteria: Collection[str]) -> dict[str, bool]:
    unknown = sorted(set(criteria) - set(SERIOUS_CRITERIA))
    if unknown:
        raise ApplicationError(f"Unknown serious criteria: {unknown}.", field="criteria")
    return {code: code in criteria for code in SERIOUS_CRITERIA}


def _onset(session: Session | None, onset_on: dt.date | None, hours: int | None) -> dt.date:
    """The onset day as given, else the session's time plus `hours` (in the clinic's zone)."""
    if onset_on is not None:
        return onset_on
    if session is not None and hours is not None:
        start = session.performed_at or session.scheduled_at
        return session.day_of(start + dt.timedelta(hours=hours))
    raise ApplicationError("Give the onset date.", field="onset_on")


def _audit(actor: Actor | None, action: str, event: AdverseEvent, **detail: Any) -> None:
    audit_record(
        actor=actor,
        action=action,
        clinic_id=event.clinic_id,
        patient_id=event.patient_id,
        target=event,
        detail=detail,
        channel=None if actor is not None else "portal",
    )


def _notify_if_newly_serious(event: AdverseEvent, *, was_serious: bool) -> None:
    if event.is_serious and not was_serious:
        from prolotrack.safety.tasks import serious_event_notify

        serious_event_notify.enqueue(event_id=event.id)


def _refresh_suggestions(event: AdverseEvent) -> None:
    """A serious event holds the course: store what the next-step rules now propose."""
    from prolotrack.assessment.refresh import suggestions_refresh_patient_id

    suggestions_refresh_patient_id(event.patient_id)


@transaction.atomic
def adverse_event_record(
    *,
    actor: Actor,
    patient: Patient,
    course: Course,
    term: str,
    grade: int,
    relatedness: str,
    session: Session | None = None,
    other_term: str = "",
    onset_on: dt.date | None = None,
    onset_after_hours: int | None = None,
    criteria: Collection[str] = (),
    action_taken: str = "",
    outcome: str = EventOutcome.UNKNOWN,
    resolved_on: dt.date | None = None,
    notes: str = "",
) -> AdverseEvent:
    """Staff record an event (it is confirmed by whoever records it).

    `criteria` names the ICH E2A criteria that apply (`SERIOUS_CRITERIA` codes).
    """
    require_role(actor.user, patient.clinic_id, CLINICAL_WRITE_ROLES)
    now = timezone.now()
    event = AdverseEvent(
        clinic_id=patient.clinic_id,
        patient=patient,
        course=course,
        session=session,
        term=term,
        other_term=other_term,
        onset_on=_onset(session, onset_on, onset_after_hours),
        onset_after_hours=onset_after_hours,
        grade=grade,
        relatedness=relatedness,
        action_taken=action_taken,
        outcome=outcome,
        resolved_on=resolved_on,
        notes=notes,
        confirmed_by=actor.user,
        confirmed_at=now,
        **_criteria(criteria),
    )
    event.derive()
    record_create(event)
    _audit(actor, "adverse_event.record", event, serious=event.is_serious, grade=event.grade)
    _notify_if_newly_serious(event, was_serious=False)
    _refresh_suggestions(event)
    return event


@transaction.atomic
def adverse_event_report_by_patient(
    *,
    link: AccessLink,
    description: str,
    onset_on: dt.date | None = None,
    term: str = "other",
    session: Session | None = None,
    client_address: str = "",
) -> AdverseEvent:
    """A patient reports a problem from their questionnaire link: an unconfirmed event on the
    link's course (and `session`, when given, which must be of that course), for staff to grade
    and confirm. `link` is one the portal opened; a used link still reports until it expires
    (the post-session check-in, `safety.check_in`)."""
    now = timezone.now()
    if link.revoked_at or link.expires_at <= now:
        raise NotFound("This link is not valid any more.")
    text = description.strip()
    if not text:
        raise ApplicationError("Describe what happened.", field="description")
    if len(text) > MAX_PATIENT_DESCRIPTION:
        raise ApplicationError(
            f"Keep it under {MAX_PATIENT_DESCRIPTION} characters.", field="description"
        )
    course = link_course(link)
    if course is None:
        raise ApplicationError("This link belongs to no course; call the clinic instead.")
    if session is not None and session.course_id != course.id:
        raise ApplicationError("That session is not of this link's course.")
    event = AdverseEvent(
        clinic_id=link.clinic_id,
        patient_id=link.patient_id,
        course=course,
        session=session,
        term=term,
        onset_on=onset_on or timezone.localdate(),
        reported_by_patient=True,
        patient_description=text,
    )
    event.derive()
    record_create(event)
    audit_record(
        actor=None,
        action="adverse_event.report",
        clinic_id=event.clinic_id,
        patient_id=event.patient_id,
        target=event,
        detail={"term": term},
        channel="portal",
        client_address=client_address or None,
    )
    return event


def link_course(link: AccessLink) -> Course | None:
    """The course of a questionnaire link (its questionnaires' course), if any."""
    course_ids = link.administrations.exclude(course=None).values_list("course_id", flat=True)
    return Course.objects.filter(id__in=course_ids, patient_id=link.patient_id).first()


def _changes(event: AdverseEvent, changes: dict[str, Any]) -> dict[str, Any]:
    """The field changes with the criteria expanded and seriousness derived."""
    unknown = set(changes) - set(EVENT_FIELDS) - {"criteria"}
    if unknown:
        raise TypeError(f"Unknown fields: {sorted(unknown)}")
    values = dict(changes)
    if "criteria" in values:
        values |= _criteria(values.pop("criteria"))
    if values.get("grade", event.grade) == 5:
        values["results_in_death"] = True
    values["is_serious"] = any(values.get(code, getattr(event, code)) for code in SERIOUS_CRITERIA)
    return values


def _locked(event: AdverseEvent) -> AdverseEvent:
    return (
        AdverseEvent.objects.select_for_update(no_key=True)
        .select_related("course")
        .get(id=event.id)
    )


@transaction.atomic
def adverse_event_confirm(
    *, actor: Actor, event: AdverseEvent, expected_version: int | None, **changes: Any
) -> AdverseEvent:
    """Staff confirm a patient's report, grading it (clinicians and clinic admins)."""
    require_role(actor.user, event.clinic_id, EVENT_CONFIRM_ROLES)
    locked = _locked(event)
    if locked.confirmed_at is not None:
        raise ApplicationError("This event is already confirmed.")
    values = _changes(locked, changes) | {
        "confirmed_by": actor.user,
        "confirmed_at": timezone.now(),
    }
    record_update(locked, changes=values, expected_version=expected_version)
    _audit(actor, "adverse_event.confirm", locked, serious=locked.is_serious, grade=locked.grade)
    _notify_if_newly_serious(locked, was_serious=False)
    _refresh_suggestions(locked)
    return locked


@transaction.atomic
def adverse_event_update(
    *, actor: Actor, event: AdverseEvent, expected_version: int | None, **changes: Any
) -> AdverseEvent:
    """Follow a confirmed event up (outcome, resolution, grade...). An event that becomes
    serious is notified and needs a new review."""
    require_role(actor.user, event.clinic_id, CLINICAL_WRITE_ROLES | EVENT_CONFIRM_ROLES)
    locked = _locked(event)
    if locked.confirmed_at is None:
        raise ApplicationError("Confirm the patient's report first.")
    was_serious = locked.is_serious
    values = _changes(locked, changes)
    if values["is_serious"] and not was_serious:
        values |= {"reviewed_by": None, "reviewed_at": None}
    changed = record_update(locked, changes=values, expected_version=expected_version)
    if changed:
        _audit(actor, "adverse_event.update", locked, fields=changed)
        _refresh_suggestions(locked)
    _notify_if_newly_serious(locked, was_serious=was_serious)
    return locked


@transaction.atomic
def adverse_event_review(
    *, actor: Actor, event: AdverseEvent, expected_version: int | None, notes: str | None = None
) -> AdverseEvent:
    """A clinician or clinic admin has reviewed the event (it leaves the dashboard list)."""
    require_role(actor.user, event.clinic_id, EVENT_CONFIRM_ROLES)
    locked = _locked(event)
    if locked.confirmed_at is None:
        raise ApplicationError("Confirm the event before reviewing it.")
    if locked.reviewed_at is not None:
        raise ApplicationError("This event is already reviewed.")
    values: dict[str, Any] = {"reviewed_by": actor.user, "reviewed_at": timezone.now()}
    if notes is not None:
        values["notes"] = notes
    record_update(locked, changes=values, expected_version=expected_version)
    _audit(actor, "adverse_event.review", locked, serious=locked.is_serious)
    return locked
