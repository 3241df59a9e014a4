"""Safety panels included in pages whose views belong to other modules: the chart's side
effects and the course page's consent panel. Each reads through the safety selectors."""

from __future__ import annotations

from typing import Any

from django import template

from prolotrack.clinics.access import CLINICAL_READ_ROLES, CLINICAL_WRITE_ROLES, role_in
from prolotrack.patients.models import Patient
from prolotrack.safety.consent import consent_text
from prolotrack.safety.events import EVENT_CONFIRM_ROLES
from prolotrack.safety.selectors import adverse_events_of, consents_of
from prolotrack.treatment.models import Course, Session
from prolotrack.web.actors import actor_for
from prolotrack.web.forms.events import ConsentForm

register = template.Library()


@register.inclusion_tag("web/events/chart_section.html", takes_context=True)
def side_effects_section(
    context: template.Context, patient: Patient, *, role: str | None
) -> dict[str, Any]:
    """The patient's adverse events for the chart (clinical roles only; audited as a read).
    `role` is the user's role in the patient's clinic, as the chart already knows it."""
    if role not in CLINICAL_READ_ROLES:
        return {"shown": False}
    return {
        "shown": True,
        "patient": patient,
        "events": adverse_events_of(actor=actor_for(context["request"]), patient=patient),
        "can_record": role in CLINICAL_WRITE_ROLES,
        "can_confirm": role in EVENT_CONFIRM_ROLES,
    }


@register.inclusion_tag("web/events/chart_section.html", takes_context=True)
def session_side_effects(context: template.Context, session: Session) -> dict[str, Any]:
    """The adverse events recorded against one session, for the session page."""
    actor = actor_for(context["request"])
    patient = session.course.patient
    role = role_in(actor.user, session.clinic_id)
    if role not in CLINICAL_READ_ROLES:
        return {"shown": False}
    events = adverse_events_of(actor=actor, patient=patient)
    return {
        "shown": True,
        "patient": patient,
        "events": [event for event in events if event.session_id == session.id],
        "can_record": role in CLINICAL_WRITE_ROLES,
        "can_confirm": role in EVENT_CONFIRM_ROLES,
    }


@register.inclusion_tag("web/events/consent_panel.html", takes_context=True)
def consent_panel(context: template.Context, course: Course) -> dict[str, Any]:
    """The course's consent text, the typed-name form and the consents recorded."""
    request = context["request"]
    role = role_in(actor_for(request).user, course.clinic_id)
    return {
        "course": course,
        "consent_text": consent_text(course),
        "consents": consents_of(course=course),
        "form": ConsentForm() if role in CLINICAL_WRITE_ROLES else None,
        "csrf_token": context.get("csrf_token"),
    }
