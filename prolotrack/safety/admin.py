from django.contrib import admin

from prolotrack.core.admin import ClinicScopedReadOnlyAdmin
from prolotrack.safety.models import AdverseEvent, Consent, DoseCheck, Screening


@admin.register(Screening)
class ScreeningAdmin(ClinicScopedReadOnlyAdmin[Screening]):
    list_display = ["session", "rules_version", "completed_at", "overridden_at"]


@admin.register(DoseCheck)
class DoseCheckAdmin(ClinicScopedReadOnlyAdmin[DoseCheck]):
    list_display = ["session", "total_lidocaine_mg", "max_lidocaine_mg", "within_limit"]


@admin.register(AdverseEvent)
class AdverseEventAdmin(ClinicScopedReadOnlyAdmin[AdverseEvent]):
    list_display = ["patient", "term", "grade", "is_serious", "onset_on", "reviewed_at"]
    list_filter = ["is_serious", "term"]


@admin.register(Consent)
class ConsentAdmin(ClinicScopedReadOnlyAdmin[Consent]):
    list_display = ["course", "document_version", "accepted_at"]
