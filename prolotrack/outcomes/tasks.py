"""Background work (django-tasks, database backend): open and close questionnaire windows,
send invitations when questionnaires fall due, and reminders until they are answered."""

from __future__ import annotations

import logging
import smtplib
from collections import defaultdict

from django.utils import timezone
from django_tasks import task

from prolotrack.core.errors import ApplicationError
from prolotrack.outcomes.links import link_email, link_issue, reminders_due
from prolotrack.outcomes.models import Administration, AdministrationStatus
from prolotrack.outcomes.services import administrations_refresh
from prolotrack.treatment.models import CourseStatus

logger = logging.getLogger(__name__)


@task()
def sweep() -> dict[str, int]:
    """One pass: refresh statuses, invite for newly due questionnaires, send due reminders."""
    now = timezone.now()
    administrations_refresh(today=timezone.localdate())
    invited = _invite_uninvited(now)
    reminded = 0
    for link in reminders_due(now):
        reminded += _send(link, kind="reminder")
    return {"invited": invited, "reminded": reminded}


def _invite_uninvited(now: object) -> int:
    """Group due, unlinked home questionnaires by patient, course and time point; send a link."""
    waiting = (
        Administration.objects.filter(
            status=AdministrationStatus.DUE,
            links__isnull=True,
            course__status__in=[CourseStatus.PLANNED, CourseStatus.ACTIVE],
        )
        .exclude(patient__email="")
        .select_related("patient")
        .order_by("patient_id", "course_id", "time_point", "instrument_code")
    )
    groups: dict[tuple[int, int | None, str], list[Administration]] = defaultdict(list)
    for administration in waiting:
        key = (administration.patient_id, administration.course_id, administration.time_point)
        groups[key].append(administration)
    sent = 0
    for administrations in groups.values():
        link = link_issue(actor=None, administrations=administrations)
        sent += _send(link, kind="invitation")
    return sent


def _send(link: object, *, kind: str) -> int:
    from prolotrack.outcomes.models import AccessLink

    assert isinstance(link, AccessLink)
    try:
        link_email(link, kind=kind)
    except (smtplib.SMTPException, OSError, ApplicationError) as error:
        # No address or name in the log: the link's opaque id is enough to find it.
        logger.warning(
            "could not send %s for link %s: %s", kind, link.public_id, type(error).__name__
        )
        return 0
    return 1
