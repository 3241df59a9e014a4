from django.contrib import admin

from prolotrack.core.admin import ClinicScopedReadOnlyAdmin
from prolotrack.treatment.models import Course, Injection, Session


@admin.register(Course)
class CourseAdmin(ClinicScopedReadOnlyAdmin[Course]):
    list_display = ["patient", "side", "protocol_reference", "start_date", "status"]
    list_filter = ["status", "side"]


@admin.register(Session)
class SessionAdmin(ClinicScopedReadOnlyAdmin[Session]):
    list_display = ["course", "scheduled_at", "status", "clinician"]
    list_filter = ["status"]


@admin.register(Injection)
class InjectionAdmin(ClinicScopedReadOnlyAdmin[Injection]):
    list_display = [
        "session",
        "site_code",
        "approach",
        "volume_ml",
        "dextrose_pct",
        "lidocaine_pct",
    ]
    list_filter = ["site_code", "approach"]
