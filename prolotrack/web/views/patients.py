"""Patient list and search, registration, the chart, and demographic edits."""

from __future__ import annotations

import uuid
from http import HTTPStatus
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from prolotrack.clinics.access import (
    CLINICAL_WRITE_ROLES,
    DEMOGRAPHIC_READ_ROLES,
    DEMOGRAPHIC_WRITE_ROLES,
    SESSION_DOCUMENT_ROLES,
    clinic_ids_for,
    clinics_for,
    roles_by_clinic,
)
from prolotrack.core.actor import Actor
from prolotrack.core.errors import AccessDenied
from prolotrack.domain.dosing import weight_is_stale
from prolotrack.patients import selectors, services
from prolotrack.patients.access import access_patient
from prolotrack.patients.models import Patient
from prolotrack.safety.selectors import weight_max_age_days
from prolotrack.web import presenters
from prolotrack.web.actors import actor_for
from prolotrack.web.errors import page, submit
from prolotrack.web.forms.common import SearchForm, initial_from
from prolotrack.web.forms.patients import PatientCreateForm, PatientEditForm
from prolotrack.web.questionnaire_reads import chart_questionnaires
from prolotrack.web.views.rendering import form_page, posted

SEARCH_SESSION_KEY = "web.patient_search"
PATIENTS_PER_PAGE = 25


@page("GET", "POST")
def patient_list(request: HttpRequest) -> HttpResponse:
    """GET lists (with the search kept in the session); POST stores or clears the search.

    The search text never goes into a URL, so it stays out of access logs and history.
    """
    actor = actor_for(request)
    roles = roles_by_clinic(actor.user)
    readable = [clinic for clinic, role in roles.items() if role in DEMOGRAPHIC_READ_ROLES]
    if not readable:
        raise AccessDenied("Your role does not give access to patient records.")
    query = str(request.session.get(SEARCH_SESSION_KEY, ""))
    form = SearchForm(posted(request), initial={"query": query})
    if request.method == "POST":
        if form.is_valid():
            return _store_search(request, actor, form.cleaned_data["query"].strip())
        query = ""
    patients = Paginator(selectors.patients_for(actor=actor, query=query), PATIENTS_PER_PAGE)
    context = {
        "form": form,
        "query": query,
        "page_obj": patients.get_page(request.GET.get("page")),
        "several_clinics": len(readable) > 1,
        "can_register": any(role in DEMOGRAPHIC_WRITE_ROLES for role in roles.values()),
    }
    status = HTTPStatus.BAD_REQUEST if form.errors else HTTPStatus.OK
    return render(request, "web/patients/list.html", context, status=status)


def _store_search(request: HttpRequest, actor: Actor, query: str) -> HttpResponse:
    if "clear" in request.POST or not query:
        request.session.pop(SEARCH_SESSION_KEY, None)
    else:
        request.session[SEARCH_SESSION_KEY] = query
        count = selectors.patients_for(actor=actor, query=query).count()
        selectors.audit_search(actor=actor, result_count=count)
    return redirect("patient_list")


@page("GET", "POST")
def patient_create(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    clinics = clinics_for(actor.user, DEMOGRAPHIC_WRITE_ROLES)
    if not clinics:
        raise AccessDenied("Your role may not register patients.")
    weight_clinics = set(clinic_ids_for(actor.user, CLINICAL_WRITE_ROLES))
    form = PatientCreateForm(posted(request), clinics=clinics, weight_clinic_ids=weight_clinics)

    def save(data: dict[str, Any]) -> Patient:
        # Registration and the first weight stand or fall together.
        with transaction.atomic():
            patient = services.patient_create(
                actor=actor, clinic=data["clinic"], **form.values(data)
            )
            if data.get("weight_kg") is not None:
                services.weight_record(
                    actor=actor,
                    patient=patient,
                    weight_kg=data["weight_kg"],
                    measured_on=data["measured_on"],
                )
        return patient

    result = submit(request, form, save)
    if result.saved is not None:
        messages.success(request, "Patient registered.")
        return redirect("patient_chart", patient_id=result.saved.public_id)
    return form_page(
        request,
        form,
        status=result.status,
        title="Register a patient",
        cancel_url=reverse("patient_list"),
        submit_label="Register patient",
    )


@page("GET")
def patient_chart(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    patient = access_patient(patient_id, user=actor.user, roles=DEMOGRAPHIC_READ_ROLES)
    chart = selectors.patient_chart(actor=actor, patient=patient)
    weight = chart.latest_weight
    max_age_days = weight_max_age_days(patient.clinic_id)
    context = {
        "chart": chart,
        "patient": patient,
        "weight_stale": weight is not None
        and weight_is_stale(weight.measured_on, timezone.localdate(), max_age_days),
        "weight_max_age_days": max_age_days,
        "history_lines": presenters.history_summary(chart.history) if chart.history else [],
        "conditions_by_side": presenters.conditions_by_side(chart.conditions, patient.sides),
        "schedule": [] if chart.show_clinical else presenters.schedule_of(chart.courses),
        "can_edit_demographics": chart.role in DEMOGRAPHIC_WRITE_ROLES,
        "can_write_clinical": chart.role in CLINICAL_WRITE_ROLES,
        "can_document": chart.role in SESSION_DOCUMENT_ROLES,
        "questionnaires": chart_questionnaires(patient=patient) if chart.show_clinical else None,
    }
    return render(request, "web/patients/chart.html", context)


@page("GET", "POST")
def patient_edit(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    patient = access_patient(patient_id, user=actor.user, roles=DEMOGRAPHIC_WRITE_ROLES)
    form = PatientEditForm(
        posted(request), initial=initial_from(patient, services.DEMOGRAPHIC_FIELDS)
    )
    result = submit(
        request,
        form,
        lambda data: services.patient_update(
            actor=actor, patient=patient, expected_version=data["version"], **form.values(data)
        ),
    )
    chart_url = reverse("patient_chart", kwargs={"patient_id": patient.public_id})
    if result.saved is not None:
        messages.success(request, "Demographics saved.")
        return redirect(chart_url)
    return form_page(
        request,
        form,
        status=result.status,
        title="Edit demographics",
        cancel_url=chart_url,
        patient=patient,
    )
