"""Break-glass pages: activate (right holders only), the emergency chart of one's own running
grant, ending it early, and the clinic administrators' list of emergency accesses.

No identifier enters a URL: the activation form is POSTed and redirects to the grant's opaque
id. A closed grant answers 403 to its own user (audited with the emergency marker); anyone
else's grant is 404, the same as a missing one.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from prolotrack.emergency import selectors, services
from prolotrack.emergency.access import EmergencyClosed, open_emergency
from prolotrack.emergency.models import EmergencyAccess
from prolotrack.web import presenters
from prolotrack.web.actors import actor_for, current_user
from prolotrack.web.errors import forbidden, page
from prolotrack.web.forms.emergency import EmergencyAccessForm
from prolotrack.web.views.rendering import form_view, posted


@page("GET", "POST")
def emergency_activate(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    services.require_right(user)
    form = EmergencyAccessForm(posted(request), clinics=services.clinics_to_open(user))

    def save(data: dict[str, Any]) -> EmergencyAccess:
        return services.emergency_access_start(
            actor=actor_for(request),
            clinic=form.chosen_clinic(),
            mrn=data["mrn"],
            date_of_birth=data["date_of_birth"],
            reason=data["reason"],
            minutes=data["minutes"],
        )

    return form_view(
        request,
        form,
        save,
        saved_message="Emergency access started. The patient's clinic has been told.",
        next_url=lambda access: reverse("emergency_chart", kwargs={"access_id": access.public_id}),
        title="Emergency access to another clinic's patient",
        cancel_url=reverse("dashboard"),
        submit_label="Start emergency access",
        template="web/emergency/activate.html",
    )


@page("GET")
def emergency_chart(request: HttpRequest, access_id: str) -> HttpResponse:
    actor = actor_for(request)
    try:
        access = open_emergency(access_id, actor=actor, action="emergency.view")
    except EmergencyClosed as closed:
        return forbidden(request, closed.message)
    chart = selectors.emergency_chart(actor=actor, access=access)
    history_lines = presenters.history_summary(chart.history) if chart.history else []
    return render(
        request, "web/emergency/chart.html", {"chart": chart, "history_lines": history_lines}
    )


@page("POST")
def emergency_end(request: HttpRequest, access_id: str) -> HttpResponse:
    actor = actor_for(request)
    try:
        access = open_emergency(access_id, actor=actor, action="emergency.end")
    except EmergencyClosed as closed:
        return forbidden(request, closed.message)
    services.emergency_access_end(actor=actor, access=access)
    messages.success(request, "Emergency access ended.")
    return redirect("dashboard")


@page("GET")
def emergency_report(request: HttpRequest) -> HttpResponse:
    rows = selectors.emergency_report(actor=actor_for(request))
    return render(request, "web/emergency/report.html", {"rows": rows})
