"""Writes to courses, sessions and injections, each atomic with its audit event."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from prolotrack.audit.services import audit_record
from prolotrack.clinics.access import CLINICAL_WRITE_ROLES, SESSION_DOCUMENT_ROLES, require_role
from prolotrack.clinics.models import Membership, Role, User
from prolotrack.core.actor import Actor
from prolotrack.core.errors import ApplicationError
from prolotrack.core.records import record_create, record_update
from prolotrack.domain.protocols import session_dates
from prolotrack.patients.models import Patient
from prolotrack.safety import deviations as protocol_plan
from prolotrack.safety.deviations import Found
from prolotrack.treatment.models import (
    Course,
    CourseStatus,
    Deviation,
    Injection,
    Session,
    SessionStatus,
)

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
    actor: Actor,
    action: str,
    target: Course | Session | Injection | Deviation,
    patient_id: int,
    **detail: Any,
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
    """Plan a free-text course for one knee, with its sessions scheduled at `session_times`."""
    require_role(actor.user, patient.clinic_id, CLINICAL_WRITE_ROLES)
    return _course_create(
        actor,
        Course(
            clinic_id=patient.clinic_id,
            patient=patient,
            side=side,
            protocol_reference=protocol_reference,
            start_date=start_date,
            notes=notes,
            created_by=actor.user,
        ),
        session_times,
        syringes=[],
    )


@transaction.atomic
def course_plan_from_protocol(
    *,
    actor: Actor,
    patient: Patient,
    side: str,
    protocol_code: str,
    first_day: dt.date,
    include_optional: bool = False,
    session_time: dt.time = dt.time(9),
    notes: str = "",
) -> Course:
    """Plan a course from a shipped protocol: its sessions from `first_day` (weekend days move
    to Monday) at `session_time` in the clinic's time zone, each with the protocol's default
    syringes, and the questionnaires as for any course."""
    require_role(actor.user, patient.clinic_id, CLINICAL_WRITE_ROLES)
    chosen = protocol_plan.known_protocol(protocol_code)
    zone = ZoneInfo(patient.clinic.time_zone)
    times = [
        dt.datetime.combine(day, session_time, tzinfo=zone).astimezone(dt.UTC)
        for day in session_dates(chosen, first_day, include_optional=include_optional)
    ]
    course = Course(
        clinic_id=patient.clinic_id,
        patient=patient,
        side=side,
        protocol_reference=f"{chosen.title}. {chosen.citation.reference}"[:500],
        protocol_code=chosen.code,
        protocol_version=chosen.version,
        start_date=first_day,
        notes=notes,
        created_by=actor.user,
    )
    syringes = protocol_plan.planned_syringes(chosen, include_optional=include_optional)
    return _course_create(actor, course, times, syringes=syringes)


def _course_create(
    actor: Actor,
    course: Course,
    session_times: Sequence[dt.datetime],
    *,
    syringes: list[list[protocol_plan.SyringeJson]],
) -> Course:
    if list(session_times) != sorted(session_times):
        raise ApplicationError("Planned session times must be in order.", field="session_times")
    record_create(course)
    for index, scheduled_at in enumerate(session_times):
        record_create(
            Session(
                clinic_id=course.clinic_id,
                course=course,
                scheduled_at=scheduled_at,
                planned_syringes=syringes[index] if index < len(syringes) else [],
            )
        )
    _audit(
        actor,
        "course.create",
        course,
        course.patient_id,
        sessions=len(session_times),
        protocol=course.protocol_code,
    )
    _plan_questionnaires(actor, course)
    _refresh_suggestions(course)
    return course


@transaction.atomic
def deviation_record(
    *,
    actor: Actor,
    course: Course,
    what: str,
    field: str,
    reason: str,
    session: Session | None = None,
) -> Deviation:
    """Record one way the course departs from its protocol, and why (the reason is required)."""
    require_role(actor.user, course.clinic_id, CLINICAL_WRITE_ROLES)
    if not reason.strip():
        raise ApplicationError("Give the reason for departing from the protocol.", field="reason")
    deviation = record_create(
        Deviation(
            clinic_id=course.clinic_id,
            course=course,
            session=session,
            what=what,
            field=field,
            reason=reason.strip(),
            recorded_by=actor.user,
        )
    )
    _audit(actor, "deviation.record", deviation, course.patient_id, field=field)
    return deviation


def _record_departures(
    actor: Actor, course: Course, session: Session | None, found: Sequence[Found], reason: str
) -> None:
    """Record what departs from the protocol; without a reason, refuse the whole change."""
    if not found:
        return
    if not reason.strip():
        listed = " ".join(item.what for item in found)
        raise ApplicationError(
            f"This departs from the protocol: {listed} Give the reason.", field="deviation_reason"
        )
    for item in found:
        what = protocol_plan.described(session, item) if session is not None else item.what
        deviation_record(
            actor=actor, course=course, session=session, what=what, field=item.field, reason=reason
        )


def _plan_questionnaires(actor: Actor, course: Course) -> None:
    from prolotrack.outcomes.services import administrations_plan

    administrations_plan(actor=actor, course=course)


def _refresh_suggestions(course: Course) -> None:
    """The course's facts changed: store what the next-step rules now propose."""
    from prolotrack.assessment.refresh import suggestions_refresh_patient_id

    suggestions_refresh_patient_id(course.patient_id)


@transaction.atomic
def course_update(
    *, actor: Actor, course: Course, expected_version: int | None, **changes: Any
) -> Course:
    """Edit a course; stopping it cancels its sessions that are still scheduled."""
    require_role(actor.user, course.clinic_id, CLINICAL_WRITE_ROLES)
    _reject_unknown(changes, COURSE_FIELDS)
    locked = (
        Course.objects.select_for_update(no_key=True).select_related("patient").get(id=course.id)
    )
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
        for session in locked.sessions.select_for_update(no_key=True).filter(
            status=SessionStatus.SCHEDULED
        ):
            _check_injected_status(session, SessionStatus.CANCELLED)
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
    if changed:
        _refresh_suggestions(locked)
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
    *,
    actor: Actor,
    course: Course,
    scheduled_at: dt.datetime,
    notes: str = "",
    deviation_reason: str = "",
) -> Session:
    """Add a session; on a protocol course, a session the protocol does not have needs a
    `deviation_reason` (an optional protocol session does not)."""
    require_role(actor.user, course.clinic_id, CLINICAL_WRITE_ROLES)
    locked = Course.objects.select_for_update(no_key=True).get(id=course.id)
    if locked.status in (CourseStatus.STOPPED, CourseStatus.COMPLETED):
        raise ApplicationError("Sessions cannot be added to a finished course.")
    chosen = protocol_plan.course_protocol(locked)
    before = protocol_plan.course_offsets(locked) if chosen else []
    session = Session(
        clinic_id=locked.clinic_id, course=locked, scheduled_at=scheduled_at, notes=notes
    )
    offset = protocol_plan.day_offset(locked, session.day)
    if chosen is not None:
        session.planned_syringes = protocol_plan.syringes_for_offset(chosen, offset)
    record_create(session)
    if chosen is not None:
        found = protocol_plan.schedule_change(chosen, before, sorted([*before, offset]))
        _record_departures(actor, locked, session, found, deviation_reason)
    _audit(actor, "session.create", session, locked.patient_id)
    _plan_questionnaires(actor, locked)
    _refresh_suggestions(locked)
    return session


@transaction.atomic
def session_update(
    *,
    actor: Actor,
    session: Session,
    expected_version: int | None,
    deviation_reason: str = "",
    **changes: Any,
) -> Session:
    """Reschedule or document a session; the first done session makes a planned course active.

    Marking it done needs a passed (or overridden) screening and a dose check within the limit
    (or overridden, or no lidocaine): `safety.gates`. Cancelling a session of a protocol course
    that the protocol needs takes a `deviation_reason`.
    """
    require_role(actor.user, session.clinic_id, SESSION_DOCUMENT_ROLES)
    _reject_unknown(changes, SESSION_FIELDS)
    locked = (
        Session.objects.select_for_update(no_key=True).select_related("course").get(id=session.id)
    )
    if "clinician" in changes and changes["clinician"] != locked.clinician:
        _check_clinician(changes["clinician"], locked.clinic_id)
    old_status = locked.status
    new_status = changes.get("status", old_status)
    _check_injected_status(locked, new_status)
    course = locked.course
    chosen = protocol_plan.course_protocol(course)
    cancelling = old_status == SessionStatus.SCHEDULED and new_status == SessionStatus.CANCELLED
    before = protocol_plan.course_offsets(course) if chosen and cancelling else []
    changed = record_update(locked, changes=changes, expected_version=expected_version)
    if chosen is not None and cancelling:
        after = protocol_plan.course_offsets(course)
        found = protocol_plan.schedule_change(chosen, before, after)
        _record_departures(actor, course, locked, found, deviation_reason)
    if old_status != SessionStatus.DONE and locked.status == SessionStatus.DONE:
        from prolotrack.safety.gates import require_done_allowed

        require_done_allowed(locked)
    if locked.status == SessionStatus.DONE and course.status == CourseStatus.PLANNED:
        record_update(course, changes={"status": CourseStatus.ACTIVE}, expected_version=None)
    if changed:
        _audit(actor, "session.update", locked, course.patient_id, fields=changed)
    if {"scheduled_at", "status"} & set(changed):
        _plan_questionnaires(actor, course)
    if "status" in changed:
        _refresh_suggestions(course)
    return locked


def _check_injected_status(session: Session, new_status: str) -> None:
    """A session with injections stays done once done, and is never cancelled or a no-show."""
    if new_status == session.status or not session.injections.exists():
        return
    if session.status == SessionStatus.DONE:
        raise ApplicationError(
            "This session has recorded injections; it stays done.", field="status"
        )
    if new_status in (SessionStatus.CANCELLED, SessionStatus.NO_SHOW):
        raise ApplicationError(
            f"The session of {session.day} has recorded injections, so it cannot be cancelled "
            "or a no-show; finish documenting it and mark it done.",
            field="status",
        )


@transaction.atomic
def injection_add(
    *, actor: Actor, session: Session, deviation_reason: str = "", **fields: Any
) -> Injection:
    """Record an injection (on a scheduled session being documented, or a done one).

    On a protocol course, an injection that differs from the session's planned syringe (a site
    outside it, another volume or concentration) needs a `deviation_reason`. The session's dose
    check is recomputed.
    """
    require_role(actor.user, session.clinic_id, SESSION_DOCUMENT_ROLES)
    _reject_unknown(fields, INJECTION_FIELDS)
    locked = (
        Session.objects.select_for_update(no_key=True).select_related("course").get(id=session.id)
    )
    injection = record_create(Injection(clinic_id=locked.clinic_id, session=locked, **fields))
    if locked.course.protocol_code:
        found = protocol_plan.injection_departures(
            locked.planned_syringes, _injection_values(injection)
        )
        _record_departures(actor, locked.course, locked, found, deviation_reason)
    _audit(actor, "injection.create", injection, locked.course.patient_id)
    _recheck_dose(locked)
    return injection


@transaction.atomic
def injection_update(
    *,
    actor: Actor,
    injection: Injection,
    expected_version: int | None,
    deviation_reason: str = "",
    **changes: Any,
) -> Injection:
    """Correct an injection; a new departure from the planned syringe needs a reason."""
    require_role(actor.user, injection.clinic_id, SESSION_DOCUMENT_ROLES)
    _reject_unknown(changes, INJECTION_FIELDS)
    locked = (
        Injection.objects.select_for_update(no_key=True)
        .select_related("session__course")
        .get(id=injection.id)
    )
    session = locked.session
    planned = session.planned_syringes if session.course.protocol_code else []
    before = protocol_plan.injection_departures(planned, _injection_values(locked))
    changed = record_update(locked, changes=changes, expected_version=expected_version)
    after = protocol_plan.injection_departures(planned, _injection_values(locked))
    new = [item for item in after if item not in before]
    _record_departures(actor, session.course, session, new, deviation_reason)
    if changed:
        _audit(actor, "injection.update", locked, session.course.patient_id, fields=changed)
        _recheck_dose(session)
    return locked


def _injection_values(injection: Injection) -> dict[str, Any]:
    return {name: getattr(injection, name) for name in INJECTION_FIELDS}


def _recheck_dose(session: Session) -> None:
    from prolotrack.safety.doses import dose_check

    dose_check(session=session)
