"""The knee injection map on the session page, the printable session note, and the live dose
panel of the injection form.

Choosing a site on the map records one injection there with the session's planned protocol
syringe (`safety.site_defaults`) through `treatment.services.injection_add`. With htmx the
response is the session page, from which the map's form swaps the injections region and, out
of band, the dose panel and the "done" blockers; without JavaScript it is a redirect.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from http import HTTPStatus
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from prolotrack.audit.services import audit_record
from prolotrack.clinics.access import CLINICAL_READ_ROLES, SESSION_DOCUMENT_ROLES
from prolotrack.core.actor import Actor
from prolotrack.core.errors import ApplicationError, NotFound
from prolotrack.knowledge.screening import screening_rules
from prolotrack.safety.dose_preview import dose_preview
from prolotrack.safety.selectors import session_safety
from prolotrack.safety.site_defaults import site_defaults
from prolotrack.treatment.access import access_session
from prolotrack.treatment.models import INJECTABLE_SESSION_STATUSES, Injection, Session
from prolotrack.treatment.selectors import session_print
from prolotrack.treatment.services import injection_add
from prolotrack.web.actors import actor_for
from prolotrack.web.errors import page, submit
from prolotrack.web.forms.knee_map import DosePreviewForm, MapAddForm
from prolotrack.web.knee_map import session_map_context
from prolotrack.web.views.safety_session import session_page

NOTE_TEMPLATE = "web/treatment/session_note.html"
LIVE_DOSE_TEMPLATE = "web/treatment/live_dose.html"


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _injection_form_url(session: Session, site_code: str) -> str:
    url = reverse("injection_create", kwargs={"session_id": session.public_id})
    return f"{url}?{urlencode({'site_code': site_code})}"


def _recorded(injection: Injection) -> str:
    return (
        f"Recorded: {injection.site_label}, {injection.volume_ml.normalize():f} mL, "
        f"dextrose {injection.dextrose_pct.normalize():f} %, "
        f"lidocaine {injection.lidocaine_pct.normalize():f} %."
    )


NOT_INJECTABLE = (
    "Injections are recorded on a scheduled or done session, never on a cancelled or no-show one."
)


def _add_at_site(actor: Actor, session: Session, data: dict[str, Any]) -> Injection:
    if session.status not in INJECTABLE_SESSION_STATUSES:
        raise ApplicationError(NOT_INJECTABLE)
    defaults = site_defaults(session, data["site_code"])
    if defaults is None:
        raise ApplicationError("This site is not in the session's plan: use the injection form.")
    values = defaults.values(needle_gauge=data["needle_gauge"])
    return injection_add(actor=actor, session=session, **values)


@page("POST")
def session_map_add(request: HttpRequest, session_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    session = access_session(session_id, user=actor.user, roles=SESSION_DOCUMENT_ROLES)
    form = MapAddForm(request.POST)
    outside_plan = (
        form.is_valid()
        and session.status in INJECTABLE_SESSION_STATUSES
        and site_defaults(session, form.cleaned_data["site_code"]) is None
    )
    if outside_plan:  # the full injection form, with the site chosen
        url = _injection_form_url(session, form.cleaned_data["site_code"])
        if _is_htmx(request):
            return HttpResponse(headers={"HX-Redirect": url})
        return redirect(url)
    result = submit(request, form, lambda data: _add_at_site(actor, session, data))
    injection = result.saved
    if injection is not None and not _is_htmx(request):
        messages.success(request, _recorded(injection))
        return redirect(reverse("session_detail", kwargs={"session_id": session.public_id}))
    if injection is not None:
        state = {
            "map_message": _recorded(injection),
            "map_form": MapAddForm(initial={"needle_gauge": form.cleaned_data["needle_gauge"]}),
        }
        return session_page(request, actor, session, HTTPStatus.OK, map_state=state)
    # htmx swaps only successful responses: the refusal is shown in the swapped region.
    status = HTTPStatus.OK if _is_htmx(request) else result.status
    return session_page(request, actor, session, status, map_state={"map_form": form})


@page("GET")
def session_note(request: HttpRequest, session_id: uuid.UUID) -> HttpResponse:
    """The printable session note: what was done, where, with which doses and checks."""
    actor = actor_for(request)
    session = access_session(session_id, user=actor.user, roles=CLINICAL_READ_ROLES)
    injections = session_print(actor=actor, session=session)
    safety = session_safety(session=session)
    screening = safety.screening
    result = screening.result if screening is not None else {}
    rules = screening_rules()
    context = {
        "session": session,
        "course": session.course,
        "patient": session.course.patient,
        "clinic": session.course.clinic,
        "injections": injections,
        "safety": safety,
        "screening": screening,
        "screening_result": result,
        "blocking_questions": [rules.rule(c).question for c in result.get("blocking", [])],
        "warning_questions": [rules.rule(c).question for c in result.get("warnings", [])],
        "dose_check": safety.dose_check,
        **session_map_context(session, injections, can_document=False),
    }
    return render(request, NOTE_TEMPLATE, context)


def _replacing(session: Session, raw: str) -> Injection | None:
    """The injection being edited (its numbers are replaced by the form's), if any."""
    if not raw:
        return None
    try:
        public_id = uuid.UUID(raw)
    except ValueError:
        raise NotFound("No such injection.") from None
    found = session.injections.filter(public_id=public_id).first()
    if found is None:
        raise NotFound("No such injection.")
    return found


@page("POST")
def injection_dose_preview(request: HttpRequest, session_id: uuid.UUID) -> HttpResponse:
    """The live dose panel of the injection form (htmx): always a panel, never an error page
    for bad numbers."""
    actor = actor_for(request)
    session = access_session(session_id, user=actor.user, roles=SESSION_DOCUMENT_ROLES)
    replacing = _replacing(session, request.GET.get("injection", ""))
    form = DosePreviewForm(request.POST)
    context: dict[str, object] = {"form": form, "preview": None}
    if form.is_valid():
        data = form.cleaned_data
        context["preview"] = dose_preview(
            session,
            volume_ml=Decimal(data["volume_ml"]),
            dextrose_pct=Decimal(data["dextrose_pct"]),
            lidocaine_pct=Decimal(data["lidocaine_pct"]),
            replacing=replacing,
        )
        audit_record(
            actor=actor,
            action="session.dose_preview",
            clinic_id=session.clinic_id,
            patient_id=session.course.patient_id,
            target=session,
        )
    return render(request, LIVE_DOSE_TEMPLATE, context)
