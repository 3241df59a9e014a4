"""Home links: signed, single-use, expiring; and the emails that carry them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from prolotrack.audit.services import audit_record
from prolotrack.clinics.access import CLINICAL_WRITE_ROLES, require_role
from prolotrack.core.actor import Actor
from prolotrack.core.errors import ApplicationError, NotFound
from prolotrack.outcomes.mail import mail_send
from prolotrack.outcomes.models import (
    AccessLink,
    Administration,
    AdministrationStatus,
)

SALT = "prolotrack.outcomes.access-link"
# Reminders go out this many days after the invitation (issue 3), never after the link is used
# or its window has closed.
REMINDER_AFTER_DAYS = (3, 7)


def link_token(link: AccessLink) -> str:
    """The token in the link: the link's opaque id and an HMAC of it under the secret key."""
    return signing.Signer(salt=SALT).sign(str(link.public_id))


def link_url(link: AccessLink) -> str:
    return f"{settings.PROLOTRACK_BASE_URL.rstrip('/')}/q/{link_token(link)}/"


def _expiry(administrations: Sequence[Administration]) -> dt.datetime:
    """The end of the last day of the latest window among the linked questionnaires (UTC)."""
    last_day = max(item.due_until for item in administrations)
    return dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)


@transaction.atomic
def link_issue(*, actor: Actor | None, administrations: Sequence[Administration]) -> AccessLink:
    """A link for some due questionnaires of one patient."""
    if not administrations:
        raise ApplicationError("Choose at least one questionnaire for the link.")
    patients = {item.patient_id for item in administrations}
    if len(patients) != 1:
        raise ApplicationError("A link opens questionnaires of one patient only.")
    first = administrations[0]
    if actor is not None:
        require_role(actor.user, first.clinic_id, CLINICAL_WRITE_ROLES)
    if any(item.status != AdministrationStatus.DUE for item in administrations):
        raise ApplicationError("Only due questionnaires can be sent.")
    link = AccessLink.objects.create(
        clinic_id=first.clinic_id,
        patient_id=first.patient_id,
        expires_at=_expiry(administrations),
        created_by=actor.user if actor is not None else None,
    )
    link.administrations.set(administrations)
    audit_record(
        actor=actor,
        action="link.issue",
        clinic_id=first.clinic_id,
        patient_id=first.patient_id,
        target=link,
        detail={"questionnaires": len(administrations)},
    )
    return link


def link_open(token: str) -> AccessLink:
    """The link behind `token` if it is genuine, unexpired, unused and not revoked."""
    link = link_open_for_report(token)
    if link.used_at:
        raise NotFound("This link is not valid any more.")
    return link


def link_open_for_report(token: str) -> AccessLink:
    """The link behind `token` if it is genuine, unexpired and not revoked, used or not: a
    patient may still report a side effect after submitting (`safety.check_in`)."""
    try:
        public_id = signing.Signer(salt=SALT).unsign(token)
    except signing.BadSignature:
        raise NotFound("This link is not valid.") from None
    link = AccessLink.objects.select_related("clinic").filter(public_id=public_id).first()
    if link is None or link.revoked_at or link.expires_at <= timezone.now():
        raise NotFound("This link is not valid any more.")
    return link


def link_open_items(link: AccessLink) -> QuerySet[Administration]:
    return link.administrations.order_by("instrument_code", "side", "id")


def link_close_if_done(link: AccessLink) -> bool:
    """Use the link up once none of its questionnaires is still due."""
    if link.administrations.filter(status=AdministrationStatus.DUE).exists():
        return False
    AccessLink.objects.filter(id=link.id, used_at__isnull=True).update(used_at=timezone.now())
    return True


def link_email(link: AccessLink, *, kind: str) -> None:
    """Send the invitation or a reminder; a demo clinic also keeps a copy in its outbox."""
    patient = link.patient
    if not patient.email:
        raise ApplicationError("The patient has no email address.")
    subject, body = _message(link, kind=kind)
    mail_send(clinic=link.clinic, to=patient.email, subject=subject, body=body)
    now = timezone.now()
    if kind == "invitation":
        AccessLink.objects.filter(id=link.id).update(invited_at=now)
    else:
        AccessLink.objects.filter(id=link.id).update(
            reminders_sent=link.reminders_sent + 1, last_reminded_at=now
        )
    audit_record(
        actor=None,
        action=f"link.{kind}",
        clinic_id=link.clinic_id,
        patient_id=patient.id,
        target=link,
    )


def _message(link: AccessLink, *, kind: str) -> tuple[str, str]:
    clinic = link.clinic.name
    until = (link.expires_at - dt.timedelta(days=1)).date().isoformat()
    opening = (
        f"{clinic} asks you to answer a few short questions about your knee."
        if kind == "invitation"
        else f"A reminder from {clinic}: your knee questionnaire is still waiting for you."
    )
    body = (
        f"{opening}\n\n"
        f"Open this link on your phone or computer:\n{link_url(link)}\n\n"
        f"It works until {until} and only once: you can stop and come back to it until you "
        f"submit. No account is needed. If you did not expect this message, you can ignore it.\n"
    )
    subject = (
        "Your knee questionnaire" if kind == "invitation" else "Reminder: your knee questionnaire"
    )
    return subject, body


def reminders_due(now: dt.datetime) -> list[AccessLink]:
    """Links whose next reminder is due: invited, unused, unexpired, something still due."""
    due: list[AccessLink] = []
    candidates = (
        AccessLink.objects.filter(
            invited_at__isnull=False,
            used_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=now,
            reminders_sent__lt=len(REMINDER_AFTER_DAYS),
            administrations__status=AdministrationStatus.DUE,
        )
        .distinct()
        .select_related("clinic", "patient")
    )
    for link in candidates:
        assert link.invited_at is not None
        wait = dt.timedelta(days=REMINDER_AFTER_DAYS[link.reminders_sent])
        if now >= link.invited_at + wait:
            due.append(link)
    return due
