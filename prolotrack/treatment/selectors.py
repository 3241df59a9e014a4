"""Reads of the clinic's schedule and courses, scoped to the acting user's clinics."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, QuerySet

from prolotrack.audit.services import audit_record
from prolotrack.clinics.access import CLINICAL_READ_ROLES, SCHEDULE_READ_ROLES, clinic_ids_for
from prolotrack.core.actor import Actor
from prolotrack.treatment.models import Course, CourseStatus, Deviation, Injection, Session


def sessions_between(*, actor: Actor, start: dt.datetime, end: dt.datetime) -> QuerySet[Session]:
    """Sessions scheduled in [start, end) in the clinics whose schedule the user may see."""
    return (
        Session.objects.filter(
            clinic_id__in=clinic_ids_for(actor.user, SCHEDULE_READ_ROLES),
            scheduled_at__gte=start,
            scheduled_at__lt=end,
        )
        .select_related("course", "course__patient", "clinician")
        .order_by("scheduled_at", "id")
    )


def courses_in_progress(*, actor: Actor) -> QuerySet[Course]:
    return (
        Course.objects.filter(
            clinic_id__in=clinic_ids_for(actor.user, CLINICAL_READ_ROLES),
            status__in=[CourseStatus.PLANNED, CourseStatus.ACTIVE],
        )
        .select_related("patient")
        .order_by("start_date", "id")
    )


def course_sessions(*, actor: Actor, course: Course) -> list[Session]:
    """The course's sessions with their clinicians and injections; audited as a read."""
    sessions = list(
        course.sessions.select_related("clinician").prefetch_related(
            Prefetch("injections", queryset=Injection.objects.order_by("id"))
        )
    )
    audit_record(
        actor=actor,
        action="course.view",
        clinic_id=course.clinic_id,
        patient_id=course.patient_id,
        target=course,
    )
    return sessions


def session_injections(*, actor: Actor, session: Session) -> list[Injection]:
    """The session's injections; audited as a read."""
    injections = list(session.injections.order_by("id"))
    audit_record(
        actor=actor,
        action="session.view",
        clinic_id=session.clinic_id,
        patient_id=session.course.patient_id,
        target=session,
    )
    return injections


def session_print(*, actor: Actor, session: Session) -> list[Injection]:
    """The session's injections for its printable note; audited as a print."""
    injections = list(session.injections.order_by("id"))
    audit_record(
        actor=actor,
        action="session.print",
        clinic_id=session.clinic_id,
        patient_id=session.course.patient_id,
        target=session,
    )
    return injections


def sites_injected_before(*, session: Session) -> dict[str, int]:
    """How many injections each site had in the course's earlier sessions (by scheduled time).

    Read with the session it belongs to, whose view is already audited."""
    codes = Injection.objects.filter(
        session__course_id=session.course_id, session__scheduled_at__lt=session.scheduled_at
    ).values_list("site_code", flat=True)
    counts: dict[str, int] = {}
    for code in codes:
        counts[code] = counts.get(code, 0) + 1
    return counts


def course_deviations(*, course: Course) -> list[Deviation]:
    """How the course departs from its protocol, oldest first, with who recorded each and why."""
    return list(course.deviations.select_related("session", "recorded_by").order_by("recorded_at"))
