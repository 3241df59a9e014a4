"""Admin-site helpers: clinical data in the admin is read-only, clinic-scoped and audited."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from django.contrib import admin
from django.db import models
from django.http import HttpRequest, HttpResponse

from prolotrack.audit.services import audit_record
from prolotrack.clinics.access import CLINICAL_READ_ROLES, clinic_ids_for
from prolotrack.core.actor import Actor

ModelT = TypeVar("ModelT", bound=models.Model)


class ClinicScopedReadOnlyAdmin(admin.ModelAdmin[ModelT], Generic[ModelT]):
    """Shows only rows of clinics where the admin user holds a clinical read role.

    Being a Django superuser grants no clinical data: corrections go through the clinical pages
    and their services (versioned, audited), never through the admin site.
    """

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[ModelT]:
        clinics = clinic_ids_for(request.user, CLINICAL_READ_ROLES)  # type: ignore[arg-type]
        return super().get_queryset(request).filter(clinic_id__in=clinics)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        audit_record(
            actor=_actor(request),
            action="admin.list",
            detail={"model": self.model._meta.label_lower},
        )
        return super().changelist_view(request, extra_context)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        found = (
            self.get_queryset(request).filter(pk=object_id).first() if object_id.isdigit() else None
        )
        if found is not None:
            audit_record(
                actor=_actor(request),
                action="admin.view",
                clinic_id=getattr(found, "clinic_id", None),
                patient_id=_patient_id(found),
                target=found,
            )
        return super().change_view(request, object_id, form_url, extra_context)


def _actor(request: HttpRequest) -> Actor:
    return Actor(user=request.user, client_address=request.META.get("REMOTE_ADDR", ""))  # type: ignore[arg-type]


def _patient_id(row: models.Model) -> int | None:
    if row._meta.model_name == "patient":
        return int(row.pk)
    patient_id = getattr(row, "patient_id", None)
    return int(patient_id) if patient_id is not None else None
