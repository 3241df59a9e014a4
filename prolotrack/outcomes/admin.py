from django.contrib import admin

from prolotrack.core.admin import ClinicScopedReadOnlyAdmin
from prolotrack.outcomes.models import Administration, InstrumentText, Score


@admin.register(Administration)
class AdministrationAdmin(ClinicScopedReadOnlyAdmin[Administration]):
    list_display = ["patient", "instrument_code", "time_point", "side", "due_from", "status"]
    list_filter = ["instrument_code", "status", "channel"]


@admin.register(Score)
class ScoreAdmin(ClinicScopedReadOnlyAdmin[Score]):
    list_display = ["administration", "scale", "value", "definition_version"]
    list_filter = ["instrument_code", "scale"]


@admin.register(InstrumentText)
class InstrumentTextAdmin(admin.ModelAdmin[InstrumentText]):
    """Loaded with `prolotrack instruments load-text`; read-only here."""

    list_display = ["instrument_code", "language", "item_id", "pack_name", "loaded_at"]
    list_filter = ["instrument_code", "language"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
