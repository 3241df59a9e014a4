"""Granting the right to break the glass, breaking it, and ending it early.

A failed patient match is audited (outcome `not_found`) in its own transaction before the
error goes back to the form, so fishing for record numbers leaves a trail; five of them within
an hour stop the user activating for the rest of that hour.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from prolotrack.audit.models import AuditEvent, Outcome
from prolotrack.audit.services import audit_record
from prolotrack.clinics.access import (
    CLINICAL_READ_ROLES,
    clinic_ids_for,
    role_in,
    roles_by_clinic,
)
from prolotrack.clinics.models import Clinic, Role, User
from prolotrack.core.actor import Actor
from prolotrack.core.errors import AccessDenied, ApplicationError
from prolotrack.core.records import record_create
from prolotrack.emergency.models import EmergencyAccess, EmergencyAccessRight
from prolotrack.patients.models import Patient

# Who may hold the right: staff who treat patients.
EMERGENCY_ROLES = frozenset({Role.CLINICIAN, Role.NURSE})
REASON_MIN_LENGTH = 20
NO_MATCH = "No matching patient in that clinic."
FAILED_MATCHES_PER_HOUR = 5


def default_minutes() -> int:
    return int(settings.PROLOTRACK_EMERGENCY_ACCESS_MINUTES)


def max_minutes() -> int:
    return int(settings.PROLOTRACK_EMERGENCY_ACCESS_MAX_MINUTES)


def is_eligible(user: User) -> bool:
    """An active user with a clinician or nurse membership somewhere."""
    return user.is_active and any(
        role in EMERGENCY_ROLES for role in roles_by_clinic(user).values()
    )


def active_right(user: User) -> EmergencyAccessRight | None:
    if not user.is_authenticated:
        return None
    return EmergencyAccessRight.objects.filter(user=user, revoked_at__isnull=True).first()


def may_activate(user: User) -> bool:
    return is_eligible(user) and active_right(user) is not None


@transaction.atomic
def emergency_right_allow(*, actor: Actor | None, user: User) -> EmergencyAccessRight:
    """Give `user` the right to activate emergency access (a privilege change, audited)."""
    if not is_eligible(user):
        raise ApplicationError(
            "Emergency access is for active clinicians and nurses; this user is neither."
        )
    if active_right(user) is not None:
        raise ApplicationError(f"{user.get_username()} already holds emergency access.")
    right = record_create(
        EmergencyAccessRight(user=user, granted_by=actor.user if actor is not None else None)
    )
    audit_record(actor=actor, action="emergency.right_allow", target=user)
    return right


@transaction.atomic
def emergency_right_revoke(*, actor: Actor | None, user: User) -> EmergencyAccessRight:
    """Take the right away; grants still running stop working at once (the chart checks it)."""
    right = (
        EmergencyAccessRight.objects.select_for_update(no_key=True)
        .filter(user=user, revoked_at__isnull=True)
        .first()
    )
    if right is None:
        raise ApplicationError(f"{user.get_username()} holds no emergency access.")
    right.revoked_at = timezone.now()
    right.revoked_by = actor.user if actor is not None else None
    right.full_clean()
    right.save()
    audit_record(actor=actor, action="emergency.right_revoke", target=user)
    return right


def require_right(user: User) -> EmergencyAccessRight:
    right = active_right(user)
    if right is None or not is_eligible(user):
        raise AccessDenied("Emergency access has not been granted to you.")
    return right


def clinics_to_open(user: User) -> list[Clinic]:
    """The clinics whose patients the user would need emergency access for (not their own)."""
    own = clinic_ids_for(user, CLINICAL_READ_ROLES)
    return list(Clinic.objects.exclude(id__in=own).order_by("name"))


def _recent_failed_matches(user: User, now: dt.datetime) -> int:
    return AuditEvent.objects.filter(
        user=user,
        action="emergency.activate",
        outcome=Outcome.NOT_FOUND,
        at__gte=now - dt.timedelta(hours=1),
    ).count()


def _validate(clinic: Clinic, user: User, reason: str, minutes: int) -> str:
    reason = reason.strip()
    if len(reason) < REASON_MIN_LENGTH:
        raise ApplicationError(
            f"Give the reason in at least {REASON_MIN_LENGTH} characters.", field="reason"
        )
    if not 1 <= minutes <= max_minutes():
        raise ApplicationError(f"Choose between 1 and {max_minutes()} minutes.", field="minutes")
    if role_in(user, clinic.id) in CLINICAL_READ_ROLES:
        raise ApplicationError("You can open this clinic's patients directly.", field="clinic")
    return reason


def emergency_access_start(
    *,
    actor: Actor,
    clinic: Clinic,
    mrn: str,
    date_of_birth: dt.date,
    reason: str,
    minutes: int,
) -> EmergencyAccess:
    """Open one patient of `clinic` to the actor for `minutes`, if MRN and birth date match
    exactly one patient there; audit it and notify the clinic's administrators."""
    user = actor.user
    require_right(user)
    reason = _validate(clinic, user, reason, minutes)
    now = timezone.now()
    if _recent_failed_matches(user, now) >= FAILED_MATCHES_PER_HOUR:
        raise AccessDenied("Too many unmatched emergency requests; try again within the hour.")
    matches = list(
        Patient.objects.filter(clinic=clinic, mrn=mrn.strip(), date_of_birth=date_of_birth)[:2]
    )
    if len(matches) != 1:
        with transaction.atomic():
            audit_record(
                actor=actor,
                action="emergency.activate",
                clinic_id=clinic.id,
                outcome=Outcome.NOT_FOUND,
                detail={"emergency": True},
            )
        raise ApplicationError(NO_MATCH)
    return _start(actor, clinic, matches[0], reason, minutes, now)


@transaction.atomic
def _start(
    actor: Actor, clinic: Clinic, patient: Patient, reason: str, minutes: int, now: dt.datetime
) -> EmergencyAccess:
    access = record_create(
        EmergencyAccess(
            user=actor.user,
            clinic=clinic,
            patient=patient,
            reason=reason,
            minutes=minutes,
            started_at=now,
            expires_at=now + dt.timedelta(minutes=minutes),
        )
    )
    audit_record(
        actor=actor,
        action="emergency.activate",
        clinic_id=clinic.id,
        patient_id=patient.id,
        target=access,
        detail={"emergency": True, "minutes": minutes},
    )
    from prolotrack.emergency.tasks import emergency_access_notify

    emergency_access_notify.enqueue(access_id=access.id)
    return access


@transaction.atomic
def emergency_access_end(*, actor: Actor, access: EmergencyAccess) -> EmergencyAccess:
    """The user closes their own grant before it expires."""
    locked = EmergencyAccess.objects.select_for_update(no_key=True).get(id=access.id)
    if locked.user_id != actor.user.id:
        raise AccessDenied("This is not your emergency access.")
    if locked.closed_because(timezone.now()):
        raise AccessDenied("This emergency access has already ended.")
    locked.ended_at = timezone.now()
    locked.save(update_fields=["ended_at"])
    audit_record(
        actor=actor,
        action="emergency.end",
        clinic_id=locked.clinic_id,
        patient_id=locked.patient_id,
        target=locked,
        detail={"emergency": True},
    )
    return locked
