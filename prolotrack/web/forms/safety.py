"""Forms for the session's safety section and for planning a course from a protocol."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django import forms

from prolotrack.domain.protocols import Protocol
from prolotrack.domain.screening import ScreeningRule
from prolotrack.patients.models import Side
from prolotrack.safety.models import OVERRIDE_REASON_MIN_CHARS, LidocaineStock
from prolotrack.web.forms.common import DateInput

ANSWER_CHOICES = [("", "Not answered"), ("yes", "Yes"), ("no", "No")]
_ANSWER_VALUES: dict[str, bool | None] = {"": None, "yes": True, "no": False}
FIELD_PREFIX = "answer_"


def _answer_text(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


class ScreeningForm(forms.Form):
    """One yes / no / not answered control per screening rule, and the screening's version."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        rules: Sequence[ScreeningRule],
        answers: Mapping[str, bool | None],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.rules = list(rules)
        for rule in self.rules:
            self.fields[FIELD_PREFIX + rule.code] = forms.ChoiceField(
                label=rule.question,
                choices=ANSWER_CHOICES,
                required=False,
                widget=forms.RadioSelect,
                initial=_answer_text(answers.get(rule.code)),
            )

    def answers(self, data: Mapping[str, Any]) -> dict[str, bool | None]:
        return {
            rule.code: _ANSWER_VALUES[data.get(FIELD_PREFIX + rule.code) or ""]
            for rule in self.rules
        }

    def rows(self) -> list[tuple[ScreeningRule, forms.BoundField]]:
        return [(rule, self[FIELD_PREFIX + rule.code]) for rule in self.rules]


class OverrideForm(forms.Form):
    reason = forms.CharField(
        label="Reason for overriding",
        min_length=OVERRIDE_REASON_MIN_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=f"Required, at least {OVERRIDE_REASON_MIN_CHARS} characters. It is kept on "
        "the record.",
    )


class DoseStockForm(forms.Form):
    lidocaine_stock_pct = forms.TypedChoiceField(
        label="Lidocaine stock",
        choices=LidocaineStock.choices,
        coerce=int,
        widget=forms.RadioSelect,
    )
    epinephrine = forms.BooleanField(label="With epinephrine", required=False)


class CourseFromProtocolForm(forms.Form):
    side = forms.ChoiceField(label="Knee")
    protocol_code = forms.ChoiceField(label="Protocol")
    first_day = forms.DateField(
        label="First session day",
        widget=DateInput(),
        help_text="A Saturday or Sunday moves to the next Monday. Sessions are at 09:00 in "
        "the clinic's time zone.",
    )
    include_optional = forms.BooleanField(
        label="Include the protocol's optional sessions", required=False
    )
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(
        self,
        *args: Any,
        sides: Sequence[str],
        fitting: Sequence[Protocol],
        others: Sequence[Protocol],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        side_field = self.fields["side"]
        assert isinstance(side_field, forms.ChoiceField)
        side_field.choices = [(side, Side(side).label) for side in sides]
        protocol_field = self.fields["protocol_code"]
        assert isinstance(protocol_field, forms.ChoiceField)
        groups: list[tuple[str, list[tuple[str, str]]]] = []
        if fitting:
            groups.append(("Fits the patient's conditions", [_choice(p) for p in fitting]))
        if others:
            groups.append(("Other protocols", [_choice(p) for p in others]))
        protocol_field.choices = [("", "Choose a protocol"), *groups]

    def fieldsets(self) -> list[tuple[str, list[forms.BoundField]]]:
        """One unnamed group, as `RecordForm` gives the shared form template."""
        return [("", list(self.visible_fields()))]


def _choice(protocol: Protocol) -> tuple[str, str]:
    return protocol.code, protocol.title
