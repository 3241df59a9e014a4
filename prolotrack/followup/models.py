"""What happens to a patient's knee around and after a course: pain medication, examination
findings and function tests per visit, and knee surgery (issue 5, items 4-6).

Every row carries `clinic_id` (clinic scoping) and a `public_id` for URLs; rows are edited as
new versions, never deleted.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from prolotrack.core.models import VersionedModel
from prolotrack.domain.medication import OPIOID
from prolotrack.knowledge.medications import medication_catalogue
from prolotrack.patients.models import Side

# Goniometer ranges accepted at entry (prolotrack's plausibility limits, not norms): flexion
# 0-165 degrees; extension -30 (hyperextension) to +90 (flexion deficit).
FLEXION_RANGE = (0, 165)
EXTENSION_RANGE = (-30, 90)
CHAIR_STAND_MAX = 60  # rises in 30 seconds
TUG_RANGE = (Decimal("1.0"), Decimal("300.0"))  # seconds
MAX_DAILY_DOSE_MG = Decimal("10000")


class MedicationCategory(models.TextChoices):
    PARACETAMOL = "paracetamol", "Paracetamol"
    NSAID_ORAL = "nsaid_oral", "NSAID, oral"
    NSAID_TOPICAL = "nsaid_topical", "NSAID, topical"
    OPIOID = "opioid", "Opioid"
    OTHER_TOPICAL = "other_topical", "Other topical"
    CORTICOSTEROID_INJECTION = "corticosteroid_injection", "Corticosteroid injection"
    HYALURONIC_ACID_INJECTION = "hyaluronic_acid_injection", "Hyaluronic acid injection"
    OTHER = "other", "Other"
    NONE = "none", "No pain medication"


class MedicationTimePoint(models.TextChoices):
    BASELINE = "baseline", "Baseline"
    FOLLOW_UP = "follow_up", "Follow-up"


class MedicationSource(models.TextChoices):
    STAFF = "staff", "Staff"
    QUESTIONNAIRE = "questionnaire", "Patient questionnaire"


INJECTION_CATEGORIES = frozenset(
    {MedicationCategory.CORTICOSTEROID_INJECTION, MedicationCategory.HYALURONIC_ACID_INJECTION}
)


class MedicationUse(VersionedModel):
    """One medicine a patient takes (or "none") as recorded on one day.

    All rows of a patient on one day form that visit's snapshot. `side` is blank for systemic
    medicines and set for a knee injection. For an opioid, `opioid_code` names the drug in
    ``knowledge/medications.toml`` and `mme_per_day` = daily dose x its factor (derived on
    save by the service, with the file's version in `mme_factors_version`).
    """

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="medication_uses"
    )
    course = models.ForeignKey(
        "treatment.Course",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="medication_uses",
    )
    recorded_on = models.DateField()
    time_point = models.CharField(max_length=10, choices=MedicationTimePoint.choices)
    category = models.CharField(max_length=30, choices=MedicationCategory.choices)
    side = models.CharField("knee", max_length=5, choices=Side.choices, blank=True)
    name = models.CharField(max_length=120, blank=True)
    opioid_code = models.CharField("opioid", max_length=40, blank=True)
    dose_mg_per_day = models.DecimalField(
        "dose (mg per day)",
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_DAILY_DOSE_MG)],
    )
    days_per_week = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(7)]
    )
    mme_per_day = models.DecimalField(
        "oral morphine mg equivalents per day",
        max_digits=9,
        decimal_places=1,
        null=True,
        blank=True,
        editable=False,
    )
    mme_factors_version = models.CharField(max_length=60, blank=True, editable=False)
    source = models.CharField(
        max_length=14, choices=MedicationSource.choices, default=MedicationSource.STAFF
    )
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["recorded_on", "id"]
        indexes = [models.Index(fields=["clinic", "patient", "recorded_on"])]

    def __str__(self) -> str:
        return f"{self.get_category_display()} on {self.recorded_on}"

    def clean(self) -> None:
        errors = _medication_link_errors(self) | _medication_dose_errors(self)
        if self.recorded_on and self.recorded_on > timezone.localdate():
            errors["recorded_on"] = "The date cannot be in the future."
        if errors:
            raise ValidationError(errors)


def _medication_link_errors(use: MedicationUse) -> dict[str, str]:
    errors: dict[str, str] = {}
    course = use.course if use.course_id else None
    if course is not None and use.patient_id and course.patient_id != use.patient_id:
        errors["course"] = "The course belongs to another patient."
    if use.side and use.patient_id and use.side not in use.patient.sides:
        errors["side"] = "This knee is not one of the patient's knees of interest."
    if use.category in INJECTION_CATEGORIES and not use.side:
        errors["side"] = "Say which knee was injected."
    if use.side and use.category not in INJECTION_CATEGORIES:
        errors["side"] = "A knee goes with a knee injection only."
    needs_name = use.category in (MedicationCategory.OTHER, MedicationCategory.OTHER_TOPICAL)
    if needs_name and not use.name.strip():
        errors["name"] = "Name the medicine."
    return errors


def _medication_dose_errors(use: MedicationUse) -> dict[str, str]:
    errors: dict[str, str] = {}
    if use.category == OPIOID:
        if use.opioid_code not in medication_catalogue().opioids:
            errors["opioid_code"] = "Choose the opioid from the list."
        if use.dose_mg_per_day is None:
            errors["dose_mg_per_day"] = "Give the daily dose in mg (it sets the MME/day)."
    elif use.opioid_code:
        errors["opioid_code"] = "An opioid goes with the category 'Opioid' only."
    if use.category == MedicationCategory.NONE and (
        use.dose_mg_per_day is not None or use.days_per_week or use.name.strip()
    ):
        errors["category"] = "'No pain medication' has no name, dose or days."
    return errors


class EffusionGrade(models.TextChoices):
    """Stroke (bulge) test grades: zero, trace, 1+, 2+, 3+."""

    NONE = "none", "None"
    TRACE = "trace", "Trace"
    ONE = "1+", "1+"
    TWO = "2+", "2+"
    THREE = "3+", "3+"


class LaxityGrade(models.IntegerChoices):
    NONE = 0, "0: no laxity (firm end point)"
    MILD = 1, "1: mild laxity"
    MODERATE = 2, "2: moderate laxity"
    SEVERE = 3, "3: severe laxity (no firm end point)"


MEASURE_FIELDS = (
    "flexion_degrees",
    "extension_degrees",
    "effusion_grade",
    "lachman_grade",
    "valgus_stress_grade",
    "varus_stress_grade",
    "chair_stand_count",
    "timed_up_and_go_seconds",
)


class Examination(VersionedModel):
    """One knee examined at one visit: range of motion, effusion, stability, timed tests.

    Extension sign convention: 0 = full extension; a *positive* value is a flexion deficit
    (the knee lacks that many degrees of extension, e.g. a 10 degree flexion contracture);
    a *negative* value is hyperextension. Every measure is optional; at least one is needed.
    """

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="examinations"
    )
    side = models.CharField("knee", max_length=5, choices=Side.choices)
    examined_on = models.DateField()
    flexion_degrees = models.SmallIntegerField(
        "flexion (degrees)",
        null=True,
        blank=True,
        validators=[MinValueValidator(FLEXION_RANGE[0]), MaxValueValidator(FLEXION_RANGE[1])],
    )
    extension_degrees = models.SmallIntegerField(
        "extension (degrees)",
        null=True,
        blank=True,
        help_text="0 = full extension; positive = lacks extension; negative = hyperextension.",
        validators=[
            MinValueValidator(EXTENSION_RANGE[0]),
            MaxValueValidator(EXTENSION_RANGE[1]),
        ],
    )
    effusion_grade = models.CharField(
        "effusion (stroke test)", max_length=5, choices=EffusionGrade.choices, blank=True
    )
    lachman_grade = models.PositiveSmallIntegerField(
        "Lachman", choices=LaxityGrade.choices, null=True, blank=True
    )
    valgus_stress_grade = models.PositiveSmallIntegerField(
        "valgus stress", choices=LaxityGrade.choices, null=True, blank=True
    )
    varus_stress_grade = models.PositiveSmallIntegerField(
        "varus stress", choices=LaxityGrade.choices, null=True, blank=True
    )
    chair_stand_count = models.PositiveSmallIntegerField(
        "30-second chair stand (rises)",
        null=True,
        blank=True,
        validators=[MaxValueValidator(CHAIR_STAND_MAX)],
    )
    timed_up_and_go_seconds = models.DecimalField(
        "timed up-and-go (seconds)",
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(TUG_RANGE[0]), MaxValueValidator(TUG_RANGE[1])],
    )
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["examined_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "side", "examined_on"], name="one_examination_per_knee_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"Examination of the {self.side} knee on {self.examined_on}"

    def measures(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in MEASURE_FIELDS}

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if all(value in (None, "") for value in self.measures().values()):
            errors["__all__"] = "Record at least one measure."
        if self.side and self.patient_id and self.side not in self.patient.sides:
            errors["side"] = "This knee is not one of the patient's knees of interest."
        if self.examined_on and self.examined_on > timezone.localdate():
            errors["examined_on"] = "The date cannot be in the future."
        if errors:
            raise ValidationError(errors)


class SurgeryProcedure(models.TextChoices):
    ARTHROSCOPY = "arthroscopy", "Arthroscopy"
    PARTIAL_ARTHROPLASTY = "partial_arthroplasty", "Partial knee arthroplasty"
    TOTAL_ARTHROPLASTY = "total_arthroplasty", "Total knee arthroplasty"
    HIGH_TIBIAL_OSTEOTOMY = "high_tibial_osteotomy", "High tibial osteotomy"
    LIGAMENT_RECONSTRUCTION = "ligament_reconstruction", "Ligament reconstruction"
    OTHER = "other", "Other"


class Surgery(VersionedModel):
    """An operation on one knee. A surgery on or after a course's start ends the course's
    surgery-free time (`domain.surgery`)."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="surgeries"
    )
    course = models.ForeignKey(
        "treatment.Course",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="surgeries",
        help_text="The course this surgery followed, if any.",
    )
    side = models.CharField("knee", max_length=5, choices=Side.choices)
    performed_on = models.DateField()
    procedure = models.CharField(max_length=30, choices=SurgeryProcedure.choices)
    other_procedure = models.CharField(max_length=200, blank=True)
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["performed_on", "id"]
        verbose_name_plural = "surgeries"

    def __str__(self) -> str:
        return f"{self.procedure_label} ({self.side}, {self.performed_on})"

    @property
    def procedure_label(self) -> str:
        if self.procedure == SurgeryProcedure.OTHER and self.other_procedure:
            return self.other_procedure
        return str(self.get_procedure_display())

    def clean(self) -> None:
        errors: dict[str, str] = {}
        other = self.procedure == SurgeryProcedure.OTHER
        if other and not self.other_procedure.strip():
            errors["other_procedure"] = "Name the procedure."
        if not other and self.other_procedure.strip():
            errors["other_procedure"] = "A free-text procedure goes with 'Other' only."
        if self.performed_on and self.performed_on > timezone.localdate():
            errors["performed_on"] = "The date cannot be in the future."
        elif (
            self.performed_on and self.patient_id and self.performed_on < self.patient.date_of_birth
        ):
            errors["performed_on"] = "The date is before birth."
        course = self.course if self.course_id else None
        if course is not None and self.patient_id and course.patient_id != self.patient_id:
            errors["course"] = "The course belongs to another patient."
        elif course is not None and self.side and course.side != self.side:
            errors["course"] = "The course is for the other knee."
        if errors:
            raise ValidationError(errors)
