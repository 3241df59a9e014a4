"""Forms of the knee injection map and of the live dose shown on the injection form."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from prolotrack.knowledge import site_choices
from prolotrack.treatment.models import MAX_DEXTROSE_PCT, MAX_LIDOCAINE_PCT

MAP_FORM_ID = "map-%s"


class MapAddForm(forms.Form):
    """One site chosen on the map (the button's value) and the needle for sites the protocol
    gives none for."""

    site_code = forms.ChoiceField(label="Site", widget=forms.HiddenInput)
    needle_gauge = forms.IntegerField(
        label="Needle (gauge) where the protocol names none",
        required=False,
        min_value=18,
        max_value=33,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", MAP_FORM_ID)
        super().__init__(*args, **kwargs)
        self.fields["site_code"].choices = site_choices()  # type: ignore[attr-defined]


class DosePreviewForm(forms.Form):
    """The numbers of the injection form the live dose panel recomputes from."""

    volume_ml = forms.DecimalField(
        label="Volume (mL)", min_value=Decimal("0.01"), max_value=Decimal(60), decimal_places=2
    )
    dextrose_pct = forms.DecimalField(
        label="Dextrose (%)", min_value=Decimal(0), max_value=MAX_DEXTROSE_PCT, decimal_places=2
    )
    lidocaine_pct = forms.DecimalField(
        label="Lidocaine (%)", min_value=Decimal(0), max_value=MAX_LIDOCAINE_PCT, decimal_places=3
    )
