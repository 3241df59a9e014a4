"""A course of prolotherapy for one knee, its sessions and the injections given."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from prolotrack.core.models import TimestampedModel, VersionedModel
from prolotrack.knowledge import injection_sites
from prolotrack.patients.models import Side

# Concentration bounds (issue 2): dextrose 0-50 % (D50W is the strongest stock, clinical.md §2),
# lidocaine 0-2 % (the strongest stock in use, clinical.md §2).
MAX_DEXTROSE_PCT = Decimal("50")
MAX_LIDOCAINE_PCT = Decimal("2")
# Allows for a tablet whose clock runs a little ahead of the server's.
PERFORMED_CLOCK_TOLERANCE = dt.timedelta(minutes=10)


class CourseStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    STOPPED = "stopped", "Stopped"


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "no_show", "No-show"


# A session is documented while it is still scheduled (screening, dose check, injections),
# then marked done; a cancelled or no-show session never has injections.
INJECTABLE_SESSION_STATUSES = (SessionStatus.SCHEDULED, SessionStatus.DONE)


class Approach(models.TextChoices):
    INTRA_ARTICULAR = "intra_articular", "Intra-articular"
    EXTRA_ARTICULAR = "extra_articular", "Extra-articular"


class Guidance(models.TextChoices):
    PALPATION = "palpation", "Palpation"
    ULTRASOUND = "ultrasound", "Ultrasound"


class Course(VersionedModel):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="courses"
    )
    side = models.CharField("knee", max_length=5, choices=Side.choices)
    protocol_reference = models.CharField(
        max_length=500, help_text="The published protocol this course follows."
    )
    # Set when the course was planned from a shipped protocol (knowledge/protocols/); blank for
    # a free-text course. The version is the protocol file's, so a later edit is traceable.
    protocol_code = models.CharField(max_length=60, blank=True)
    protocol_version = models.CharField(max_length=60, blank=True)
    start_date = models.DateField()
    status = models.CharField(
        max_length=10, choices=CourseStatus.choices, default=CourseStatus.PLANNED
    )
    stop_reason = models.CharField(max_length=300, blank=True)
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-start_date", "-id"]
        indexes = [models.Index(fields=["clinic", "status"])]

    def __str__(self) -> str:
        return f"{self.protocol_reference} ({self.side}, from {self.start_date})"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.patient_id and self.side and self.side not in self.patient.sides:
            errors["side"] = "This knee is not one of the patient's knees of interest."
        if self.patient_id and self.start_date and self.start_date < self.patient.date_of_birth:
            errors["start_date"] = "The course cannot start before the date of birth."
        if self.status == CourseStatus.STOPPED and not self.stop_reason.strip():
            errors["stop_reason"] = "Give the reason the course was stopped."
        if self.status != CourseStatus.STOPPED and self.stop_reason.strip():
            errors["stop_reason"] = "A stop reason belongs to a stopped course only."
        if errors:
            raise ValidationError(errors)


class Session(VersionedModel):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="sessions")
    scheduled_at = models.DateTimeField()
    performed_at = models.DateTimeField(null=True, blank=True)
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        max_length=10, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    notes = models.TextField(blank=True)
    planned_syringes = models.JSONField(
        default=list,
        blank=True,
        help_text="The protocol's default syringes for this session (decimals as strings).",
    )

    class Meta:
        ordering = ["scheduled_at", "id"]
        indexes = [models.Index(fields=["clinic", "scheduled_at"])]

    def __str__(self) -> str:
        return f"Session {self.scheduled_at:%Y-%m-%d %H:%M} ({self.status})"

    @property
    def side(self) -> str:
        return self.course.side

    def day_of(self, instant: dt.datetime) -> dt.date:
        """The calendar day of an instant in the clinic's time zone (visit days are local)."""
        zone = ZoneInfo(self.clinic.time_zone) if self.clinic_id else dt.UTC
        return instant.astimezone(zone).date()

    @property
    def day(self) -> dt.date:
        """The session's day: when it was performed, else when it is scheduled."""
        return self.day_of(self.performed_at or self.scheduled_at)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        start = self.course.start_date if self.course_id else None
        if start and self.scheduled_at and self.day_of(self.scheduled_at) < start:
            errors["scheduled_at"] = "The session is before the course's start date."
        if self.status == SessionStatus.DONE:
            if self.performed_at is None:
                errors["performed_at"] = "Record when a done session was performed."
            if self.clinician_id is None:
                errors["clinician"] = "Record the clinician who performed the session."
        elif self.performed_at is not None:
            errors["performed_at"] = "Only a done session has a performed time."
        if self.performed_at:
            if start and self.day_of(self.performed_at) < start:
                errors["performed_at"] = "The session is before the course's start date."
            elif self.performed_at > timezone.now() + PERFORMED_CLOCK_TOLERANCE:
                errors["performed_at"] = "A session cannot be performed in the future."
        if errors:
            raise ValidationError(errors)


class Injection(VersionedModel):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="injections")
    site_code = models.CharField("site", max_length=40)
    approach = models.CharField(max_length=16, choices=Approach.choices)
    guidance = models.CharField(max_length=12, choices=Guidance.choices)
    needle_gauge = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(18), MaxValueValidator(33)]
    )
    volume_ml = models.DecimalField(
        "volume (mL)",
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("60"))],
    )
    dextrose_pct = models.DecimalField(
        "dextrose (%)",
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_DEXTROSE_PCT)],
    )
    lidocaine_pct = models.DecimalField(
        "lidocaine (%)",
        max_digits=5,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_LIDOCAINE_PCT)],
    )
    dextrose_lot = models.CharField("dextrose lot", max_length=40, blank=True)
    lidocaine_lot = models.CharField("lidocaine lot", max_length=40, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.site_label}: {self.volume_ml} mL"

    @property
    def site_label(self) -> str:
        site = injection_sites().get(self.site_code)
        return site.label if site else self.site_code

    def clean(self) -> None:
        errors: dict[str, str] = {}
        site = injection_sites().get(self.site_code)
        if site is None:
            errors["site_code"] = "Choose a site from the injection site catalogue."
        is_ia_site = site is not None and site.default_approach == "intra_articular"
        if site is not None and self.approach:
            if is_ia_site and self.approach != Approach.INTRA_ARTICULAR:
                errors["approach"] = "An injection into the joint is intra-articular."
            if not is_ia_site and self.approach == Approach.INTRA_ARTICULAR:
                errors["approach"] = f"{site.label} is an extra-articular site."
        if self.session_id and self.session.status not in INJECTABLE_SESSION_STATUSES:
            errors["session"] = (
                "Injections are recorded on a scheduled session (being documented) or a done "
                "one, never on a cancelled or no-show session."
            )
        if errors:
            raise ValidationError(errors)


class Deviation(TimestampedModel):
    """One way a protocol course departs from its protocol, with the reason (never deleted)."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="deviations")
    session = models.ForeignKey(
        Session, null=True, blank=True, on_delete=models.PROTECT, related_name="deviations"
    )
    what = models.CharField(max_length=500)
    field = models.CharField(
        max_length=60, help_text="What changed: session, syringe.volume_ml, syringe.site_codes..."
    )
    reason = models.TextField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return self.what

    def clean(self) -> None:
        if not self.reason.strip():
            raise ValidationError({"reason": "Give the reason for departing from the protocol."})
        session = self.session if self.session_id else None
        if session is not None and self.course_id and session.course_id != self.course_id:
            raise ValidationError({"session": "The session belongs to another course."})
