"""Safety on the clinician pages: a course planned from a protocol, and the session's
screening checklist, dose panel, overrides and what still blocks "done".

The session page (`treatment.session_detail`) and the course page (`treatment.course_detail`)
take their safety parts from `session_safety_context` and `course_protocol_context` here; the
POST views below re-render the session page with the failing form on an error (400).
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from prolotrack.clinics.access import (
    CLINICAL_READ_ROLES,
    CLINICAL_WRITE_ROLES,
    SESSION_DOCUMENT_ROLES,
    role_in,
)
from prolotrack.core.actor import Actor
from prolotrack.domain.protocols import Protocol
from prolotrack.knowledge import icd10_codes
from prolotrack.knowledge.protocols import protocols
from prolotrack.knowledge.screening import screening_rules
from prolotrack.patients.access import access_patient
from prolotrack.patients.models import Patient
from prolotrack.safety.doses import OVERRIDE_ROLES as DOSE_OVERRIDE_ROLES
from prolotrack.safety.doses import dose_check, dose_numbers, dose_override, dose_stock_set
from prolotrack.safety.models import LidocaineStock
from prolotrack.safety.screening import OVERRIDE_ROLES as SCREENING_OVERRIDE_ROLES
from prolotrack.safety.screening import (
    screening_answer,
    screening_override,
    screening_refresh,
    screening_start,
)
from prolotrack.safety.selectors import session_safety
from prolotrack.treatment.access import access_session
from prolotrack.treatment.models import Course, Session, SessionStatus
from prolotrack.treatment.selectors import course_deviations, session_injections
from prolotrack.treatment.services import course_plan_from_protocol
from prolotrack.web.actors import actor_for
from prolotrack.web.errors import page, submit
from prolotrack.web.forms.safety import (
    CourseFromProtocolForm,
    DoseStockForm,
    OverrideForm,
    ScreeningForm,
)
from prolotrack.web.knee_map import session_map_context
from prolotrack.web.views.rendering import form_view, posted

SESSION_TEMPLATE = "web/treatment/session_detail.html"
# Both override forms are on the session page: distinct element ids for their reason fields.
SCREENING_OVERRIDE_ID = "screening_override_%s"
DOSE_OVERRIDE_ID = "dose_override_%s"


def _session_url(session: Session) -> str:
    return reverse("session_detail", kwargs={"session_id": session.public_id}) + "#safety"


# --- Planning a course from a protocol ---------------------------------------------------


def protocols_for(patient: Patient) -> tuple[list[Protocol], list[Protocol]]:
    """(protocols whose conditions fit one of the patient's conditions, the rest)."""
    codes = icd10_codes()
    categories = {
        codes[condition.icd10_code].category
        for condition in patient.conditions.all()
        if condition.icd10_code in codes
    }
    fitting: list[Protocol] = []
    others: list[Protocol] = []
    for protocol in protocols().values():
        (fitting if categories & set(protocol.conditions) else others).append(protocol)
    return fitting, others


@page("GET", "POST")
def course_create_from_protocol(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    patient = access_patient(patient_id, user=actor.user, roles=CLINICAL_WRITE_ROLES)
    fitting, others = protocols_for(patient)
    form = CourseFromProtocolForm(
        posted(request), sides=patient.sides, fitting=fitting, others=others
    )
    return form_view(
        request,
        form,
        lambda data: course_plan_from_protocol(actor=actor, patient=patient, **data),
        saved_message="Course planned from the protocol.",
        next_url=lambda saved: reverse("course_detail", kwargs={"course_id": saved.public_id}),
        title="Plan a course from a protocol",
        cancel_url=reverse("patient_chart", kwargs={"patient_id": patient.public_id}),
        patient=patient,
        submit_label="Plan course",
    )


def course_protocol_context(course: Course) -> dict[str, Any]:
    """The course's protocol (its unconfirmed parts are shown flagged) and its deviations."""
    protocol = protocols().get(course.protocol_code) if course.protocol_code else None
    return {
        "protocol": protocol,
        "protocol_version_differs": protocol is not None
        and protocol.version != course.protocol_version,
        "deviations": course_deviations(course=course) if course.protocol_code else [],
    }


# --- The session's safety section --------------------------------------------------------


def _refresh_for_page(actor: Actor, session: Session, can_document: bool) -> None:
    """For staff who document an open session: start the screening (prefilled from the
    history) on first open, else bring its stored result up to date with injections recorded
    since; and recompute the dose check (a weight may have been recorded since)."""
    if not can_document or session.status != SessionStatus.SCHEDULED:
        return
    with transaction.atomic():
        if screening_refresh(session) is None:
            screening_start(actor=actor, session=session)
        dose_check(session=session)


def session_safety_context(
    actor: Actor, session: Session, role: str | None, **bound: forms.Form
) -> dict[str, Any]:
    """What the session page's safety section shows; `bound` replaces an empty form with the
    one that failed (by name: screening_form, screening_override_form, dose_form,
    dose_override_form)."""
    can_document = role in SESSION_DOCUMENT_ROLES
    _refresh_for_page(actor, session, can_document)
    safety = session_safety(session=session)
    rules = screening_rules()
    screening = safety.screening
    result = screening.result if screening is not None else {}
    check = safety.dose_check
    numbers = (
        check
        if check is not None
        else dose_numbers(session, epinephrine=False, lidocaine_stock_pct=int(LidocaineStock.ONE))
    )
    is_open = session.status == SessionStatus.SCHEDULED
    screening_form = bound.get("screening_form") or (
        ScreeningForm(
            rules=rules.rules,
            answers=screening.answers,
            initial={"version": screening.version},
        )
        if screening is not None
        else None
    )
    stock_initial = {
        "lidocaine_stock_pct": check.lidocaine_stock_pct if check else int(LidocaineStock.ONE),
        "epinephrine": check.epinephrine if check else False,
    }
    blocking = set(result.get("blocking", []))
    warnings = set(result.get("warnings", []))
    not_applicable = set(result.get("not_applicable", []))
    unanswered = set(result.get("unanswered", []))
    rows = []
    if isinstance(screening_form, ScreeningForm):
        for rule, field in screening_form.rows():
            rows.append(
                {
                    "rule": rule,
                    "field": field,
                    "blocking": rule.code in blocking,
                    "warning": rule.code in warnings,
                    "not_applicable": rule.code in not_applicable,
                    "unanswered": rule.code in unanswered,
                }
            )
    dose_fails = check is not None and not check.passes
    return {
        "safety": safety,
        "screening": screening,
        "screening_result": result,
        "screening_rows": rows,
        "screening_form": screening_form,
        "blocking_questions": [rules.rule(c).question for c in result.get("blocking", [])],
        "warning_questions": [rules.rule(c).question for c in result.get("warnings", [])],
        "can_override_screening": is_open
        and role in SCREENING_OVERRIDE_ROLES
        and screening is not None
        and screening.blocked
        and not screening.is_overridden,
        "screening_override_form": bound.get("screening_override_form")
        or OverrideForm(auto_id=SCREENING_OVERRIDE_ID),
        "dose": numbers,
        "dose_check": check,
        "dose_fails": dose_fails,
        "dose_form": bound.get("dose_form") or DoseStockForm(initial=stock_initial),
        "can_override_dose": is_open and role in DOSE_OVERRIDE_ROLES and dose_fails,
        "dose_override_form": bound.get("dose_override_form")
        or OverrideForm(auto_id=DOSE_OVERRIDE_ID),
        "safety_open": is_open and can_document,
    }


def session_page(
    request: HttpRequest,
    actor: Actor,
    session: Session,
    status: int,
    map_state: dict[str, Any] | None = None,
    **bound: forms.Form,
) -> HttpResponse:
    """The session page again, with the form that failed (or the knee map's last result)."""
    role = role_in(actor.user, session.clinic_id)
    injections = session_injections(actor=actor, session=session)
    can_document = role in SESSION_DOCUMENT_ROLES
    context = {
        "session": session,
        "course": session.course,
        "patient": session.course.patient,
        "injections": injections,
        "is_done": session.status == SessionStatus.DONE,
        "can_write_clinical": role in CLINICAL_WRITE_ROLES,
        "can_document": can_document,
        **session_safety_context(actor, session, role, **bound),
        **session_map_context(session, injections, can_document=can_document, **(map_state or {})),
    }
    return render(request, SESSION_TEMPLATE, context, status=status)


def _open_session(request: HttpRequest, session_id: uuid.UUID) -> tuple[Actor, Session]:
    actor = actor_for(request)
    session = access_session(session_id, user=actor.user, roles=SESSION_DOCUMENT_ROLES)
    return actor, session


@page("POST")
def session_screening(request: HttpRequest, session_id: uuid.UUID) -> HttpResponse:
    actor, session = _open_session(request, session_id)
    form = ScreeningForm(request.POST, rules=screening_rules().rules, answers={})

    def save(data: dict[str, Any]) -> object:
        with transaction.atomic():
            screening_start(actor=actor, session=session)
            return screening_answer(
                actor=actor,
                session=session,
                answers=form.answers(data),
                expected_version=data["version"],
            )

    result = submit(request, form, save)
    if result.saved is not None:
        messages.success(request, "Screening saved.")
        return redirect(_session_url(session))
    return session_page(request, actor, session, result.status, screening_form=form)


@page("POST")
def session_screening_override(request: HttpRequest, session_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    session = access_session(session_id, user=actor.user, roles=CLINICAL_READ_ROLES)
    form = OverrideForm(request.POST, auto_id=SCREENING_OVERRIDE_ID)
    result = submit(
        request,
        form,
        lambda data: screening_override(actor=actor, session=session, reason=data["reason"]),
    )
    if result.saved is not None:
        messages.success(request, "Screening overridden.")
        return redirect(_session_url(session))
    return session_page(request, actor, session, result.status, screening_override_form=form)


@page("POST")
def session_dose(request: HttpRequest, session_id: uuid.UUID) -> HttpResponse:
    actor, session = _open_session(request, session_id)
    form = DoseStockForm(request.POST)
    result = submit(
        request,
        form,
        lambda data: dose_stock_set(
            actor=actor,
            session=session,
            lidocaine_stock_pct=data["lidocaine_stock_pct"],
            epinephrine=data["epinephrine"],
        ),
    )
    if result.saved is not None:
        messages.success(request, "Stock saved.")
        return redirect(_session_url(session))
    return session_page(request, actor, session, result.status, dose_form=form)


@page("POST")
def session_dose_override(request: HttpRequest, session_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    session = access_session(session_id, user=actor.user, roles=CLINICAL_READ_ROLES)
    form = OverrideForm(request.POST, auto_id=DOSE_OVERRIDE_ID)
    result = submit(
        request,
        form,
        lambda data: dose_override(actor=actor, session=session, reason=data["reason"]),
    )
    if result.saved is not None:
        messages.success(request, "Dose check overridden.")
        return redirect(_session_url(session))
    return session_page(request, actor, session, result.status, dose_override_form=form)
