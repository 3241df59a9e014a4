"""What every form page does the same way: bind POST data, render the shared form template."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render

from prolotrack.patients.models import Patient

FORM_TEMPLATE = "web/form_page.html"


def posted(request: HttpRequest) -> QueryDict | None:
    """The submitted data on POST; None on GET, so the form shows its initial values."""
    return request.POST if request.method == "POST" else None


def form_page(
    request: HttpRequest,
    form: forms.Form,
    *,
    status: int,
    title: str,
    cancel_url: str,
    patient: Patient | None = None,
    submit_label: str = "Save",
    template: str = FORM_TEMPLATE,
    **extra: object,
) -> HttpResponse:
    """`template` extends the shared one (for a form with more on the page); `extra` goes into
    its context."""
    context = {
        "form": form,
        "title": title,
        "cancel_url": cancel_url,
        "patient": patient,
        "submit_label": submit_label,
        **extra,
    }
    return render(request, template, context, status=status)
