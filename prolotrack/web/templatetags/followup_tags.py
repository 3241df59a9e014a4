"""The follow-up panels included in pages whose views belong to other modules: the chart's
medication, examination and surgery section, and a course's surgery-free time."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import template
from django.utils import timezone

from prolotrack.clinics.access import CLINICAL_READ_ROLES, CLINICAL_WRITE_ROLES, role_in
from prolotrack.followup.selectors import audit_followup_read, surgery_free
from prolotrack.patients.models import Patient
from prolotrack.treatment.models import Course
from prolotrack.web.actors import actor_for
from prolotrack.web.followup_reads import followup_section as read_section

register = template.Library()


@register.inclusion_tag("web/followup/section.html", takes_context=True)
def followup_section(
    context: template.Context, patient: Patient, *, role: str | None, courses: Sequence[Course]
) -> dict[str, Any]:
    """Medication, examinations and surgery for the chart (clinical roles only; audited).
    `role` and `courses` (sessions prefetched) are what the chart already read."""
    if role not in CLINICAL_READ_ROLES:
        return {"shown": False}
    section = read_section(
        actor=actor_for(context["request"]),
        patient=patient,
        courses=list(courses),
        today=timezone.localdate(),
    )
    return {
        "shown": True,
        "patient": patient,
        "section": section,
        "can_record": role in CLINICAL_WRITE_ROLES,
    }


@register.inclusion_tag("web/followup/surgery_free.html", takes_context=True)
def surgery_free_panel(context: template.Context, course: Course) -> dict[str, Any]:
    """The course's surgery-free time (clinical read roles; audited as a read)."""
    actor = actor_for(context["request"])
    if role_in(actor.user, course.clinic_id) not in CLINICAL_READ_ROLES:
        return {"shown": False}
    audit_followup_read(actor=actor, patient=course.patient, what="surgery_free")
    return {
        "shown": True,
        "course": course,
        "free": surgery_free(course=course, today=timezone.localdate()),
    }
