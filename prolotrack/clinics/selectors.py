"""Reads about clinics and their staff."""

from __future__ import annotations

from prolotrack.clinics.models import Role, User


def clinicians_of(clinic_id: int) -> list[User]:
    """Active users with the clinician role in the clinic: who may be recorded as performer."""
    return list(
        User.objects.filter(
            is_active=True,
            memberships__clinic_id=clinic_id,
            memberships__role=Role.CLINICIAN,
            memberships__is_active=True,
        ).order_by("last_name", "first_name", "username")
    )
