from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from prolotrack.core.admin import ClinicScopedReadOnlyAdmin
from prolotrack.emergency.models import EmergencyAccess, EmergencyAccessRight


@admin.register(EmergencyAccess)
class EmergencyAccessAdmin(ClinicScopedReadOnlyAdmin[EmergencyAccess]):
    """Scoped to the patient's clinic (its administrators see who opened their patients)."""

    list_display = ["user", "clinic", "started_at", "expires_at", "ended_at", "notified_at"]


@admin.register(EmergencyAccessRight)
class EmergencyAccessRightAdmin(admin.ModelAdmin[EmergencyAccessRight]):
    """Who may break the glass; changed only by `prolotrack emergency allow|revoke` (audited)."""

    list_display = ["user", "granted_at", "granted_by", "revoked_at", "revoked_by"]
    list_filter = ["revoked_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
