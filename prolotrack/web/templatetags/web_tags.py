"""Template helpers for the page header."""

from __future__ import annotations

from dataclasses import dataclass

from django import template

from prolotrack.clinics.access import CLINICAL_READ_ROLES, DEMOGRAPHIC_READ_ROLES
from prolotrack.clinics.models import Membership, Role, User

register = template.Library()


@dataclass(frozen=True)
class HeaderInfo:
    clinic_names: list[str]
    sees_patients: bool
    sees_demo_outbox: bool = False
    sees_audit: bool = False
    sees_protocols: bool = False


@register.simple_tag
def header_info(user: User) -> HeaderInfo:
    """The signed-in user's clinics, and which of the Patients and Outbox pages are open to them."""
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
        sees_demo_outbox=any(
            m.clinic.is_demo and m.role in CLINICAL_READ_ROLES for m in memberships
        ),
        sees_audit=any(m.role == Role.CLINIC_ADMIN for m in memberships),
        sees_protocols=any(m.role in CLINICAL_READ_ROLES for m in memberships),
    )
