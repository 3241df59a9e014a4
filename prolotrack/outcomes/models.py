"""Scheduled questionnaires (administrations), their answers and scores, and the home links."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from prolotrack.core.models import TimestampedModel, VersionedModel
from prolotrack.patients.models import Side


class AdministrationStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    DUE = "due", "Due"
    COMPLETED = "completed", "Completed"
    MISSED = "missed", "Missed"
    CANCELLED = "cancelled", "Cancelled"


class Channel(models.TextChoices):
    CLINIC = "clinic", "In clinic (tablet)"
    PAPER = "paper", "Paper form entered by staff"
    HOME = "home", "From home (link)"


OPEN_STATUSES = (AdministrationStatus.SCHEDULED, AdministrationStatus.DUE)


class Administration(VersionedModel):
    """One questionnaire for one patient (and knee, when knee-specific) at one time point."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="administrations"
    )
    course = models.ForeignKey(
        "treatment.Course",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="administrations",
    )
    side = models.CharField(max_length=5, choices=Side.choices, blank=True)
    instrument_code = models.CharField(max_length=30)
    time_point = models.CharField(max_length=40)
    schedule_version = models.CharField(max_length=60, blank=True)
    target_date = models.DateField()
    due_from = models.DateField()
    due_until = models.DateField()
    status = models.CharField(
        max_length=10,
        choices=AdministrationStatus.choices,
        default=AdministrationStatus.SCHEDULED,
    )
    answers = models.JSONField(default=dict, blank=True)
    channel = models.CharField(max_length=8, choices=Channel.choices, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    instrument_version = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["target_date", "time_point", "instrument_code", "id"]
        indexes = [
            models.Index(fields=["clinic", "status", "due_from"]),
            models.Index(fields=["patient", "instrument_code", "side"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "time_point", "instrument_code", "side"],
                name="one_administration_per_course_time_point",
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument_code} {self.time_point} ({self.side or 'patient'})"


class Score(models.Model):
    """One score of a completed administration, with the definition version that produced it."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    administration = models.ForeignKey(
        Administration, on_delete=models.CASCADE, related_name="scores"
    )
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    side = models.CharField(max_length=5, choices=Side.choices, blank=True)
    instrument_code = models.CharField(max_length=30)
    scale = models.CharField(max_length=40)
    value = models.FloatField(null=True, blank=True)
    invalid_reason = models.CharField(max_length=200, blank=True)
    definition_version = models.CharField(max_length=60)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["administration_id", "scale"]
        constraints = [
            models.UniqueConstraint(fields=["administration", "scale"], name="one_score_per_scale")
        ]
        indexes = [models.Index(fields=["clinic", "instrument_code", "scale"])]

    def __str__(self) -> str:
        return f"{self.instrument_code} {self.scale} = {self.value}"


class AccessLink(TimestampedModel):
    """A home link: the link's opaque id signed with the server key, single use, expiring.

    Nothing but the signature proves the link (no account); the token is re-derived for
    reminders, never stored. It opens the administrations it was issued for and nothing else;
    it is used up when they are all completed and can be resumed until then or until it expires.
    """

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    administrations = models.ManyToManyField(Administration, related_name="links")
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    invited_at = models.DateTimeField(null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return f"Link {self.public_id}"


class InstrumentText(models.Model):
    """Official item wording loaded by the clinic from a licensed text pack (never shipped)."""

    instrument_code = models.CharField(max_length=30)
    language = models.CharField(max_length=16)
    item_id = models.CharField(max_length=20)
    text = models.TextField()
    pack_name = models.CharField(max_length=200)
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["instrument_code", "language", "item_id"], name="one_text_per_item"
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument_code} {self.item_id} ({self.language})"


class ClinicSchedule(models.Model):
    """A clinic's own questionnaire schedule, replacing knowledge/schedules/default.toml."""

    clinic = models.OneToOneField("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    definition = models.JSONField(help_text="Same fields as knowledge/schedules/default.toml.")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Questionnaire schedule of clinic {self.clinic_id}"


class OutboxMessage(models.Model):
    """A copy of an email sent by a demo clinic, readable in the app without a mail server."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    to = models.CharField(max_length=254)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at", "-id"]

    def __str__(self) -> str:
        return self.subject
