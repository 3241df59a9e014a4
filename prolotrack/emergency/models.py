"""Who may break the glass (a right set up in advance) and each time someone did (a grant).

Nothing here is deleted: a right is revoked by setting `revoked_at`, a grant ends by expiring
or by `ended_at`. Both changes are audited by the services.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class EmergencyAccessRight(models.Model):
    """A user allowed to activate emergency access; at most one unrevoked right per user."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="emergency_rights"
    )
    granted_at = models.DateTimeField(default=timezone.now)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-granted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(revoked_at__isnull=True),
                name="one_active_emergency_right_per_user",
            )
        ]

    def __str__(self) -> str:
        state = "revoked" if self.revoked_at else "active"
        return f"emergency access right of {self.user} ({state})"


class EmergencyAccess(models.Model):
    """One activation: a user, a patient of another clinic, a reason and a time window."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="emergency_accesses"
    )
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="emergency_accesses"
    )
    reason = models.TextField()
    minutes = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["clinic", "started_at"])]

    def __str__(self) -> str:
        return f"emergency access {self.public_id}"

    def closed_because(self, now: dt.datetime) -> str:
        """Why the grant no longer opens the chart ("ended" or "expired"), or "" while open."""
        if self.ended_at is not None:
            return "ended"
        if now >= self.expires_at:
            return "expired"
        return ""
