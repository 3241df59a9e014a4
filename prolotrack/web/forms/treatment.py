"""Forms for courses, sessions and injections."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django import forms
from django.urls import reverse_lazy

from prolotrack.clinics.models import User
from prolotrack.knowledge import site_choices
from prolotrack.patients.models import Side
from prolotrack.treatment.models import Course, Injection, Session
from prolotrack.treatment.services import COURSE_FIELDS, INJECTION_FIELDS, SESSION_FIELDS
from prolotrack.web.forms.common import RecordForm, VersionedForm
from prolotrack.web.parsing import SessionTimesError, parse_session_times

UTC_HINT = "Coordinated Universal Time (UTC)."
DEVIATION_HINT = (
    "Only when this departs from the course's protocol (another site, volume or "
    "concentration, or a session the protocol does not have): say why. It is recorded as a "
    "deviation."
)


def deviation_reason_field() -> forms.CharField:
    return forms.CharField(
        label="Reason for departing from the protocol",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=DEVIATION_HINT,
    )


class CourseCreateForm(RecordForm):
    model = Course
    field_names = ("side", "protocol_reference", "start_date", "notes")
    session_times = forms.CharField(
        label="Planned sessions",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "placeholder": "2026-03-02 09:30"}),
        help_text="One date and time per line, like 2026-03-02 09:30, in UTC. "
        "Leave empty to add sessions later.",
    )

    def __init__(self, *args: Any, sides: Sequence[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        side_field = self.fields["side"]
        assert isinstance(side_field, forms.ChoiceField)
        side_field.choices = [(side, Side(side).label) for side in sides]

    def clean_session_times(self) -> list[dt.datetime]:
        try:
            return parse_session_times(self.cleaned_data["session_times"])
        except SessionTimesError as error:
            raise forms.ValidationError(str(error)) from None


class CourseEditForm(RecordForm, VersionedForm):
    model = Course
    field_names = COURSE_FIELDS
    help_texts = {"stop_reason": "Only for a stopped course."}


class SessionCreateForm(RecordForm):
    model = Session
    field_names = ("scheduled_at", "notes")
    help_texts = {"scheduled_at": UTC_HINT}
    deviation_reason = deviation_reason_field()


class SessionEditForm(RecordForm, VersionedForm):
    """Reschedule or document a session; the clinician is one of the clinic's clinicians."""

    model = Session
    field_names = SESSION_FIELDS
    help_texts = {
        "scheduled_at": UTC_HINT,
        "performed_at": "For a done session only. " + UTC_HINT,
    }

    def __init__(self, *args: Any, clinicians: Sequence[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clinicians = list(clinicians)
        self.fields["clinician"] = forms.ChoiceField(
            label="Clinician",
            required=False,
            choices=[
                ("", "Not recorded"),
                *((str(user.public_id), _name(user)) for user in self.clinicians),
            ],
            help_text="Required for a done session.",
        )
        self.fields["deviation_reason"] = deviation_reason_field()

    def clean_clinician(self) -> User | None:
        chosen = self.cleaned_data["clinician"]
        return next((user for user in self.clinicians if str(user.public_id) == chosen), None)


def _name(user: User) -> str:
    return user.get_full_name() or user.get_username()


class InjectionForm(RecordForm):
    """One injection; choosing a site fills in its usual approach (htmx, optional)."""

    model = Injection
    field_names = INJECTION_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site_code"] = forms.ChoiceField(
            label="Site",
            choices=[("", "Choose a site"), *site_choices()],
            widget=forms.Select(
                attrs={
                    "hx-get": reverse_lazy("injection_approach"),
                    "hx-trigger": "change",
                    "hx-target": "#field-approach",
                    "hx-swap": "outerHTML",
                }
            ),
        )
        self.fields["deviation_reason"] = deviation_reason_field()


class InjectionEditForm(InjectionForm, VersionedForm):
    pass
