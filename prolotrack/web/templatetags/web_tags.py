"""Template helpers for the page header."""

from __future__ import annotations

from dataclasses import dataclass

from django import template

from prolotrack.clinics.access import DEMOGRAPHIC_READ_ROLES
from prolotrack.clinics.models import Membership, User

register = template.Library()


@dataclass(frozen=True)
class HeaderInfo:
    clinic_names: list[str]
    sees_patients: bool


@register.simple_tag
def header_info(user: User) -> HeaderInfo:
    """The signed-in user's clinics, and whether the Patients page is open to them."""
    if not user.is_authenticated:
        return HeaderInfo(clinic_names=[], sees_patients=False)
    memberships = (
        Membership.objects.filter(user=user, is_active=True)
        .select_related("clinic")
        .order_by("clinic__name")
    )
    return HeaderInfo(
        clinic_names=[membership.clinic.name for membership in memberships],
        sees_patients=any(m.role in DEMOGRAPHIC_READ_ROLES for m in memberships),
    )
