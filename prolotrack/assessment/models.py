"""Next-step suggestions per course, the clinician's decisions, and clinic threshold overrides.

A `Suggestion` is what a rule of ``knowledge/suggestions.toml`` (or the clinic's rules) said
about a course at one point (after a given done session and completed questionnaire); it is
never applied by itself. A `Decision` is the clinician's answer: accept it, or decide
otherwise with the alternative and the reason.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from prolotrack.core.models import TimestampedModel


class Suggestion(TimestampedModel):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    course = models.ForeignKey(
        "treatment.Course", on_delete=models.PROTECT, related_name="suggestions"
    )
    after_session = models.ForeignKey(
        "treatment.Session", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    after_administration = models.ForeignKey(
        "outcomes.Administration",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Which facts produced it ("s12-a40"): the same rule at the same point is stored once.
    basis = models.CharField(max_length=60)
    rule_code = models.CharField(max_length=60)
    priority = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=500)
    reason = models.TextField()
    source = models.CharField(max_length=500)
    rules_version = models.CharField(max_length=80)
    thresholds_version = models.CharField(max_length=80)
    # Set when a later point no longer gives this suggestion and it was never decided.
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["priority", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "basis", "rule_code", "rules_version", "thresholds_version"],
                name="one_suggestion_per_rule_and_point",
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule_code} ({self.basis})"


class Decision(TimestampedModel):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    suggestion = models.OneToOneField(Suggestion, on_delete=models.PROTECT, related_name="decision")
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    accepted = models.BooleanField()
    alternative = models.CharField(max_length=500, blank=True)
    reason = models.TextField(blank=True)
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["decided_at", "id"]

    def __str__(self) -> str:
        return f"{'accepted' if self.accepted else 'decided otherwise'}: {self.suggestion_id}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if not self.accepted:
            if not self.alternative.strip():
                errors["alternative"] = "Say what you decided instead."
            if not self.reason.strip():
                errors["reason"] = "Give the reason for deciding otherwise."
        elif self.alternative.strip():
            errors["alternative"] = "An accepted suggestion has no alternative."
        if errors:
            raise ValidationError(errors)


class ClinicThresholds(models.Model):
    """A clinic's own response thresholds, replacing knowledge/thresholds.toml for it."""

    clinic = models.OneToOneField("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    definition = models.JSONField(help_text="Same fields as knowledge/thresholds.toml.")
    version = models.CharField(max_length=80)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Thresholds {self.version} of clinic {self.clinic_id}"


class ClinicSuggestionRules(models.Model):
    """A clinic's own next-step rules, replacing knowledge/suggestions.toml for it."""

    clinic = models.OneToOneField("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    definition = models.JSONField(help_text="Same fields as knowledge/suggestions.toml.")
    version = models.CharField(max_length=80)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Suggestion rules {self.version} of clinic {self.clinic_id}"
