"""The grant is the access check: its own user, not ended, not expired, right still held.

`prolotrack.clinics.access` is not widened: nothing here gives a membership, and nothing but a
running grant of the signed-in user opens the emergency chart.
"""

from __future__ import annotations

from django.utils import timezone

from prolotrack.audit.models import Outcome
from prolotrack.audit.services import audit_record
from prolotrack.clinics.access import parse_public_id
from prolotrack.clinics.models import User
from prolotrack.core.actor import Actor
from prolotrack.core.errors import AccessDenied, NotFound
from prolotrack.emergency.models import EmergencyAccess
from prolotrack.emergency.services import may_activate

CLOSED_MESSAGES = {
    "ended": "You ended this emergency access.",
    "expired": "This emergency access has expired.",
    "revoked": "Your emergency access right has been withdrawn.",
}


class EmergencyClosed(AccessDenied):
    """The user's own grant, no longer open; the refusal is already audited."""


def access_emergency(public_id: object, *, user: User) -> EmergencyAccess:
    """The user's own grant, open or not. Another user's grant is NotFound, like a missing one."""
    found = (
        EmergencyAccess.objects.select_related("clinic", "patient")
        .filter(public_id=parse_public_id(public_id), user_id=user.id)
        .first()
    )
    if found is None:
        raise NotFound("Not found.")
    return found


def open_emergency(public_id: object, *, actor: Actor, action: str) -> EmergencyAccess:
    """The user's grant if it is open now; otherwise audit the refused `action` and raise
    EmergencyClosed."""
    access = access_emergency(public_id, user=actor.user)
    why = access.closed_because(timezone.now())
    if not why and not may_activate(actor.user):
        why = "revoked"
    if why:
        audit_record(
            actor=actor,
            action=action,
            clinic_id=access.clinic_id,
            patient_id=access.patient_id,
            target=access,
            outcome=Outcome.DENIED,
            detail={"emergency": True, "closed": why},
        )
        raise EmergencyClosed(CLOSED_MESSAGES[why])
    return access
