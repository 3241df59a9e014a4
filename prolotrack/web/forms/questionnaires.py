"""A questionnaire as a form: one radio group per item, built from the instrument definition.

Shared by the staff fill page and the patients' home page (`prolotrack.portal`). Nothing is
required, so partial answers can be saved and resumed; the outcomes services check the answers
against the instrument and score them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django import forms

from prolotrack.domain.instruments import InstrumentDefinition, Item, ResponseScale
from prolotrack.outcomes.models import Channel

ITEM_PREFIX = "item-"


@dataclass(frozen=True)
class Question:
    """One item as the template shows it: its radio group, wording, and how to lay it out."""

    field: forms.BoundField
    text: str
    anchors: str
    layout: str  # "numbers" (a row of numbered buttons) or "options" (labelled buttons)


def answer_choices(scale: ResponseScale) -> list[tuple[int, str]]:
    """Every accepted answer with our label; unlabelled points of a range show their number."""
    labels = {option.value: option.label for option in scale.options}
    if scale.options_only:
        return [(value, labels.get(value, str(value))) for value in scale.values]
    return [(value, str(value)) for value in scale.values]


def anchor_text(scale: ResponseScale) -> str:
    """'0 = no pain, 10 = worst pain imaginable' for a numbered range; '' for labelled options."""
    if scale.options_only:
        return ""
    return ", ".join(f"{option.value} = {option.label}" for option in scale.options)


def _layout(scale: ResponseScale) -> str:
    return "options" if scale.options_only else "numbers"


class QuestionnaireForm(forms.Form):
    """The items of `definition`; `texts` (item id -> official wording) replaces our labels."""

    def __init__(
        self,
        *args: Any,
        definition: InstrumentDefinition,
        texts: Mapping[str, str],
        answers: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        initial = dict(kwargs.pop("initial", None) or {})
        initial.update({ITEM_PREFIX + key: value for key, value in (answers or {}).items()})
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.definition = definition
        self.texts = dict(texts)
        for item in definition.items:
            self.fields[ITEM_PREFIX + item.id] = forms.TypedChoiceField(
                label=self._text(item),
                choices=answer_choices(item.scale),
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect,
            )

    def _text(self, item: Item) -> str:
        return self.texts.get(item.id) or item.label

    @property
    def official_wording(self) -> bool:
        """True when the clinic's licensed wording covers every item."""
        return all(item.id in self.texts for item in self.definition.items)

    def questions(self) -> list[Question]:
        return [
            Question(
                field=self[ITEM_PREFIX + item.id],
                text=self._text(item),
                anchors=anchor_text(item.scale),
                layout=_layout(item.scale),
            )
            for item in self.definition.items
        ]

    def answers(self) -> dict[str, int]:
        """The answered items (item id -> value) of a valid form; unanswered items are left out,
        so saving never erases an answer given before."""
        return {
            name.removeprefix(ITEM_PREFIX): value
            for name, value in self.cleaned_data.items()
            if name.startswith(ITEM_PREFIX) and value is not None
        }


STAFF_CHANNELS = [(Channel.CLINIC.value, "clinic"), (Channel.PAPER.value, "paper")]


class StaffQuestionnaireForm(QuestionnaireForm):
    """The staff page adds how the answers were collected: on the tablet or from paper."""

    channel = forms.ChoiceField(choices=STAFF_CHANNELS, widget=forms.HiddenInput)
