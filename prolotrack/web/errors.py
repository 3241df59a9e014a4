"""Application errors become pages and form errors here, and nowhere else.

`page` wraps every view: login required, allowed methods, NotFound -> the 404 page,
AccessDenied -> the 403 page. `submit` runs a service call for a bound form and turns
Conflict (409), ApplicationError(field=...) and Django's ValidationError (400) into errors
shown on the form. An invalid form is also 400, so a re-rendered form is never a 200.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import update_wrapper
from http import HTTPStatus
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from prolotrack.audit.models import Outcome
from prolotrack.audit.services import audit_record
from prolotrack.core.errors import AccessDenied, ApplicationError, Conflict, NotFound
from prolotrack.web.actors import actor_for

P = ParamSpec("P")
T = TypeVar("T")
View = Callable[Concatenate[HttpRequest, P], HttpResponse]

NOT_FOUND_TEMPLATE = "404.html"
FORBIDDEN_TEMPLATE = "403.html"


def not_found(request: HttpRequest) -> HttpResponse:
    return render(request, NOT_FOUND_TEMPLATE, status=HTTPStatus.NOT_FOUND)


def forbidden(request: HttpRequest, message: str = "") -> HttpResponse:
    return render(request, FORBIDDEN_TEMPLATE, {"message": message}, status=HTTPStatus.FORBIDDEN)


def page(*methods: str) -> Callable[[View[P]], View[P]]:
    """Login required, only `methods`, and the access errors rendered as pages."""

    def decorate(view: View[P]) -> View[P]:
        def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
            try:
                return view(request, *args, **kwargs)
            except NotFound:
                audit_refusal(request, Outcome.NOT_FOUND)
                return not_found(request)
            except AccessDenied as error:
                audit_refusal(request, Outcome.DENIED)
                return forbidden(request, error.message)

        update_wrapper(wrapper, view)
        return login_required(require_http_methods(list(methods))(wrapper))

    return decorate


def audit_refusal(request: HttpRequest, outcome: str) -> None:
    """Record a refused request: which page, by whom, from where; never the id it asked for."""
    match = request.resolver_match
    audit_record(
        actor=actor_for(request),
        action=f"web.{match.url_name if match else 'unknown'}",
        outcome=outcome,
        detail={"method": request.method or ""},
    )


@dataclass(frozen=True)
class Submission(Generic[T]):
    """What `submit` did: `saved` is the service's result, None when the form is shown again."""

    saved: T | None
    status: int


def submit(
    request: HttpRequest, form: forms.Form, save: Callable[[dict[str, Any]], T]
) -> Submission[T]:
    """On POST, validate `form` and call `save(cleaned_data)`; put any service error on the form."""
    if request.method != "POST":
        return Submission(None, HTTPStatus.OK)
    if not form.is_valid():
        return Submission(None, HTTPStatus.BAD_REQUEST)
    try:
        return Submission(save(form.cleaned_data), HTTPStatus.OK)
    except (NotFound, AccessDenied):
        raise  # pages, not form errors: `page` renders them
    except Conflict as error:
        form.add_error(None, error.message)
        return Submission(None, HTTPStatus.CONFLICT)
    except ApplicationError as error:
        form.add_error(_field_on(form, error.field), error.message)
    except ValidationError as error:
        add_validation_error(form, error)
    return Submission(None, HTTPStatus.BAD_REQUEST)


def add_validation_error(form: forms.Form, error: ValidationError) -> None:
    """A model's `full_clean` errors, each on the form field of the same name if there is one."""
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            form.add_error(None, message)
        return
    for field, messages in error.message_dict.items():
        for message in messages:
            form.add_error(_field_on(form, field), message)


def _field_on(form: forms.Form, field: str | None) -> str | None:
    """The field name if the form shows that field, else None (a message for the whole form)."""
    return field if field is not None and field in form.fields else None
