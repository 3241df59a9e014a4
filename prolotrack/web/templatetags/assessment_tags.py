"""Response and next-step panels for pages whose views belong to other modules: the chart's
"Is it working?" section and the course page's suggestions and decisions.

Both read through `prolotrack.assessment.selectors.knee_assessments` (audited; it stores any
new suggestion, see `prolotrack.assessment.services`). Front desk never sees them.
"""

from __future__ import annotations

from typing import Any

from django import template

from prolotrack.assessment.models import Suggestion
from prolotrack.assessment.selectors import course_decisions, course_suggestions, knee_assessments
from prolotrack.assessment.services import DECIDE_ROLES
from prolotrack.clinics.access import CLINICAL_READ_ROLES, role_in
from prolotrack.patients.models import Patient
from prolotrack.treatment.models import Course
from prolotrack.web.actors import actor_for
from prolotrack.web.forms.assessment import DecisionForm

register = template.Library()


def decision_form(suggestion: Suggestion) -> DecisionForm:
    """A decision form whose field ids are unique on a page with several suggestions."""
    return DecisionForm(auto_id=f"id_{suggestion.public_id.hex[:12]}_%s")


@register.inclusion_tag("web/assessment/chart_section.html", takes_context=True)
def assessment_section(
    context: template.Context, patient: Patient, *, role: str | None
) -> dict[str, Any]:
    """Per knee: change from baseline, MCID, OMERACT-OARSI and the open suggestions."""
    if role not in CLINICAL_READ_ROLES:
        return {"shown": False}
    actor = actor_for(context["request"])
    knees = knee_assessments(actor=actor, patient=patient)
    can_decide = role in DECIDE_ROLES
    return {
        "shown": True,
        "patient": patient,
        "knees": knees,
        "can_decide": can_decide,
        "forms": {
            s.id: decision_form(s)
            for knee in knees
            for s in knee.suggestions
            if can_decide and not hasattr(s, "decision")
        },
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("web/assessment/course_panel.html", takes_context=True)
def course_assessment_panel(context: template.Context, course: Course) -> dict[str, Any]:
    """The course's open suggestions (with the decision form) and its decisions."""
    actor = actor_for(context["request"])
    role = role_in(actor.user, course.clinic_id)
    if role not in CLINICAL_READ_ROLES:
        return {"shown": False}
    knee_assessments(actor=actor, patient=course.patient)  # stores any new suggestion
    suggestions = course_suggestions(course=course)
    open_ones = [s for s in suggestions if s.superseded_at is None and not hasattr(s, "decision")]
    can_decide = role in DECIDE_ROLES
    return {
        "shown": True,
        "course": course,
        "open_suggestions": open_ones,
        "decisions": course_decisions(course=course),
        "can_decide": can_decide,
        "forms": {s.id: decision_form(s) for s in open_ones if can_decide},
        "csrf_token": context.get("csrf_token"),
    }


@register.filter
def form_for(forms: dict[int, DecisionForm], suggestion: Suggestion) -> DecisionForm | None:
    return forms.get(suggestion.id)
