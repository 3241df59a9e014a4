"""Forms for medication use, examinations and surgery. They parse input only: ranges and the
rules between fields are the models' (`full_clean` in the services), shown as field errors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django import forms

from prolotrack.followup.models import (
    EffusionGrade,
    Examination,
    LaxityGrade,
    MedicationUse,
    Surgery,
)
from prolotrack.followup.services import EXAMINATION_FIELDS, MEDICATION_FIELDS, SURGERY_FIELDS
from prolotrack.knowledge.medications import medication_catalogue
from prolotrack.patients.models import Side
from prolotrack.treatment.models import Course
from prolotrack.web.forms.common import RecordForm, VersionedForm

NOT_RECORDED = ("", "Not recorded")


def _course_label(course: Course) -> str:
    return f"{course.protocol_reference} ({course.get_side_display()}, from {course.start_date})"


def _laxity_field(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=[NOT_RECORDED, *LaxityGrade.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )


class _PatientRecordForm(RecordForm):
    """A record of one patient: the knee is one of theirs; the course (if any) is theirs."""

    def __init__(
        self, *args: Any, sides: Sequence[str], courses: Sequence[Course] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.courses = {str(course.public_id): course for course in courses}
        if "side" in self.fields:
            side_field = self.fields["side"]
            assert isinstance(side_field, forms.ChoiceField)
            blank = [("", "Not knee-specific")] if not side_field.required else []
            side_field.choices = [*blank, *((side, Side(side).label) for side in sides)]
        if "course" in self.fields:
            self.fields["course"] = forms.ChoiceField(
                label="Course",
                required=False,
                choices=[
                    ("", "None"),
                    *((key, _course_label(c)) for key, c in self.courses.items()),
                ],
            )

    def values(self, data: Mapping[str, Any]) -> dict[str, Any]:
        values = super().values(data)
        if "course" in values:
            values["course"] = self.courses.get(values["course"] or "")
        return values


def course_initial(initial: dict[str, Any]) -> dict[str, Any]:
    """A record's course as the form's choice (its public id)."""
    course = initial.get("course")
    initial["course"] = str(course.public_id) if course is not None else ""
    return initial


class MedicationForm(_PatientRecordForm):
    model = MedicationUse
    field_names = MEDICATION_FIELDS
    help_texts = {
        "side": "Only for a knee injection.",
        "name": "The medicine's name (required for 'Other' and 'Other topical').",
        "dose_mg_per_day": "For an opioid, the total mg a day; it sets the MME/day.",
        "days_per_week": "On how many days a week it is taken (0-7).",
    }
    layout = [
        ("When", ["recorded_on", "time_point", "course", "source"]),
        ("Medicine", ["category", "name", "opioid_code", "side"]),
        ("How much", ["dose_mg_per_day", "days_per_week"]),
        ("", ["notes"]),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        opioid_choices = [("", "Not an opioid"), *medication_catalogue().choices()]
        self.fields["opioid_code"] = forms.ChoiceField(
            label="Opioid",
            required=False,
            choices=opioid_choices,
            help_text="Conversion factors are unconfirmed: see docs/followup.md.",
        )


class MedicationEditForm(MedicationForm, VersionedForm):
    pass


class ExaminationForm(_PatientRecordForm):
    model = Examination
    field_names = EXAMINATION_FIELDS
    effusion_grade = forms.ChoiceField(
        label="Effusion (stroke test)",
        choices=[NOT_RECORDED, *EffusionGrade.choices],
        required=False,
    )
    lachman_grade = _laxity_field("Lachman")
    valgus_stress_grade = _laxity_field("Valgus stress")
    varus_stress_grade = _laxity_field("Varus stress")
    help_texts = {
        "flexion_degrees": "Goniometer, 0-165.",
        "extension_degrees": "0 = full extension; positive = lacks extension (flexion "
        "deficit); negative = hyperextension. -30 to 90.",
        "chair_stand_count": "Full rises in 30 seconds.",
        "timed_up_and_go_seconds": "Seconds, to one decimal.",
    }
    layout = [
        ("Knee and day", ["side", "examined_on"]),
        ("Range of motion", ["flexion_degrees", "extension_degrees"]),
        (
            "Effusion and stability",
            ["effusion_grade", "lachman_grade", "valgus_stress_grade", "varus_stress_grade"],
        ),
        ("Timed tests", ["chair_stand_count", "timed_up_and_go_seconds"]),
        ("", ["notes"]),
    ]


class ExaminationEditForm(ExaminationForm, VersionedForm):
    pass


class SurgeryForm(_PatientRecordForm):
    model = Surgery
    field_names = SURGERY_FIELDS
    help_texts = {"other_procedure": "Only for 'Other'."}


class SurgeryEditForm(SurgeryForm, VersionedForm):
    pass
