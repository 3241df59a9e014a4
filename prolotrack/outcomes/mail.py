"""Sending one email from a clinic: through Django's mail backend, and for a demo clinic also a
copy in its outbox (`/outbox/`), where no real mail leaves the machine unless SMTP is set."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail

from prolotrack.clinics.models import Clinic
from prolotrack.outcomes.models import OutboxMessage


def mail_send(*, clinic: Clinic, to: str, subject: str, body: str) -> None:
    """Send it (errors from the mail server propagate); a demo clinic keeps a copy."""
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
    if clinic.is_demo:
        OutboxMessage.objects.create(clinic=clinic, to=to, subject=subject, body=body)
