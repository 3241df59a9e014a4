from django.contrib import admin

from prolotrack.core.admin import ClinicScopedReadOnlyAdmin
from prolotrack.followup.models import Examination, MedicationUse, Surgery


@admin.register(MedicationUse)
class MedicationUseAdmin(ClinicScopedReadOnlyAdmin[MedicationUse]):
    list_display = ["patient", "recorded_on", "time_point", "category", "mme_per_day"]
    list_filter = ["category", "time_point"]


@admin.register(Examination)
class ExaminationAdmin(ClinicScopedReadOnlyAdmin[Examination]):
    list_display = ["patient", "side", "examined_on", "flexion_degrees", "extension_degrees"]


@admin.register(Surgery)
class SurgeryAdmin(ClinicScopedReadOnlyAdmin[Surgery]):
    list_display = ["patient", "side", "performed_on", "procedure"]
    list_filter = ["procedure"]
