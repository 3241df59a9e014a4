"""Reads of the clinic's schedule and courses, scoped to the acting user's clinics."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from prolotrack.clinics.access import CLINICAL_READ_ROLES, SCHEDULE_READ_ROLES, clinic_ids_for
from prolotrack.core.actor import Actor
from prolotrack.treatment.models import Course, CourseStatus, Session


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
