"""The one door to adverse events by id."""

from __future__ import annotations

from collections.abc import Collection

from prolotrack.clinics.access import access_scoped
from prolotrack.clinics.models import User
from prolotrack.safety.models import AdverseEvent


def access_adverse_event(public_id: object, *, user: User, roles: Collection[str]) -> AdverseEvent:
    return access_scoped(
        AdverseEvent.objects.select_related("patient", "course", "session"),
        public_id,
        user=user,
        roles=roles,
    )
