"""The audit report's filters. Only opaque ids travel in the URL (users and patients)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms

from prolotrack.audit.selectors import DEFAULT_SORT, SORTS
from prolotrack.clinics.models import User
from prolotrack.web.forms.common import DateInput


class AuditFilterForm(forms.Form):
    date_from = forms.DateField(label="From (UTC day)", required=False, widget=DateInput())
    date_to = forms.DateField(label="To (UTC day)", required=False, widget=DateInput())
    user = forms.ChoiceField(label="User", required=False)
    action = forms.ChoiceField(label="Action", required=False)
    patient = forms.UUIDField(required=False, widget=forms.HiddenInput())
    sort = forms.ChoiceField(
        required=False, choices=[(key, key) for key in SORTS], widget=forms.HiddenInput()
    )

    def __init__(
        self, data: Any, *, members: Sequence[User], actions: Sequence[str], **kwargs: Any
    ) -> None:
        super().__init__(data, **kwargs)
        self.members = {str(user.public_id): user for user in members}
        user_field = self.fields["user"]
        assert isinstance(user_field, forms.ChoiceField)
        user_field.choices = [("", "Anyone")] + [
            (key, user.get_username()) for key, user in self.members.items()
        ]
        action_field = self.fields["action"]
        assert isinstance(action_field, forms.ChoiceField)
        action_field.choices = [("", "Any action")] + [(action, action) for action in actions]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        data["sort"] = data.get("sort") or DEFAULT_SORT
        return data

    def chosen_user(self) -> User | None:
        return self.members.get(self.cleaned_data.get("user") or "")


class AuditPatientSearchForm(forms.Form):
    query = forms.CharField(
        label="Find a patient (name or medical record number)",
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
