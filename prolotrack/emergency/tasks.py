"""Tell the target clinic's administrators that someone broke the glass.

The same mechanism as serious adverse events (`safety.tasks`): a django-tasks task enqueued in
the activation's transaction, one email per active clinic administrator, a copy in the demo
outbox for demo clinics. The email names no patient and carries no reason (free text may hold
health data): it says who, when, for how long, and where to read the rest.
"""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from prolotrack.audit.services import audit_record
from prolotrack.emergency.models import EmergencyAccess
from prolotrack.outcomes.mail import mail_send
from prolotrack.safety.tasks import clinic_admin_addresses

logger = logging.getLogger(__name__)
SUBJECT = "Emergency access to one of your patients"


def emergency_message(access: EmergencyAccess) -> str:
    user = access.user
    who = user.get_full_name() or user.get_username()
    base_url = settings.PROLOTRACK_BASE_URL.rstrip("/")
    return (
        f"{who} (user {user.get_username()}) used emergency access to a patient of "
        f"{access.clinic.name}.\n\n"
        f"Started: {access.started_at:%Y-%m-%d %H:%M} UTC\n"
        f"For: {access.minutes} minutes (until {access.expires_at:%H:%M} UTC)\n\n"
        f"Sign in to prolotrack and open Emergency access ({base_url}/emergency/report/) to see "
        f"the patient, the reason given and every view made; its reference is "
        f"{access.public_id}.\n"
        "No patient details are sent by email.\n"
    )


@task()
def emergency_access_notify(access_id: int) -> int:
    """Email each administrator of the patient's clinic; returns how many were sent."""
    access = EmergencyAccess.objects.select_related("clinic", "user").get(id=access_id)
    recipients = clinic_admin_addresses(access.clinic_id)
    if not recipients:
        logger.warning("emergency access %s: the clinic has no admin email", access.public_id)
    body = emergency_message(access)
    sent = 0
    try:
        for address in recipients:
            mail_send(clinic=access.clinic, to=address, subject=SUBJECT, body=body)
            sent += 1
    except (smtplib.SMTPException, OSError) as error:
        logger.warning(
            "could not notify about emergency access %s: %s",
            access.public_id,
            type(error).__name__,
        )
        raise
    finally:
        if sent:
            EmergencyAccess.objects.filter(id=access.id).update(notified_at=timezone.now())
        audit_record(
            actor=None,
            action="emergency.notify",
            clinic_id=access.clinic_id,
            patient_id=access.patient_id,
            target=access,
            detail={"emergency": True, "sent": sent, "recipients": len(recipients)},
        )
    return sent
