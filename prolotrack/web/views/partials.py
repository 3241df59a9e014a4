"""Small htmx fragments. Each page works without them; they only save a few taps.

They return catalogue data only (no patient data), so login is the only check.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from prolotrack.knowledge import injection_sites
from prolotrack.patients.models import Side
from prolotrack.web.errors import page
from prolotrack.web.forms.patients import code_choices
from prolotrack.web.forms.treatment import InjectionForm


@page("GET")
def injection_approach(request: HttpRequest) -> HttpResponse:
    """The approach field with the chosen site's usual approach selected."""
    site = injection_sites().get(request.GET.get("site_code", ""))
    form = InjectionForm(initial={"approach": site.default_approach if site else ""})
    return render(request, "web/includes/field.html", {"field": form["approach"]})


@page("GET")
def condition_codes(request: HttpRequest) -> HttpResponse:
    """The options of the code select, narrowed to the codes that fit the chosen knee."""
    side = request.GET.get("side", "")
    sides = [side] if side in Side.values else list(Side.values)
    context = {
        "choices": code_choices(sides),
        "selected": request.GET.get("icd10_code", ""),
    }
    return render(request, "web/partials/code_options.html", context)
