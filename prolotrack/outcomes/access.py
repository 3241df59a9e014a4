"""The one door to questionnaires by id."""

from __future__ import annotations

from collections.abc import Collection

from prolotrack.clinics.access import access_scoped
from prolotrack.clinics.models import User
from prolotrack.outcomes.models import Administration


def access_administration(
    public_id: object, *, user: User, roles: Collection[str]
) -> Administration:
    return access_scoped(
        Administration.objects.select_related("patient", "course"),
        public_id,
        user=user,
        roles=roles,
    )
