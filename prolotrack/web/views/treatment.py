"""Courses, sessions and injections: plan, review, reschedule and document."""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from prolotrack.clinics.access import (
    CLINICAL_READ_ROLES,
    CLINICAL_WRITE_ROLES,
    SESSION_DOCUMENT_ROLES,
    role_in,
)
from prolotrack.clinics.selectors import clinicians_of
from prolotrack.knowledge import injection_sites
from prolotrack.patients.access import access_patient
from prolotrack.treatment.access import access_course, access_injection, access_session
from prolotrack.treatment.models import Course, Injection, Session, SessionStatus
from prolotrack.treatment.selectors import course_sessions, session_injections
from prolotrack.treatment.services import (
    COURSE_FIELDS,
    INJECTION_FIELDS,
    SESSION_FIELDS,
    course_plan,
    course_update,
    injection_add,
    injection_update,
    session_schedule,
    session_update,
)
from prolotrack.web.actors import actor_for
from prolotrack.web.errors import page
from prolotrack.web.forms.common import initial_from
from prolotrack.web.forms.treatment import (
    CourseCreateForm,
    CourseEditForm,
    InjectionEditForm,
    InjectionForm,
    SessionCreateForm,
    SessionEditForm,
)
from prolotrack.web.knee_map import session_map_context
from prolotrack.web.views.rendering import form_view, posted
from prolotrack.web.views.safety_session import course_protocol_context, session_safety_context


def _course_url(course: Course) -> str:
    return reverse("course_detail", kwargs={"course_id": course.public_id})


def _session_url(session: Session) -> str:
    return reverse("session_detail", kwargs={"session_id": session.public_id})


INJECTION_TEMPLATE = "web/treatment/injection_form.html"


def _dose_preview_url(session: Session, injection: Injection | None = None) -> str:
    url = reverse("injection_dose_preview", kwargs={"session_id": session.public_id})
    return f"{url}?injection={injection.public_id}" if injection is not None else url


def _site_prefill(request: HttpRequest) -> dict[str, str]:
    """A site chosen on the knee map outside the session's plan: the form opens with it."""
    site = injection_sites().get(request.GET.get("site_code", ""))
    return {"site_code": site.code, "approach": site.default_approach} if site else {}


def _permissions(role: str | None) -> dict[str, bool]:
    return {
        "can_write_clinical": role in CLINICAL_WRITE_ROLES,
        "can_document": role in SESSION_DOCUMENT_ROLES,
    }


@page("GET", "POST")
def course_create(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    patient = access_patient(patient_id, user=actor.user, roles=CLINICAL_WRITE_ROLES)
    form = CourseCreateForm(
        posted(request), initial={"start_date": timezone.localdate()}, sides=patient.sides
    )
    return form_view(
        request,
        form,
        lambda data: course_plan(
            actor=actor, patient=patient, session_times=data["session_times"], **form.values(data)
        ),
        saved_message="Course planned.",
        next_url=_course_url,
        title="Plan a course",
        cancel_url=reverse("patient_chart", kwargs={"patient_id": patient.public_id}),
        patient=patient,
        submit_label="Plan course",
    )


@page("GET")
def course_detail(request: HttpRequest, course_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    course = access_course(course_id, user=actor.user, roles=CLINICAL_READ_ROLES)
    context = {
        "course": course,
        "patient": course.patient,
        "sessions": course_sessions(actor=actor, course=course),
        **_permissions(role_in(actor.user, course.clinic_id)),
        **course_protocol_context(course),
    }
    return render(request, "web/treatment/course_detail.html", context)


@page("GET", "POST")
def course_edit(request: HttpRequest, course_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    course = access_course(course_id, user=actor.user, roles=CLINICAL_WRITE_ROLES)
    form = CourseEditForm(posted(request), initial=initial_from(course, COURSE_FIELDS))
    return form_view(
        request,
        form,
        lambda data: course_update(
            actor=actor, course=course, expected_version=data["version"], **form.values(data)
        ),
        saved_message="Course saved.",
        next_url=_course_url(course),
        title="Edit course",
        cancel_url=_course_url(course),
        patient=course.patient,
    )


@page("GET", "POST")
def session_create(request: HttpRequest, course_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    # Scheduling is planning the course: the service asks for the clinical write roles.
    course = access_course(course_id, user=actor.user, roles=CLINICAL_WRITE_ROLES)
    form = SessionCreateForm(posted(request))
    return form_view(
        request,
        form,
        lambda data: session_schedule(
            actor=actor,
            course=course,
            deviation_reason=data["deviation_reason"],
            **form.values(data),
        ),
        saved_message="Session scheduled.",
        next_url=_course_url(course),
        title="Schedule a session",
        cancel_url=_course_url(course),
        patient=course.patient,
        submit_label="Schedule session",
    )


@page("GET")
def session_detail(request: HttpRequest, session_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    session = access_session(session_id, user=actor.user, roles=CLINICAL_READ_ROLES)
    role = role_in(actor.user, session.clinic_id)
    injections = session_injections(actor=actor, session=session)
    context = {
        "session": session,
        "course": session.course,
        "patient": session.course.patient,
        "injections": injections,
        "is_done": session.status == SessionStatus.DONE,
        **_permissions(role),
        **session_safety_context(actor, session, role),
        **session_map_context(session, injections, can_document=role in SESSION_DOCUMENT_ROLES),
    }
    return render(request, "web/treatment/session_detail.html", context)


@page("GET", "POST")
def session_edit(request: HttpRequest, session_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    session = access_session(session_id, user=actor.user, roles=SESSION_DOCUMENT_ROLES)
    clinicians = clinicians_of(session.clinic_id)
    if session.clinician is not None and session.clinician not in clinicians:
        clinicians.append(session.clinician)  # keep showing who performed it
    initial = initial_from(session, SESSION_FIELDS)
    initial["clinician"] = str(session.clinician.public_id) if session.clinician else ""
    form = SessionEditForm(posted(request), initial=initial, clinicians=clinicians)
    return form_view(
        request,
        form,
        lambda data: session_update(
            actor=actor,
            session=session,
            expected_version=data["version"],
            deviation_reason=data["deviation_reason"],
            **form.values(data),
        ),
        saved_message="Session saved.",
        next_url=_session_url(session),
        title="Edit session",
        cancel_url=_session_url(session),
        patient=session.course.patient,
    )


@page("GET", "POST")
def injection_create(request: HttpRequest, session_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    session = access_session(session_id, user=actor.user, roles=SESSION_DOCUMENT_ROLES)
    form = InjectionForm(posted(request), initial=_site_prefill(request))
    return form_view(
        request,
        form,
        lambda data: injection_add(
            actor=actor,
            session=session,
            deviation_reason=data["deviation_reason"],
            **form.values(data),
        ),
        saved_message="Injection recorded.",
        next_url=_session_url(session),
        title="Record an injection",
        cancel_url=_session_url(session),
        patient=session.course.patient,
        submit_label="Record injection",
        template=INJECTION_TEMPLATE,
        dose_preview_url=_dose_preview_url(session),
    )


@page("GET", "POST")
def injection_edit(request: HttpRequest, injection_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    injection = access_injection(injection_id, user=actor.user, roles=SESSION_DOCUMENT_ROLES)
    session = injection.session
    form = InjectionEditForm(posted(request), initial=initial_from(injection, INJECTION_FIELDS))
    return form_view(
        request,
        form,
        lambda data: injection_update(
            actor=actor,
            injection=injection,
            expected_version=data["version"],
            deviation_reason=data["deviation_reason"],
            **form.values(data),
        ),
        saved_message="Injection saved.",
        next_url=_session_url(session),
        title="Edit injection",
        cancel_url=_session_url(session),
        patient=session.course.patient,
        template=INJECTION_TEMPLATE,
        dose_preview_url=_dose_preview_url(session, injection),
    )
