"""Forms for the patient record: demographics, weight, medical history, knee conditions."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from django import forms
from django.urls import reverse_lazy
from django.utils import timezone

from prolotrack.clinics.models import Clinic
from prolotrack.knowledge import codes_for_side, icd10_choices
from prolotrack.patients.models import (
    KneeCondition,
    MedicalHistory,
    Patient,
    Side,
    WeightMeasurement,
)
from prolotrack.patients.services import DEMOGRAPHIC_FIELDS, HISTORY_FIELDS
from prolotrack.web.forms.common import DateInput, RecordForm, VersionedForm

CONDITION_FIELDS = ("side", "icd10_code", "onset_date", "kl_grade", "notes")
KL_GRADE_CHOICES = [("", "Not graded"), *((str(grade), str(grade)) for grade in range(5))]


class PatientForm(RecordForm):
    model = Patient
    field_names = DEMOGRAPHIC_FIELDS
    widgets = {
        "knees": forms.RadioSelect,
        "phone": forms.TextInput(attrs={"type": "tel"}),
        "email": forms.EmailInput(),
    }


class PatientCreateForm(PatientForm):
    """Demographics, the clinic when the user registers in several, and an optional weight."""

    weight_kg = forms.DecimalField(
        label="Weight (kg)", required=False, max_digits=5, decimal_places=1
    )
    measured_on = forms.DateField(
        label="Weight measured on",
        required=False,
        widget=DateInput(),
        help_text="Leave empty for today.",
    )

    def __init__(
        self,
        *args: Any,
        clinics: Sequence[Clinic],
        weight_clinic_ids: Collection[int],
        **kwargs: Any,
    ) -> None:
        """`clinics`: where the user may register; `weight_clinic_ids`: where they may weigh."""
        super().__init__(*args, **kwargs)
        self.clinics = list(clinics)
        self.weight_clinic_ids = set(weight_clinic_ids)
        patient_fields = list(DEMOGRAPHIC_FIELDS)
        if len(self.clinics) > 1:
            self.fields["clinic"] = forms.ChoiceField(
                label="Clinic",
                choices=[("", "Choose a clinic"), *((str(c.public_id), c.name) for c in clinics)],
            )
            patient_fields.insert(0, "clinic")
        layout: list[tuple[str, list[str]]] = [("Patient", patient_fields)]
        if any(clinic.id in self.weight_clinic_ids for clinic in self.clinics):
            layout.append(("Initial weight (optional)", ["weight_kg", "measured_on"]))
        else:  # front desk: weight is clinical data they may not record
            del self.fields["weight_kg"], self.fields["measured_on"]
        self.layout = layout

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        clinic = data["clinic"] = self._chosen_clinic(data.get("clinic"))
        weight_kg, measured_on = data.get("weight_kg"), data.get("measured_on")
        if weight_kg is not None and measured_on is None:
            data["measured_on"] = timezone.localdate()
        if weight_kg is None and measured_on is not None:
            self.add_error("weight_kg", "Give the weight measured on this date.")
        if weight_kg is not None and clinic and clinic.id not in self.weight_clinic_ids:
            self.add_error("weight_kg", "Your role in this clinic may not record weight.")
        return data

    def _chosen_clinic(self, public_id: str | None) -> Clinic | None:
        """The chosen clinic, looked up among those the user may register patients in."""
        if len(self.clinics) == 1:
            return self.clinics[0]
        return next((c for c in self.clinics if str(c.public_id) == public_id), None)


class PatientEditForm(PatientForm, VersionedForm):
    pass


class WeightForm(RecordForm):
    model = WeightMeasurement
    field_names = ("weight_kg", "measured_on")


class HistoryForm(RecordForm, VersionedForm):
    model = MedicalHistory
    field_names = HISTORY_FIELDS
    layout = [
        ("Bleeding", ["on_anticoagulants", "anticoagulant_name", "bleeding_disorder"]),
        ("Diabetes", ["diabetes", "hba1c_pct", "hba1c_measured_on"]),
        ("Knees", ["arthroplasty_right", "arthroplasty_left", "last_corticosteroid_injection_on"]),
        (
            "Allergies",
            ["allergy_local_anaesthetic", "allergy_corn_dextrose", "other_allergies"],
        ),
        ("Other", ["pregnant", "notes"]),
    ]


def code_choices(sides: Sequence[str]) -> list[tuple[str, str]]:
    """ICD-10-CM choices that fit at least one of `sides`, labelled as the catalogue labels them."""
    fitting = {code.code for side in sides for code in codes_for_side(side)}
    return [(code, label) for code, label in icd10_choices() if code in fitting]


class ConditionForm(RecordForm):
    """A knee condition; the knee is one of the patient's, the code fits the chosen knee."""

    model = KneeCondition
    field_names = CONDITION_FIELDS
    kl_grade = forms.TypedChoiceField(
        label="Kellgren-Lawrence grade",
        choices=KL_GRADE_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        help_text="0-4, for osteoarthritis only.",
    )

    def __init__(self, *args: Any, sides: Sequence[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        side_field = self.fields["side"]
        assert isinstance(side_field, forms.ChoiceField)
        side_field.choices = [(side, Side(side).label) for side in sides]
        # Choosing a knee narrows the code list to codes that fit it (htmx; without
        # JavaScript the full list stays and the service rejects a code for the other side).
        side_field.widget.attrs.update(
            {
                "hx-get": reverse_lazy("condition_codes"),
                "hx-trigger": "change",
                "hx-target": "#id_icd10_code",
                "hx-include": "this, #id_icd10_code",
            }
        )
        self.fields["icd10_code"] = forms.ChoiceField(
            label="ICD-10-CM code",
            choices=[("", "Choose a code"), *code_choices(sides)],
        )


class ConditionEditForm(ConditionForm, VersionedForm):
    pass
