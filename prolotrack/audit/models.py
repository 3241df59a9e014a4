"""Append-only record of every read and write of patient data.

Each event is one link of a hash chain (`sequence`, `prev_hash`, `hash`; see
`prolotrack.domain.audit_chain`), appended by `audit.chain.chain_append` only. Database
triggers (migration 0006) refuse UPDATE and DELETE on both tables here.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Outcome(models.TextChoices):
    SUCCESS = "success", "Success"
    DENIED = "denied", "Denied"
    NOT_FOUND = "not_found", "Not found"
    FAILED = "failed", "Failed"


class AuditEvent(models.Model):
    # Set by the chain before hashing (auto_now_add would overwrite the hashed value).
    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True)
    clinic = models.ForeignKey(
        "clinics.Clinic", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    patient = models.ForeignKey(
        "patients.Patient", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=60, db_index=True)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, default=Outcome.SUCCESS)
    client_address = models.CharField(max_length=64, blank=True)
    channel = models.CharField(max_length=12, default="web")
    detail = models.JSONField(default=dict, blank=True)
    sequence = models.PositiveBigIntegerField(unique=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["sequence"]
        indexes = [models.Index(fields=["clinic", "at"]), models.Index(fields=["patient", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username} {self.action} {self.outcome}"


class AuditChainHead(models.Model):
    """The chain's last sequence number and hash, moved forward with every append.

    A witness for the end of the chain: entries deleted from the end, or appended behind the
    application's back, disagree with it. One row (id 1); a trigger lets it only move forward
    one entry at a time and refuses DELETE.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    sequence = models.PositiveBigIntegerField()
    hash = models.CharField(max_length=64)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="audit_head_single")]

    def __str__(self) -> str:
        return f"audit chain head {self.sequence}"
