"""Which clinics a user may act in, and in which role. Every clinical query starts here."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import TypeVar

from django.db import models
from django.db.models import QuerySet

from prolotrack.clinics.models import Clinic, Membership, Role, User
from prolotrack.core.errors import AccessDenied, NotFound

# Who may read what (issue 6 turns this into the full route x role matrix).
CLINICAL_READ_ROLES = frozenset({Role.CLINICIAN, Role.NURSE, Role.CLINIC_ADMIN})
CLINICAL_WRITE_ROLES = frozenset({Role.CLINICIAN, Role.NURSE})
DEMOGRAPHIC_READ_ROLES = CLINICAL_READ_ROLES | {Role.FRONT_DESK}
DEMOGRAPHIC_WRITE_ROLES = frozenset({Role.CLINICIAN, Role.NURSE, Role.FRONT_DESK})
SCHEDULE_READ_ROLES = DEMOGRAPHIC_READ_ROLES
SESSION_DOCUMENT_ROLES = frozenset({Role.CLINICIAN, Role.NURSE})


def roles_by_clinic(user: User) -> dict[int, str]:
    """Clinic id -> role for the user's active memberships (empty for anonymous users)."""
    if not user.is_authenticated or not user.is_active:
        return {}
    memberships = Membership.objects.filter(user=user, is_active=True).values_list(
        "clinic_id", "role"
    )
    return dict(memberships)


def clinic_ids_for(user: User, roles: Collection[str]) -> list[int]:
    """Ids of the clinics where the user holds one of `roles`."""
    return [clinic_id for clinic_id, role in roles_by_clinic(user).items() if role in roles]


def role_in(user: User, clinic_id: int) -> str | None:
    return roles_by_clinic(user).get(clinic_id)


def require_role(user: User, clinic_id: int, roles: Collection[str]) -> str:
    """The user's role in the clinic, if it is one of `roles`.

    A user with no membership in the clinic gets NotFound (the clinic's objects do not exist
    for them); a member whose role is not allowed gets AccessDenied.
    """
    role = role_in(user, clinic_id)
    if role is None:
        raise NotFound("Not found.")
    if role not in roles:
        raise AccessDenied("Your role in this clinic does not allow this.")
    return role


def clinics_for(user: User, roles: Collection[str]) -> list[Clinic]:
    return list(Clinic.objects.filter(id__in=clinic_ids_for(user, roles)).order_by("name"))


def access_clinic(clinic_public_id: object, *, user: User, roles: Collection[str]) -> Clinic:
    """The clinic if the user holds one of `roles` there; otherwise NotFound or AccessDenied."""
    clinic = Clinic.objects.filter(public_id=parse_public_id(clinic_public_id)).first()
    if clinic is None:
        raise NotFound("Not found.")
    require_role(user, clinic.id, roles)
    return clinic


ScopedT = TypeVar("ScopedT", bound=models.Model)


def parse_public_id(value: object) -> uuid.UUID:
    """An opaque id from a URL, form or command line; anything malformed is simply not found."""
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise NotFound("Not found.") from None


def access_scoped(
    queryset: QuerySet[ScopedT], public_id: object, *, user: User, roles: Collection[str]
) -> ScopedT:
    """The object with this public id if the user holds one of `roles` in its clinic.

    Missing objects and objects of clinics where the user has no membership both raise
    NotFound with the same message; a member whose role may not do this gets AccessDenied.
    """
    key = parse_public_id(public_id)
    found = queryset.filter(public_id=key).first()
    if found is None:
        raise NotFound("Not found.")
    require_role(user, found.clinic_id, roles)  # type: ignore[attr-defined]
    return found
