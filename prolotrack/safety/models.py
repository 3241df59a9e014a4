"""Pre-session screening, the session's dose check, adverse events, consent, clinic settings.

Screening and dose check are one-to-one with a session; both gate marking the session done
(`safety.gates`). An override keeps who, why and when; a recomputation that changes what was
overridden clears it (the audit log keeps the history).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from prolotrack.core.models import TimestampedModel, VersionedModel
from prolotrack.knowledge.adverse_events import SERIOUS_CRITERIA, adverse_event_catalogue

OVERRIDE_REASON_MIN_CHARS = 10
DEFAULT_WEIGHT_MAX_AGE_DAYS = 90  # prolotrack's choice, no published source (limits.toml)


class Overridable(models.Model):
    """A check a clinician may override: the reason, who and when."""

    override_reason = models.TextField(blank=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    overridden_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_overridden(self) -> bool:
        return self.overridden_at is not None

    def clear_override(self) -> None:
        self.override_reason, self.overridden_by, self.overridden_at = "", None, None

    def clean_override(self) -> dict[str, str]:
        if self.overridden_at and len(self.override_reason.strip()) < OVERRIDE_REASON_MIN_CHARS:
            return {
                "override_reason": f"Give the reason (at least {OVERRIDE_REASON_MIN_CHARS} "
                "characters)."
            }
        return {}


class Screening(Overridable, VersionedModel):
    """The pre-session checklist of one session: answers, the rules' result, any override.

    `answers` maps a rule code to True (present), False (absent) or None (not answered yet);
    `result` is `domain.screening.ScreeningResult` as JSON.
    """

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    session = models.OneToOneField(
        "treatment.Session", on_delete=models.PROTECT, related_name="screening"
    )
    answers = models.JSONField(default=dict, blank=True)
    rules_version = models.CharField(max_length=60)
    result = models.JSONField(default=dict, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Screening of session {self.session_id}"

    @property
    def blocked(self) -> bool:
        return bool(self.result.get("blocked"))

    @property
    def unanswered(self) -> list[str]:
        return list(self.result.get("unanswered", []))

    @property
    def passes(self) -> bool:
        """Complete, nothing unanswered, and not blocked (or blocked and overridden)."""
        complete = self.completed_at is not None and not self.unanswered
        return complete and (not self.blocked or self.is_overridden)

    def clean(self) -> None:
        errors = self.clean_override()
        if self.overridden_at and not self.blocked:
            errors["override_reason"] = "Only a blocked screening can be overridden."
        if errors:
            raise ValidationError(errors)


class LidocaineStock(models.IntegerChoices):
    ONE = 1, "1 % (10 mg/mL)"
    TWO = 2, "2 % (20 mg/mL)"


class DoseCheck(Overridable, VersionedModel):
    """The session's lidocaine check (clinical.md §2), recomputed from its injections.

    Injections are grouped into syringes by concentration and checked with
    `domain.dosing.session_check`. The stock (lidocaine % and epinephrine) is set by staff;
    the rest is computed: weight used (the patient's latest on or before the session day) and
    whether it is stale, totals, the maximum, and whether the total is within it.
    """

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    session = models.OneToOneField(
        "treatment.Session", on_delete=models.PROTECT, related_name="dose_check"
    )
    epinephrine = models.BooleanField(default=False)
    lidocaine_stock_pct = models.PositiveSmallIntegerField(
        "lidocaine stock (%)", choices=LidocaineStock.choices, default=LidocaineStock.ONE
    )
    weight_kg = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    weight_measured_on = models.DateField(null=True, blank=True)
    weight_stale = models.BooleanField(default=True, help_text="Missing or too old to dose by.")
    total_lidocaine_mg = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal(0))
    max_lidocaine_mg = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    within_limit = models.BooleanField(null=True, blank=True)
    total_dextrose_g = models.DecimalField(max_digits=8, decimal_places=3, default=Decimal(0))
    limits_version = models.CharField(max_length=60, blank=True)
    problem = models.CharField(
        max_length=300, blank=True, help_text="Why the syringes cannot be made from the stock."
    )
    notes = models.JSONField(default=list, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Dose check of session {self.session_id}"

    @property
    def uses_lidocaine(self) -> bool:
        return self.total_lidocaine_mg > 0

    @property
    def passes(self) -> bool:
        """No lidocaine, or overridden, or within the maximum by a current weight."""
        if not self.uses_lidocaine or self.is_overridden:
            return True
        return bool(self.within_limit) and not self.weight_stale and not self.problem

    def clean(self) -> None:
        errors = self.clean_override()
        if errors:
            raise ValidationError(errors)


class ClinicSettings(models.Model):
    """Per-clinic safety settings, created on first use with the defaults."""

    clinic = models.OneToOneField("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    weight_max_age_days = models.PositiveSmallIntegerField(
        default=DEFAULT_WEIGHT_MAX_AGE_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text="A weight older than this is stale for the lidocaine maximum.",
    )
    aftercare_text = models.TextField(
        blank=True, help_text="Aftercare instructions; blank uses the shipped default."
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name_plural = "clinic settings"

    def __str__(self) -> str:
        return f"Safety settings of clinic {self.clinic_id}"


class Relatedness(models.TextChoices):
    NOT_RELATED = "not_related", "Not related"
    UNLIKELY = "unlikely", "Unlikely"
    POSSIBLE = "possible", "Possible"
    PROBABLE = "probable", "Probable"
    DEFINITE = "definite", "Definite"


class EventOutcome(models.TextChoices):
    RECOVERING = "recovering", "Recovering"
    RECOVERED = "recovered", "Recovered"
    NOT_RECOVERED = "not_recovered", "Not recovered"
    FATAL = "fatal", "Fatal"
    UNKNOWN = "unknown", "Unknown"


class ActionTaken(models.TextChoices):
    NONE = "none", "None"
    ADVICE = "advice", "Advice or reassurance"
    MEDICATION = "medication", "Medication given or advised"
    SESSION_DEFERRED = "session_deferred", "Next session deferred"
    PLAN_CHANGED = "plan_changed", "Treatment plan changed"
    COURSE_STOPPED = "course_stopped", "Course stopped"
    REFERRED = "referred", "Referred or admitted to hospital"
    OTHER = "other", "Other (see notes)"


class AdverseEvent(VersionedModel):
    """An adverse event of a patient after prolotherapy (clinical.md §4).

    The term comes from `knowledge/adverse_events.toml`; the grade is the CTCAE v5.0 general
    grade (1-5); serious = any of the ICH E2A criteria (derived, stored for reports). An event
    reported by the patient from a questionnaire link stays unconfirmed until staff confirm it.
    """

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="adverse_events"
    )
    course = models.ForeignKey(
        "treatment.Course", on_delete=models.PROTECT, related_name="adverse_events"
    )
    session = models.ForeignKey(
        "treatment.Session",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="adverse_events",
    )
    term = models.CharField(max_length=40)
    other_term = models.CharField(max_length=200, blank=True)
    onset_on = models.DateField()
    onset_after_hours = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Hours after the session.",
        validators=[MaxValueValidator(24 * 365)],
    )
    grade = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    results_in_death = models.BooleanField(default=False)
    life_threatening = models.BooleanField(default=False)
    hospitalisation = models.BooleanField(
        default=False, help_text="Requires or prolongs inpatient hospitalisation."
    )
    disability = models.BooleanField(
        default=False, help_text="Persistent or significant disability or incapacity."
    )
    congenital_anomaly = models.BooleanField(default=False)
    important_medical_event = models.BooleanField(default=False)
    is_serious = models.BooleanField(default=False, editable=False)
    relatedness = models.CharField(max_length=12, choices=Relatedness.choices, blank=True)
    action_taken = models.CharField(max_length=20, choices=ActionTaken.choices, blank=True)
    outcome = models.CharField(
        max_length=14, choices=EventOutcome.choices, default=EventOutcome.UNKNOWN
    )
    resolved_on = models.DateField(null=True, blank=True)
    reported_by_patient = models.BooleanField(default=False)
    patient_description = models.TextField(blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-onset_on", "-id"]
        indexes = [models.Index(fields=["clinic", "is_serious", "reviewed_at"])]

    def __str__(self) -> str:
        return f"{self.term_label} (grade {self.grade or '?'}, {self.onset_on})"

    @property
    def term_label(self) -> str:
        if self.term == "other" and self.other_term:
            return self.other_term
        found = adverse_event_catalogue().terms.get(self.term)
        return found.label if found else self.term

    @property
    def serious_criteria(self) -> list[str]:
        return [code for code in SERIOUS_CRITERIA if getattr(self, code)]

    def derive(self) -> None:
        """Grade 5 (death) implies 'results in death'; serious = any ICH E2A criterion."""
        if self.grade == 5:
            self.results_in_death = True
        self.is_serious = bool(self.serious_criteria)

    def clean(self) -> None:
        errors = _term_errors(self) | _grade_errors(self) | _date_errors(self)
        errors |= _link_errors(self)
        if errors:
            raise ValidationError(errors)


def _term_errors(event: AdverseEvent) -> dict[str, str]:
    if event.term not in adverse_event_catalogue().terms:
        return {"term": "Choose a term from the adverse event catalogue."}
    if event.term == "other" and not event.other_term.strip() and event.confirmed_at:
        return {"other_term": "Name the event."}
    if event.term != "other" and event.other_term.strip():
        return {"other_term": "A free-text name goes with the term 'Other' only."}
    return {}


def _grade_errors(event: AdverseEvent) -> dict[str, str]:
    errors: dict[str, str] = {}
    confirmed = event.confirmed_at is not None
    if confirmed and event.grade is None:
        errors["grade"] = "Grade the event (CTCAE 1-5)."
    if confirmed and not event.relatedness:
        errors["relatedness"] = "Say how likely the event is related to the treatment."
    if event.results_in_death and event.grade is not None and event.grade != 5:
        errors["grade"] = "An event that results in death is grade 5."
    if (event.outcome == EventOutcome.FATAL) != event.results_in_death:
        errors["outcome"] = "A fatal outcome goes with grade 5 and 'results in death'."
    if event.is_serious != bool(event.serious_criteria):
        errors["is_serious"] = "Seriousness is derived from the criteria."
    return errors


def _date_errors(event: AdverseEvent) -> dict[str, str]:
    errors: dict[str, str] = {}
    today = timezone.localdate()
    if event.onset_on and event.onset_on > today:
        errors["onset_on"] = "The onset cannot be in the future."
    elif event.onset_on and event.course_id and event.onset_on < event.course.start_date:
        errors["onset_on"] = "The onset is before the course started."
    if event.resolved_on:
        if event.outcome != EventOutcome.RECOVERED:
            errors["resolved_on"] = "A resolution date goes with the outcome 'recovered'."
        elif event.resolved_on > today:
            errors["resolved_on"] = "The resolution date cannot be in the future."
        elif event.onset_on and event.resolved_on < event.onset_on:
            errors["resolved_on"] = "The event cannot resolve before its onset."
    if event.onset_after_hours is not None and not event.session_id:
        errors["onset_after_hours"] = "Hours after a session need the session."
    return errors


def _link_errors(event: AdverseEvent) -> dict[str, str]:
    errors: dict[str, str] = {}
    if event.course_id and event.patient_id and event.course.patient_id != event.patient_id:
        errors["course"] = "The course belongs to another patient."
    session = event.session if event.session_id else None
    if session is not None and event.course_id and session.course_id != event.course_id:
        errors["session"] = "The session belongs to another course."
    elif session is not None and event.onset_on and event.onset_on < session.day:
        errors["onset_on"] = "The onset is before the session."
    return errors


class Consent(TimestampedModel):
    """A patient's consent to a course: the exact text shown, its version and the typed name."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    course = models.ForeignKey(
        "treatment.Course", on_delete=models.PROTECT, related_name="consents"
    )
    document_version = models.CharField(max_length=120)
    document_text = models.TextField()
    typed_name = models.CharField(max_length=200)
    accepted_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-accepted_at", "-id"]

    def __str__(self) -> str:
        return f"Consent to course {self.course_id} ({self.document_version})"


class ClinicProtocol(TimestampedModel):
    """One version of a clinic's own protocol, copied from a shipped one and edited.

    Rows are never updated: an edit saves the next version. `document` is the protocol as
    TOML, valid for the same loader as the shipped files (`knowledge.protocols`).
    """

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=120)
    version = models.PositiveIntegerField()
    based_on_code = models.CharField(max_length=80)
    based_on_version = models.CharField(max_length=40)
    document = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "code", "version"], name="clinic_protocol_version_unique"
            )
        ]
        ordering = ["clinic", "code", "-version"]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"
