"""Side effects (adverse events), consent to a course, and the printable aftercare sheet.

The detail page of an event holds its actions as forms that POST to their own URLs (confirm a
patient's report, follow the event up, review it); a refused form shows the detail page again
with the errors.
"""

from __future__ import annotations

import uuid
from http import HTTPStatus
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from prolotrack.clinics.access import CLINICAL_READ_ROLES, CLINICAL_WRITE_ROLES, role_in
from prolotrack.knowledge.adverse_events import adverse_event_catalogue
from prolotrack.patients.access import access_patient
from prolotrack.safety.access import access_adverse_event
from prolotrack.safety.clinic_settings import aftercare_text_for
from prolotrack.safety.consent import consent_record, consent_text
from prolotrack.safety.events import (
    EVENT_CONFIRM_ROLES,
    EVENT_UPDATE_ROLES,
    adverse_event_confirm,
    adverse_event_record,
    adverse_event_review,
    adverse_event_update,
)
from prolotrack.safety.models import AdverseEvent
from prolotrack.safety.selectors import consents_of
from prolotrack.treatment.access import access_course, access_session
from prolotrack.treatment.models import Course, Session
from prolotrack.web.actors import actor_for
from prolotrack.web.errors import page, submit
from prolotrack.web.forms.events import (
    ConsentForm,
    EventCreateForm,
    EventEditForm,
    ReviewForm,
    event_initial,
)
from prolotrack.web.views.rendering import form_view, posted

DETAIL_TEMPLATE = "web/events/detail.html"


def event_url(event: AdverseEvent) -> str:
    return reverse("adverse_event_detail", kwargs={"event_id": event.public_id})


def _sessions_of(courses: list[Course]) -> list[Session]:
    return list(
        Session.objects.filter(course__in=courses)
        .select_related("course")
        .order_by("scheduled_at", "id")
    )


@page("GET", "POST")
def adverse_event_create(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    patient = access_patient(patient_id, user=actor.user, roles=CLINICAL_WRITE_ROLES)
    courses = list(Course.objects.filter(patient=patient).order_by("-start_date", "-id"))
    chart_url = reverse("patient_chart", kwargs={"patient_id": patient.public_id})
    if not courses:
        messages.info(request, "Plan a course first: a side effect belongs to a course.")
        return redirect(chart_url)
    form = EventCreateForm(posted(request), courses=courses, sessions=_sessions_of(courses))
    return form_view(
        request,
        form,
        lambda data: adverse_event_record(
            actor=actor, patient=patient, course=data["course"], **form.values(data)
        ),
        saved_message="Side effect recorded.",
        next_url=event_url,
        title="Record a side effect",
        cancel_url=chart_url,
        patient=patient,
        submit_label="Record side effect",
    )


def _detail(
    request: HttpRequest,
    event: AdverseEvent,
    *,
    status: int = HTTPStatus.OK,
    **bound: Any,
) -> HttpResponse:
    """The event page; `bound` holds a submitted form to show again in place of a fresh one."""
    role = role_in(actor_for(request).user, event.clinic_id)
    confirmed = event.confirmed_at is not None
    sessions = _sessions_of([event.course])
    forms: dict[str, Any] = {}
    if not confirmed and role in EVENT_CONFIRM_ROLES:
        forms["confirm_form"] = bound.get("confirm_form") or EventEditForm(
            initial=event_initial(event), sessions=sessions, prefix="confirm"
        )
    if confirmed and role in EVENT_UPDATE_ROLES:
        forms["edit_form"] = bound.get("edit_form") or EventEditForm(
            initial=event_initial(event), sessions=sessions, prefix="edit"
        )
    if confirmed and event.reviewed_at is None and role in EVENT_CONFIRM_ROLES:
        forms["review_form"] = bound.get("review_form") or ReviewForm(
            initial={"version": event.version}, prefix="review"
        )
    catalogue = adverse_event_catalogue()
    context = {
        "event": event,
        "patient": event.patient,
        "grade": catalogue.grade(event.grade) if event.grade else None,
        "criteria": [catalogue.criterion(code) for code in event.serious_criteria],
        **forms,
    }
    return render(request, DETAIL_TEMPLATE, context, status=status)


@page("GET")
def adverse_event_detail(request: HttpRequest, event_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    event = access_adverse_event(event_id, user=actor.user, roles=CLINICAL_READ_ROLES)
    return _detail(request, event)


@page("POST")
def adverse_event_confirm_view(request: HttpRequest, event_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    event = access_adverse_event(event_id, user=actor.user, roles=EVENT_CONFIRM_ROLES)
    form = EventEditForm(request.POST, sessions=_sessions_of([event.course]), prefix="confirm")
    result = submit(
        request,
        form,
        lambda data: adverse_event_confirm(
            actor=actor, event=event, expected_version=data["version"], **form.values(data)
        ),
    )
    if result.saved is not None:
        messages.success(request, "Patient's report confirmed.")
        return redirect(event_url(event))
    event.refresh_from_db()
    return _detail(request, event, status=result.status, confirm_form=form)


@page("POST")
def adverse_event_edit(request: HttpRequest, event_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    event = access_adverse_event(event_id, user=actor.user, roles=EVENT_UPDATE_ROLES)
    form = EventEditForm(request.POST, sessions=_sessions_of([event.course]), prefix="edit")
    result = submit(
        request,
        form,
        lambda data: adverse_event_update(
            actor=actor, event=event, expected_version=data["version"], **form.values(data)
        ),
    )
    if result.saved is not None:
        messages.success(request, "Side effect updated.")
        return redirect(event_url(event))
    event.refresh_from_db()
    return _detail(request, event, status=result.status, edit_form=form)


@page("POST")
def adverse_event_review_view(request: HttpRequest, event_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    event = access_adverse_event(event_id, user=actor.user, roles=EVENT_CONFIRM_ROLES)
    form = ReviewForm(request.POST, prefix="review")
    result = submit(
        request,
        form,
        lambda data: adverse_event_review(
            actor=actor,
            event=event,
            expected_version=data["version"],
            notes=data["review_notes"].strip() or None,
        ),
    )
    if result.saved is not None:
        messages.success(request, "Side effect reviewed.")
        return redirect(event_url(event))
    event.refresh_from_db()
    return _detail(request, event, status=result.status, review_form=form)


@page("GET", "POST")
def course_consent(request: HttpRequest, course_id: uuid.UUID) -> HttpResponse:
    """The consent document for the course and the typed-name form; the recorded consents."""
    actor = actor_for(request)
    course = access_course(course_id, user=actor.user, roles=CLINICAL_WRITE_ROLES)
    form = ConsentForm(posted(request))
    result = submit(
        request,
        form,
        lambda data: consent_record(actor=actor, course=course, typed_name=data["typed_name"]),
    )
    if result.saved is not None:
        messages.success(request, "Consent recorded.")
        return redirect("course_detail", course_id=course.public_id)
    context = {
        "course": course,
        "patient": course.patient,
        "consent_text": consent_text(course),
        "consents": consents_of(course=course),
        "form": form,
    }
    return render(request, "web/events/consent.html", context, status=result.status)


@page("GET")
def session_aftercare(request: HttpRequest, session_id: uuid.UUID) -> HttpResponse:
    """The clinic's aftercare advice for the patient to take home, made for printing."""
    actor = actor_for(request)
    session = access_session(session_id, user=actor.user, roles=CLINICAL_READ_ROLES)
    context = {
        "session": session,
        "course": session.course,
        "patient": session.course.patient,
        "clinic": session.course.clinic,
        "aftercare_text": aftercare_text_for(clinic_id=session.clinic_id),
    }
    return render(request, "web/events/aftercare.html", context)
