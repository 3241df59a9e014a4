"""The break-glass form: the patient's clinic (by name), MRN, birth date, reason, minutes.

Everything travels in the POST body; the clinic is chosen by its opaque id.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator

from prolotrack.clinics.models import Clinic
from prolotrack.emergency.services import REASON_MIN_LENGTH, default_minutes, max_minutes
from prolotrack.web.forms.common import DateInput


class EmergencyAccessForm(forms.Form):
    clinic = forms.ChoiceField(label="The patient's clinic")
    mrn = forms.CharField(label="Medical record number", max_length=32)
    date_of_birth = forms.DateField(label="Date of birth", widget=DateInput())
    reason = forms.CharField(
        label="Reason",
        min_length=REASON_MIN_LENGTH,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=f"Why you need this record now (at least {REASON_MIN_LENGTH} characters). "
        "The clinic's administrators read it.",
    )
    minutes = forms.IntegerField(label="Minutes", min_value=1)

    def __init__(self, data: Any, *, clinics: Sequence[Clinic], **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.clinics = {str(clinic.public_id): clinic for clinic in clinics}
        clinic_field = self.fields["clinic"]
        assert isinstance(clinic_field, forms.ChoiceField)
        clinic_field.choices = [("", "Choose a clinic")] + [
            (key, clinic.name) for key, clinic in self.clinics.items()
        ]
        minutes_field = self.fields["minutes"]
        assert isinstance(minutes_field, forms.IntegerField)
        minutes_field.validators.append(MaxValueValidator(max_minutes()))
        minutes_field.widget.attrs["max"] = str(max_minutes())
        minutes_field.initial = default_minutes()
        minutes_field.help_text = f"Up to {max_minutes()}; the access then ends by itself."

    def chosen_clinic(self) -> Clinic:
        return self.clinics[self.cleaned_data["clinic"]]

    def fieldsets(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [("", list(self.visible_fields()))]
