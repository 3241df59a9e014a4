"""The one door to medication rows, examinations and surgeries by id."""

from __future__ import annotations

from collections.abc import Collection

from prolotrack.clinics.access import access_scoped
from prolotrack.clinics.models import User
from prolotrack.followup.models import Examination, MedicationUse, Surgery


def access_medication_use(
    public_id: object, *, user: User, roles: Collection[str]
) -> MedicationUse:
    return access_scoped(
        MedicationUse.objects.select_related("patient", "course"),
        public_id,
        user=user,
        roles=roles,
    )


def access_examination(public_id: object, *, user: User, roles: Collection[str]) -> Examination:
    return access_scoped(
        Examination.objects.select_related("patient"), public_id, user=user, roles=roles
    )


def access_surgery(public_id: object, *, user: User, roles: Collection[str]) -> Surgery:
    return access_scoped(
        Surgery.objects.select_related("patient", "course"), public_id, user=user, roles=roles
    )
