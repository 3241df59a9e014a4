"""Writes to courses, sessions and injections, each atomic with its audit event."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from prolotrack.audit.services import audit_record
from prolotrack.clinics.access import CLINICAL_WRITE_ROLES, SESSION_DOCUMENT_ROLES, require_role
from prolotrack.clinics.models import Membership, Role, User
from prolotrack.core.actor import Actor
from prolotrack.core.errors import ApplicationError
from prolotrack.core.records import record_create, record_update
from prolotrack.patients.models import Patient
from prolotrack.treatment.models import Course, CourseStatus, Injection, Session, SessionStatus

COURSE_FIELDS = ("protocol_reference", "start_date", "status", "stop_reason", "notes")
SESSION_FIELDS = ("scheduled_at", "performed_at", "clinician", "status", "notes")
INJECTION_FIELDS = (
    "site_code",
    "approach",
    "guidance",
    "needle_gauge",
    "volume_ml",
    "dextrose_pct",
    "lidocaine_pct",
    "dextrose_lot",
    "lidocaine_lot",
)
COURSE_TRANSITIONS: dict[str, set[str]] = {
    CourseStatus.PLANNED: {CourseStatus.ACTIVE, CourseStatus.STOPPED},
    CourseStatus.ACTIVE: {CourseStatus.COMPLETED, CourseStatus.STOPPED},
    CourseStatus.COMPLETED: {CourseStatus.ACTIVE},
    CourseStatus.STOPPED: set(),
}


def _reject_unknown(changes: dict[str, Any], allowed: Sequence[str]) -> None:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise TypeError(f"Unknown fields: {sorted(unknown)}")


def _audit(
    actor: Actor, action: str, target: Course | Session | Injection, patient_id: int, **detail: Any
) -> None:
    audit_record(
        actor=actor,
        action=action,
        clinic_id=target.clinic_id,
        patient_id=patient_id,
        target=target,
        detail=detail,
    )


@transaction.atomic
def course_plan(
    *,
    actor: Actor,
    patient: Patient,
    side: str,
    protocol_reference: str,
    start_date: dt.date,
    session_times: Sequence[dt.datetime] = (),
    notes: str = "",
) -> Course:
    """Plan a course for one knee, with its sessions scheduled at `session_times`."""
    require_role(actor.user, patient.clinic_id, CLINICAL_WRITE_ROLES)
    if list(session_times) != sorted(session_times):
        raise ApplicationError("Planned session times must be in order.", field="session_times")
    course = record_create(
        Course(
            clinic_id=patient.clinic_id,
            patient=patient,
            side=side,
            protocol_reference=protocol_reference,
            start_date=start_date,
            notes=notes,
            created_by=actor.user,
        )
    )
    for scheduled_at in session_times:
        record_create(Session(clinic_id=course.clinic_id, course=course, scheduled_at=scheduled_at))
    _audit(actor, "course.create", course, patient.id, sessions=len(session_times))
    _plan_questionnaires(actor, course)
    return course


def _plan_questionnaires(actor: Actor, course: Course) -> None:
    from prolotrack.outcomes.services import administrations_plan

    administrations_plan(actor=actor, course=course)


@transaction.atomic
def course_update(
    *, actor: Actor, course: Course, expected_version: int | None, **changes: Any
) -> Course:
    """Edit a course; stopping it cancels its sessions that are still scheduled."""
    require_role(actor.user, course.clinic_id, CLINICAL_WRITE_ROLES)
    _reject_unknown(changes, COURSE_FIELDS)
    locked = Course.objects.select_for_update().select_related("patient").get(id=course.id)
    new_status = changes.get("status", locked.status)
    if new_status != locked.status and new_status not in COURSE_TRANSITIONS[locked.status]:
        raise ApplicationError(
            f"A {locked.get_status_display().lower()} course cannot become {new_status}.",
            field="status",
        )
    if (
        "start_date" in changes
        and locked.sessions.filter(scheduled_at__date__lt=changes["start_date"]).exists()
    ):
        raise ApplicationError(
            "Sessions are scheduled before this start date; move them first.", field="start_date"
        )
    changed = record_update(locked, changes=changes, expected_version=expected_version)
    cancelled = 0
    if "status" in changed and locked.status == CourseStatus.STOPPED:
        for session in locked.sessions.select_for_update().filter(status=SessionStatus.SCHEDULED):
            record_update(
                session, changes={"status": SessionStatus.CANCELLED}, expected_version=None
            )
            cancelled += 1
    if changed:
        _audit(
            actor,
            "course.update",
            locked,
            locked.patient_id,
            fields=changed,
            cancelled_sessions=cancelled,
        )
    if "status" in changed and locked.status == CourseStatus.STOPPED:
        from prolotrack.outcomes.services import administrations_refresh

        administrations_refresh(today=timezone.localdate(), course_id=locked.id)
    return locked


def _check_clinician(user: User | None, clinic_id: int) -> None:
    if user is None:
        return
    if not Membership.objects.filter(
        user=user, clinic_id=clinic_id, role=Role.CLINICIAN, is_active=True
    ).exists():
        raise ApplicationError("Choose a clinician of this clinic.", field="clinician")


@transaction.atomic
def session_schedule(
    *, actor: Actor, course: Course, scheduled_at: dt.datetime, notes: str = ""
) -> Session:
    require_role(actor.user, course.clinic_id, CLINICAL_WRITE_ROLES)
    locked = Course.objects.select_for_update().get(id=course.id)
    if locked.status in (CourseStatus.STOPPED, CourseStatus.COMPLETED):
        raise ApplicationError("Sessions cannot be added to a finished course.")
    session = record_create(
        Session(clinic_id=locked.clinic_id, course=locked, scheduled_at=scheduled_at, notes=notes)
    )
    _audit(actor, "session.create", session, locked.patient_id)
    _plan_questionnaires(actor, locked)
    return session


@transaction.atomic
def session_update(
    *, actor: Actor, session: Session, expected_version: int | None, **changes: Any
) -> Session:
    """Reschedule or document a session; the first done session makes a planned course active."""
    require_role(actor.user, session.clinic_id, SESSION_DOCUMENT_ROLES)
    _reject_unknown(changes, SESSION_FIELDS)
    locked = Session.objects.select_for_update().select_related("course").get(id=session.id)
    if "clinician" in changes and changes["clinician"] != locked.clinician:
        _check_clinician(changes["clinician"], locked.clinic_id)
    new_status = changes.get("status", locked.status)
    if new_status != SessionStatus.DONE and locked.injections.exists():
        raise ApplicationError(
            "This session has recorded injections; it stays done.", field="status"
        )
    changed = record_update(locked, changes=changes, expected_version=expected_version)
    course = locked.course
    if locked.status == SessionStatus.DONE and course.status == CourseStatus.PLANNED:
        record_update(course, changes={"status": CourseStatus.ACTIVE}, expected_version=None)
    if changed:
        _audit(actor, "session.update", locked, course.patient_id, fields=changed)
    if {"scheduled_at", "status"} & set(changed):
        _plan_questionnaires(actor, course)
    return locked


@transaction.atomic
def injection_add(*, actor: Actor, session: Session, **fields: Any) -> Injection:
    require_role(actor.user, session.clinic_id, SESSION_DOCUMENT_ROLES)
    _reject_unknown(fields, INJECTION_FIELDS)
    locked = Session.objects.select_for_update().select_related("course").get(id=session.id)
    injection = record_create(Injection(clinic_id=locked.clinic_id, session=locked, **fields))
    _audit(actor, "injection.create", injection, locked.course.patient_id)
    return injection


@transaction.atomic
def injection_update(
    *, actor: Actor, injection: Injection, expected_version: int | None, **changes: Any
) -> Injection:
    require_role(actor.user, injection.clinic_id, SESSION_DOCUMENT_ROLES)
    _reject_unknown(changes, INJECTION_FIELDS)
    locked = (
        Injection.objects.select_for_update().select_related("session__course").get(id=injection.id)
    )
    changed = record_update(locked, changes=changes, expected_version=expected_version)
    if changed:
        _audit(actor, "injection.update", locked, locked.session.course.patient_id, fields=changed)
    return locked
