"""The clinician's decision on a next-step suggestion.

The form only parses; the rule "deciding otherwise needs what and why" is the model's
(`Decision.clean`), checked by the service and shown on the fields through `submit`.
"""

from __future__ import annotations

from django import forms

ACCEPT = "accept"
OTHERWISE = "otherwise"


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[(ACCEPT, "Accept the suggestion"), (OTHERWISE, "Decide otherwise")],
        widget=forms.RadioSelect,
        label="Decision",
    )
    alternative = forms.CharField(
        required=False,
        max_length=500,
        label="What you decided instead",
        help_text="Needed when you decide otherwise.",
    )
    reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Reason",
        help_text="Needed when you decide otherwise.",
    )
