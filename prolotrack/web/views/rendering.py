"""What every form page does the same way: bind POST data, save through a service, then
either redirect with a message or render the shared form template again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render

from prolotrack.patients.models import Patient
from prolotrack.web.errors import submit

T = TypeVar("T")

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


def form_view(
    request: HttpRequest,
    form: forms.Form,
    save: Callable[[dict[str, Any]], T],
    *,
    saved_message: str,
    next_url: str | Callable[[T], str],
    title: str,
    cancel_url: str,
    patient: Patient | None = None,
    submit_label: str = "Save",
    template: str = FORM_TEMPLATE,
    **extra: Any,
) -> HttpResponse:
    """The whole life of a form page: on a valid POST `save` runs (service errors go back onto
    the form), then a redirect to `next_url` (or `next_url(saved)`) with `saved_message`;
    otherwise the form page (`template`, `extra` as for `form_page`), with 400/409 when the
    POST was refused."""
    result = submit(request, form, save)
    if result.saved is not None:
        messages.success(request, saved_message)
        return redirect(next_url(result.saved) if callable(next_url) else next_url)
    return form_page(
        request,
        form,
        status=result.status,
        title=title,
        cancel_url=cancel_url,
        patient=patient,
        submit_label=submit_label,
        template=template,
        **extra,
    )
