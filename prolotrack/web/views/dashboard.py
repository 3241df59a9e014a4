"""The start page: the user's clinics, today's schedule and courses in progress."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from prolotrack.emergency.selectors import emergency_panel
from prolotrack.web.actors import actor_for
from prolotrack.web.errors import page
from prolotrack.web.reads import dashboard_for


@page("GET")
def dashboard(request: HttpRequest) -> HttpResponse:
    # "Today" is the UTC day until sessions are shown in each clinic's time zone.
    actor = actor_for(request)
    summary = dashboard_for(actor=actor, today=timezone.now().date())
    context = {"summary": summary, "emergency": emergency_panel(user=actor.user)}
    return render(request, "web/dashboard.html", context)
