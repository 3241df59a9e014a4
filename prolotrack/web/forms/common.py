"""Form building blocks: fields generated from the model, date inputs, the version field.

Forms only parse input. The models' rules (ranges, codes that fit a side, status rules) are
checked once, by `full_clean` in the services, and come back as field errors through
`web.errors.submit`, so the rules are not written twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from django import forms
from django.db import models

DATETIME_LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format=DATETIME_LOCAL_FORMAT)


WidgetSpec = type[forms.Widget] | forms.Widget


def _default_widgets(model: type[models.Model], names: Sequence[str]) -> dict[str, WidgetSpec]:
    """Browser date pickers for date fields, and short text areas for notes."""
    widgets: dict[str, WidgetSpec] = {}
    for name in names:
        field = model._meta.get_field(name)
        if isinstance(field, models.DateTimeField):
            widgets[name] = DateTimeLocalInput()
        elif isinstance(field, models.DateField):
            widgets[name] = DateInput()
        elif isinstance(field, models.TextField):
            widgets[name] = forms.Textarea(attrs={"rows": 3})
    return widgets


class RecordForm(forms.Form):
    """A plain form whose fields are generated from `model`'s fields named in `field_names`.

    Fields declared on the class replace generated ones of the same name in place, so labels,
    lengths and choices follow the model unless a page needs something narrower.
    """

    model: ClassVar[type[models.Model]]
    field_names: ClassVar[Sequence[str]] = ()
    widgets: ClassVar[Mapping[str, WidgetSpec]] = {}
    help_texts: ClassVar[Mapping[str, str]] = {}
    layout: Sequence[tuple[str, Sequence[str]]] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        widgets = {**_default_widgets(self.model, self.field_names), **self.widgets}
        fields: dict[str, forms.Field] = forms.fields_for_model(
            self.model,
            fields=list(self.field_names),
            widgets=widgets,
            help_texts=dict(self.help_texts),
        )
        for field in fields.values():
            _name_the_blank_choice(field)
        fields.update(self.fields)
        self.fields = fields

    def values(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """The cleaned values of the model fields, ready for a service's keyword arguments."""
        return {name: data[name] for name in self.field_names}

    def fieldsets(self) -> list[tuple[str, list[forms.BoundField]]]:
        """(legend, visible fields) groups for the template; one unnamed group by default."""
        if not self.layout:
            return [("", list(self.visible_fields()))]
        return [(legend, [self[name] for name in names]) for legend, names in self.layout]


def _name_the_blank_choice(field: forms.Field) -> None:
    """Django's "---------" becomes "Choose…" in a select, and no button at all in a radio group."""
    if not isinstance(field, forms.ChoiceField) or not isinstance(field.choices, list):
        return  # Django keeps static choices as a list; anything else is left alone
    choices = field.choices
    if not choices or choices[0][0] != "":
        return
    if isinstance(field.widget, forms.RadioSelect):
        field.choices = choices[1:]
    else:
        field.choices = [("", "Choose\N{HORIZONTAL ELLIPSIS}"), *choices[1:]]


class VersionedForm(forms.Form):
    """The version of the record the editor opened: the update services refuse a stale one."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


def initial_from(record: models.Model, names: Sequence[str]) -> dict[str, Any]:
    """A record's current values (and version) as a form's initial data."""
    initial = {name: getattr(record, name) for name in names}
    if hasattr(record, "version"):
        initial["version"] = record.version
    return initial


class SearchForm(forms.Form):
    query = forms.CharField(
        label="Search by name or medical record number",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
