"""The patient, their knees of interest, conditions per knee and the history screening needs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone

from prolotrack.core.models import TimestampedModel, VersionedModel
from prolotrack.knowledge import code_fits_side, icd10_codes

EARLIEST_BIRTH_DATE = dt.date(1900, 1, 1)


class Side(models.TextChoices):
    RIGHT = "right", "Right knee"
    LEFT = "left", "Left knee"


class KneesOfInterest(models.TextChoices):
    RIGHT = "right", "Right knee"
    LEFT = "left", "Left knee"
    BOTH = "both", "Both knees"


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Other"
    UNKNOWN = "unknown", "Unknown"


def sides_of(knees: str) -> tuple[str, ...]:
    return (Side.RIGHT, Side.LEFT) if knees == KneesOfInterest.BOTH else (knees,)


class Patient(VersionedModel):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="patients")
    mrn = models.CharField(
        "medical record number",
        max_length=32,
        validators=[
            RegexValidator(r"^[A-Za-z0-9][A-Za-z0-9-]*$", "Use letters, digits and hyphens only.")
        ],
    )
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=10, choices=Sex.choices)
    email = models.EmailField(blank=True)
    phone = models.CharField(
        max_length=32,
        blank=True,
        validators=[RegexValidator(r"^\+?[0-9 ()-]{6,31}$", "Enter a valid phone number.")],
    )
    knees = models.CharField("knees of interest", max_length=5, choices=KneesOfInterest.choices)

    class Meta:
        ordering = ["family_name", "given_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "mrn"], name="mrn_unique_per_clinic")
        ]
        indexes = [
            models.Index(fields=["clinic", "family_name", "given_name"]),
        ]

    def __str__(self) -> str:
        return f"{self.family_name}, {self.given_name}"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def sides(self) -> tuple[str, ...]:
        return sides_of(self.knees)

    def age_on(self, day: dt.date) -> int:
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def clean(self) -> None:
        today = timezone.localdate()
        if self.date_of_birth and not EARLIEST_BIRTH_DATE <= self.date_of_birth <= today:
            raise ValidationError(
                {"date_of_birth": "The date of birth must be between 1900 and today."}
            )


class WeightMeasurement(TimestampedModel):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="weights")
    weight_kg = models.DecimalField(
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("2.0")), MaxValueValidator(Decimal("400.0"))],
    )
    measured_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-measured_on", "-id"]

    def clean(self) -> None:
        if self.measured_on and self.measured_on > timezone.localdate():
            raise ValidationError({"measured_on": "The measurement date cannot be in the future."})
        if self.measured_on and self.patient_id and self.measured_on < self.patient.date_of_birth:
            raise ValidationError({"measured_on": "The measurement date is before birth."})


class KneeCondition(VersionedModel):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="conditions")
    side = models.CharField(max_length=5, choices=Side.choices)
    icd10_code = models.CharField("ICD-10-CM code", max_length=10)
    onset_date = models.DateField(null=True, blank=True)
    kl_grade = models.PositiveSmallIntegerField(
        "Kellgren-Lawrence grade",
        null=True,
        blank=True,
        validators=[MaxValueValidator(4)],
        help_text="0-4, for osteoarthritis only.",
    )
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["side", "id"]

    def __str__(self) -> str:
        return f"{self.icd10_code} ({self.side})"

    @property
    def title(self) -> str:
        code = icd10_codes().get(self.icd10_code)
        return code.title if code else self.icd10_code

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.patient_id and self.side and self.side not in self.patient.sides:
            errors["side"] = "This knee is not one of the patient's knees of interest."
        code = icd10_codes().get(self.icd10_code)
        if code is None:
            errors["icd10_code"] = "Choose a code from the knee condition list."
        elif self.side and not code_fits_side(self.icd10_code, self.side):
            errors["icd10_code"] = f"{self.icd10_code} is coded for the {code.laterality} side."
        if code is not None and self.kl_grade is not None and code.category != "knee_oa":
            errors["kl_grade"] = "A Kellgren-Lawrence grade applies to osteoarthritis only."
        if self.onset_date:
            if self.onset_date > timezone.localdate():
                errors["onset_date"] = "The onset date cannot be in the future."
            elif self.patient_id and self.onset_date < self.patient.date_of_birth:
                errors["onset_date"] = "The onset date is before the date of birth."
        if errors:
            raise ValidationError(errors)


class MedicalHistory(VersionedModel):
    """What pre-session screening needs to know; one per patient, edited in place."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.OneToOneField(Patient, on_delete=models.PROTECT, related_name="history")
    on_anticoagulants = models.BooleanField(default=False)
    anticoagulant_name = models.CharField(max_length=100, blank=True)
    bleeding_disorder = models.BooleanField(default=False)
    diabetes = models.BooleanField(default=False)
    hba1c_pct = models.DecimalField(
        "latest HbA1c (%)",
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("3.0")), MaxValueValidator(Decimal("20.0"))],
    )
    hba1c_measured_on = models.DateField(null=True, blank=True)
    arthroplasty_right = models.BooleanField("right knee arthroplasty", default=False)
    arthroplasty_left = models.BooleanField("left knee arthroplasty", default=False)
    allergy_local_anaesthetic = models.BooleanField(default=False)
    allergy_corn_dextrose = models.BooleanField("allergy to corn or dextrose", default=False)
    other_allergies = models.CharField(max_length=200, blank=True)
    pregnant = models.BooleanField(default=False)
    last_corticosteroid_injection_on = models.DateField(
        "last corticosteroid injection", null=True, blank=True
    )
    notes = models.TextField(blank=True)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        today = timezone.localdate()
        if self.hba1c_pct is not None and not self.diabetes:
            errors["hba1c_pct"] = "Record HbA1c for a patient with diabetes."
        if self.hba1c_measured_on and self.hba1c_pct is None:
            errors["hba1c_measured_on"] = "Give the HbA1c value with its date."
        for field in ("hba1c_measured_on", "last_corticosteroid_injection_on"):
            day = getattr(self, field)
            if day and day > today:
                errors[field] = "This date cannot be in the future."
        if self.pregnant and self.patient_id and self.patient.sex == Sex.MALE:
            errors["pregnant"] = "Pregnancy cannot be recorded for a male patient."
        if self.anticoagulant_name and not self.on_anticoagulants:
            errors["anticoagulant_name"] = "Tick 'on anticoagulants' or leave the name empty."
        if errors:
            raise ValidationError(errors)
