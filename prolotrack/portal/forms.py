"""The patient's check-in form: choices from `knowledge/check_in.toml`, onset days up to today."""

from __future__ import annotations

from typing import Any

from django import forms

from prolotrack.knowledge.check_in import CheckIn
from prolotrack.safety.check_in import CheckInAnswers


def _onset_label(days: int) -> str:
    if days == 0:
        return "The day of the injection"
    return "The next day" if days == 1 else f"{days} days later"


class CheckInForm(forms.Form):
    problems = forms.MultipleChoiceField(
        label="Which problems have you had?",
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick every one that applies.",
    )
    days_after = forms.TypedChoiceField(label="When did it start?", coerce=int)
    severity = forms.ChoiceField(label="How bad is it at its worst?", widget=forms.RadioSelect)
    sought_care = forms.ChoiceField(
        label="Have you seen anyone else about it?", widget=forms.RadioSelect
    )
    description = forms.CharField(
        label="Anything you would like to add",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Please do not write your name or other personal details here.",
    )

    def __init__(self, *args: Any, wording: CheckIn, onset_days: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("problems", [(p.code, p.label) for p in wording.problems])
        self._choices("days_after", [(day, _onset_label(day)) for day in onset_days])
        self._choices("severity", [(s.code, s.label) for s in wording.severities])
        self._choices("sought_care", [(c.code, c.label) for c in wording.sought_care])
        self.fields["description"].widget.attrs["maxlength"] = str(wording.max_description_chars)

    def _choices(self, name: str, choices: list[tuple[Any, str]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    def answers(self) -> CheckInAnswers:
        data = self.cleaned_data
        return CheckInAnswers(
            problems=list(data["problems"]),
            days_after=int(data["days_after"]),
            severity=data["severity"],
            sought_care=data["sought_care"],
            description=data["description"],
        )
