"""Forms for adverse events (record, confirm, follow up, review) and for consent.

The grade choices carry the CTCAE v5.0 general definitions and the serious criteria the ICH E2A
wording, both from `knowledge/adverse_events.toml` (our paraphrase). The model's rules (dates,
grade 5 and death, the session of the course) are checked by the services' `full_clean`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django import forms

from prolotrack.knowledge.adverse_events import adverse_event_catalogue
from prolotrack.safety.events import EVENT_FIELDS
from prolotrack.safety.models import ActionTaken, AdverseEvent, EventOutcome, Relatedness
from prolotrack.treatment.models import Course, Session
from prolotrack.web.forms.common import DateInput, VersionedForm

NOT_RECORDED = ("", "Not recorded")
EVENT_FOLLOW_UP = ["relatedness", "action_taken", "outcome", "resolved_on", "notes"]


def grade_choices() -> list[tuple[int, str]]:
    return [
        (grade.grade, f"{grade.grade} · {grade.label}: {grade.definition}")
        for grade in adverse_event_catalogue().grading.grades
    ]


def criteria_choices() -> list[tuple[str, str]]:
    return [
        (criterion.code, f"{criterion.label}: {criterion.description}")
        for criterion in adverse_event_catalogue().seriousness.criteria
    ]


def _course_label(course: Course) -> str:
    return f"{course.protocol_reference} ({course.get_side_display()}, from {course.start_date})"


def _session_label(session: Session) -> str:
    when = f"{session.scheduled_at:%Y-%m-%d %H:%M} UTC"
    return f"{session.course.protocol_reference}: {when} · {session.get_status_display()}"


class EventForm(forms.Form):
    """The fields staff fill in for an event; `sessions` are those it may be linked to."""

    session = forms.ChoiceField(
        label="Session",
        required=False,
        help_text="The session after which it started, if any (of the course above).",
    )
    term = forms.ChoiceField(label="Side effect")
    other_term = forms.CharField(
        label="Other side effect", required=False, max_length=200, help_text="Only for 'Other'."
    )
    onset_on = forms.DateField(label="Onset date", required=False, widget=DateInput())
    onset_after_hours = forms.IntegerField(
        label="Onset, hours after the session",
        required=False,
        min_value=0,
        max_value=24 * 365,
        help_text="With a session, the onset date may be left empty: it follows from the hours.",
    )
    grade = forms.TypedChoiceField(label="Grade (CTCAE v5.0)", coerce=int, widget=forms.RadioSelect)
    criteria = forms.MultipleChoiceField(
        label="Serious (ICH E2A): tick every criterion that applies",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Serious is not severe: any one criterion makes the event serious, whatever "
        "its grade. The clinic administrators are emailed about a serious event.",
    )
    relatedness = forms.ChoiceField(
        label="Related to the treatment", choices=Relatedness.choices, widget=forms.RadioSelect
    )
    action_taken = forms.ChoiceField(
        label="Action taken", required=False, choices=[NOT_RECORDED, *ActionTaken.choices]
    )
    outcome = forms.ChoiceField(
        label="Outcome", choices=EventOutcome.choices, initial=EventOutcome.UNKNOWN
    )
    resolved_on = forms.DateField(
        label="Resolution date",
        required=False,
        widget=DateInput(),
        help_text="Only with the outcome 'recovered'.",
    )
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, sessions: Sequence[Session], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sessions = {str(session.public_id): session for session in sessions}
        self._choices("session", [("", "None"), *self._session_choices(sessions)])
        self._choices(
            "term",
            [("", "Choose\N{HORIZONTAL ELLIPSIS}"), *adverse_event_catalogue().term_choices()],
        )
        self._choices("grade", grade_choices())
        self._choices("criteria", criteria_choices())

    def fieldsets(self) -> list[tuple[str, list[forms.BoundField]]]:
        """(legend, fields) groups for the shared form template."""
        layout = [
            ("What happened", [*self.leading, "session", "term", "other_term"]),
            ("When", ["onset_on", "onset_after_hours"]),
            ("How bad", ["grade", "criteria"]),
            ("Assessment and follow-up", EVENT_FOLLOW_UP),
        ]
        return [(legend, [self[name] for name in names]) for legend, names in layout]

    leading: Sequence[str] = ()

    def _choices(self, name: str, choices: Sequence[tuple[Any, str]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = list(choices)

    @staticmethod
    def _session_choices(sessions: Sequence[Session]) -> list[tuple[str, str]]:
        return [(str(session.public_id), _session_label(session)) for session in sessions]

    def clean_session(self) -> Session | None:
        value = self.cleaned_data["session"]
        return self.sessions[value] if value else None

    def values(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Keyword arguments for the adverse event services."""
        values = {name: data[name] for name in EVENT_FIELDS}
        values["criteria"] = list(data["criteria"])
        return values


class EventCreateForm(EventForm):
    course = forms.ChoiceField(label="Course")
    leading = ("course",)

    def __init__(self, *args: Any, courses: Sequence[Course], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.courses = {str(course.public_id): course for course in courses}
        self._choices(
            "course", [(key, _course_label(course)) for key, course in self.courses.items()]
        )
        self.order_fields(["course"])

    def clean_course(self) -> Course:
        return self.courses[self.cleaned_data["course"]]


class EventEditForm(EventForm, VersionedForm):
    """Confirm a patient's report or follow an event up: the onset date is given."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["onset_on"].required = True


def event_initial(event: AdverseEvent) -> dict[str, Any]:
    initial: dict[str, Any] = {name: getattr(event, name) for name in EVENT_FIELDS}
    initial["session"] = str(event.session.public_id) if event.session else ""
    initial["criteria"] = event.serious_criteria
    initial["version"] = event.version
    return initial


class ReviewForm(VersionedForm):
    # Not `notes`: the follow-up form on the same page has a field of that name.
    review_notes = forms.CharField(
        label="Review notes",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Replaces the event's notes when given.",
    )


class ConsentForm(forms.Form):
    typed_name = forms.CharField(
        label="Patient's full name, typed by the patient",
        max_length=200,
        help_text="Given name and family name, as on the record.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
