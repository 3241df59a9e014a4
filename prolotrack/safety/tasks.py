"""Background work: tell a clinic's administrators about a serious adverse event.

The email names no patient (email is not a safe channel for health data): it says what
happened, how serious, and where to review it. Demo clinics also keep a copy in the outbox.
"""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from prolotrack.audit.services import audit_record
from prolotrack.clinics.models import Membership, Role
from prolotrack.knowledge.adverse_events import adverse_event_catalogue
from prolotrack.outcomes.mail import mail_send
from prolotrack.safety.models import AdverseEvent

logger = logging.getLogger(__name__)


def clinic_admin_addresses(clinic_id: int) -> list[str]:
    """Email addresses of the clinic's active clinic administrators."""
    return sorted(
        Membership.objects.filter(
            clinic_id=clinic_id, role=Role.CLINIC_ADMIN, is_active=True, user__is_active=True
        )
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )


def serious_event_message(event: AdverseEvent) -> tuple[str, str]:
    catalogue = adverse_event_catalogue()
    criteria = ", ".join(catalogue.criterion(code).label for code in event.serious_criteria)
    grade = f"{event.grade} ({catalogue.grade(event.grade).label})" if event.grade else "not graded"
    relatedness = event.get_relatedness_display() or "not assessed"
    base_url = settings.PROLOTRACK_BASE_URL.rstrip("/")
    body = (
        f"A serious adverse event was recorded at {event.clinic.name}.\n\n"
        f"Event: {event.term_label}\n"
        f"Grade (CTCAE v5.0): {grade}\n"
        f"Serious because: {criteria}\n"
        f"Onset: {event.onset_on.isoformat()}\n"
        f"Related to the treatment: {relatedness}\n\n"
        f"Sign in to prolotrack to review it ({base_url}/); its reference is {event.public_id}.\n"
        "No patient details are sent by email.\n"
    )
    return "Serious adverse event to review", body


@task()
def serious_event_notify(event_id: int) -> int:
    """Email each clinic administrator; returns how many were sent. A mail server error fails
    the task (the worker records it) after the ones already sent."""
    event = AdverseEvent.objects.select_related("clinic").get(id=event_id)
    recipients = clinic_admin_addresses(event.clinic_id)
    if not recipients:
        logger.warning("serious adverse event %s: the clinic has no admin email", event.public_id)
    subject, body = serious_event_message(event)
    sent = 0
    try:
        for address in recipients:
            mail_send(clinic=event.clinic, to=address, subject=subject, body=body)
            sent += 1
    except (smtplib.SMTPException, OSError) as error:
        logger.warning(
            "could not notify about adverse event %s: %s", event.public_id, type(error).__name__
        )
        raise
    finally:
        if sent:
            AdverseEvent.objects.filter(id=event.id).update(notified_at=timezone.now())
        audit_record(
            actor=None,
            action="adverse_event.notify",
            clinic_id=event.clinic_id,
            patient_id=event.patient_id,
            target=event,
            detail={"sent": sent, "recipients": len(recipients)},
        )
    return sent
