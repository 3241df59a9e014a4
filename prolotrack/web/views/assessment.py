"""Next-step suggestions: the clinician records a decision (accept, or decide otherwise).

The suggestions themselves are shown on the chart and the course page
(`web/templatetags/assessment_tags.py`). Only clinicians decide; a nurse or clinic admin who
opens the decision page gets 403; another clinic's suggestion is 404.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from prolotrack.assessment.access import access_suggestion
from prolotrack.assessment.models import Decision
from prolotrack.assessment.services import DECIDE_ROLES, decision_record
from prolotrack.web.actors import actor_for
from prolotrack.web.errors import page, submit
from prolotrack.web.forms.assessment import ACCEPT, DecisionForm
from prolotrack.web.views.rendering import posted


@page("GET", "POST")
def suggestion_decide(request: HttpRequest, suggestion_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    suggestion = access_suggestion(suggestion_id, user=actor.user, roles=DECIDE_ROLES)
    course_url = reverse("course_detail", kwargs={"course_id": suggestion.course.public_id})
    decided = Decision.objects.filter(suggestion=suggestion).select_related("clinician").first()
    form = DecisionForm(posted(request))
    result = submit(
        request,
        form,
        lambda data: decision_record(
            actor=actor,
            suggestion=suggestion,
            accepted=data["decision"] == ACCEPT,
            alternative=data["alternative"],
            reason=data["reason"],
        ),
    )
    if result.saved is not None:
        messages.success(request, "Decision recorded.")
        return redirect(course_url)
    context = {
        "suggestion": suggestion,
        "patient": suggestion.course.patient,
        "course": suggestion.course,
        "decided": decided,
        "form": form,
        "cancel_url": course_url,
    }
    return render(request, "web/assessment/decide.html", context, status=result.status)
