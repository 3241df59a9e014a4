from django.contrib import admin

from prolotrack.assessment.models import Decision, Suggestion
from prolotrack.core.admin import ClinicScopedReadOnlyAdmin


@admin.register(Suggestion)
class SuggestionAdmin(ClinicScopedReadOnlyAdmin[Suggestion]):
    list_display = ["course", "rule_code", "basis", "rules_version", "thresholds_version"]
    list_filter = ["rule_code"]


@admin.register(Decision)
class DecisionAdmin(ClinicScopedReadOnlyAdmin[Decision]):
    list_display = ["suggestion", "accepted", "clinician", "decided_at"]
