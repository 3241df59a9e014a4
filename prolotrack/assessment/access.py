"""The one door to suggestions by id."""

from __future__ import annotations

from collections.abc import Collection

from prolotrack.assessment.models import Suggestion
from prolotrack.clinics.access import access_scoped
from prolotrack.clinics.models import User


def access_suggestion(public_id: object, *, user: User, roles: Collection[str]) -> Suggestion:
    return access_scoped(
        Suggestion.objects.select_related("course", "course__patient"),
        public_id,
        user=user,
        roles=roles,
    )
