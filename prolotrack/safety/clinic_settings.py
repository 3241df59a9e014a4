"""Per-clinic safety settings: the weight age limit and the aftercare text (with a default)."""

from __future__ import annotations

from django.db import transaction

from prolotrack.audit.services import audit_record
from prolotrack.clinics.access import require_role
from prolotrack.clinics.models import Clinic, Role
from prolotrack.core.actor import Actor
from prolotrack.safety.documents import consent_document, default_aftercare
from prolotrack.safety.models import ClinicSettings

SETTINGS_ROLES = frozenset({Role.CLINIC_ADMIN})


def clinic_settings_for(clinic_id: int) -> ClinicSettings:
    """The clinic's settings, created with the defaults on first use."""
    found, _ = ClinicSettings.objects.get_or_create(clinic_id=clinic_id)
    return found


@transaction.atomic
def clinic_settings_update(
    *,
    actor: Actor,
    clinic: Clinic,
    weight_max_age_days: int | None = None,
    aftercare_text: str | None = None,
) -> ClinicSettings:
    """Change the clinic's settings (clinic admins); None leaves a value as it is, and a blank
    aftercare text returns to the shipped default."""
    require_role(actor.user, clinic.id, SETTINGS_ROLES)
    found = ClinicSettings.objects.select_for_update(no_key=True).get(
        id=clinic_settings_for(clinic.id).id
    )
    changed = []
    if weight_max_age_days is not None and weight_max_age_days != found.weight_max_age_days:
        found.weight_max_age_days = weight_max_age_days
        changed.append("weight_max_age_days")
    if aftercare_text is not None and aftercare_text.strip() != found.aftercare_text:
        found.aftercare_text = aftercare_text.strip()
        changed.append("aftercare_text")
    if changed:
        found.updated_by = actor.user
        found.full_clean()
        found.save()
        audit_record(
            actor=actor,
            action="clinic_settings.update",
            clinic_id=clinic.id,
            target=found,
            detail={"fields": changed},
        )
    return found


def aftercare_text_for(*, clinic_id: int) -> str:
    """The clinic's aftercare text, or the shipped default when it has none."""
    own = ClinicSettings.objects.filter(clinic_id=clinic_id).values_list(
        "aftercare_text", flat=True
    )
    text = next(iter(own), "")
    return text or default_aftercare(consent_document())
