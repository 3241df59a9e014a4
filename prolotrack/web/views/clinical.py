"""Clinical parts of the patient record: medical history, weight, knee conditions."""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone

from prolotrack.clinics.access import CLINICAL_WRITE_ROLES
from prolotrack.patients.access import access_condition, access_patient
from prolotrack.patients.models import Patient
from prolotrack.patients.services import (
    HISTORY_FIELDS,
    condition_add,
    condition_update,
    history_update,
    weight_record,
)
from prolotrack.web.actors import actor_for
from prolotrack.web.errors import page
from prolotrack.web.forms.common import initial_from
from prolotrack.web.forms.patients import (
    CONDITION_FIELDS,
    ConditionEditForm,
    ConditionForm,
    HistoryForm,
    WeightForm,
)
from prolotrack.web.views.rendering import form_view, posted


def _chart_url(patient: Patient) -> str:
    return reverse("patient_chart", kwargs={"patient_id": patient.public_id})


@page("GET", "POST")
def history_edit(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    patient = access_patient(patient_id, user=actor.user, roles=CLINICAL_WRITE_ROLES)
    history = patient.history
    form = HistoryForm(posted(request), initial=initial_from(history, HISTORY_FIELDS))
    return form_view(
        request,
        form,
        lambda data: history_update(
            actor=actor, patient=patient, expected_version=data["version"], **form.values(data)
        ),
        saved_message="Medical history saved.",
        next_url=_chart_url(patient),
        title="Medical history",
        cancel_url=_chart_url(patient),
        patient=patient,
    )


@page("GET", "POST")
def weight_add(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    patient = access_patient(patient_id, user=actor.user, roles=CLINICAL_WRITE_ROLES)
    form = WeightForm(posted(request), initial={"measured_on": timezone.localdate()})
    return form_view(
        request,
        form,
        lambda data: weight_record(actor=actor, patient=patient, **form.values(data)),
        saved_message="Weight recorded.",
        next_url=_chart_url(patient),
        title="Record weight",
        cancel_url=_chart_url(patient),
        patient=patient,
        submit_label="Record weight",
    )


@page("GET", "POST")
def condition_create(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    patient = access_patient(patient_id, user=actor.user, roles=CLINICAL_WRITE_ROLES)
    form = ConditionForm(posted(request), sides=patient.sides)
    return form_view(
        request,
        form,
        lambda data: condition_add(actor=actor, patient=patient, **form.values(data)),
        saved_message="Condition added.",
        next_url=_chart_url(patient),
        title="Add a knee condition",
        cancel_url=_chart_url(patient),
        patient=patient,
        submit_label="Add condition",
    )


@page("GET", "POST")
def condition_edit(request: HttpRequest, condition_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    condition = access_condition(condition_id, user=actor.user, roles=CLINICAL_WRITE_ROLES)
    patient = condition.patient
    form = ConditionEditForm(
        posted(request),
        initial=initial_from(condition, CONDITION_FIELDS),
        sides=patient.sides,
    )
    return form_view(
        request,
        form,
        lambda data: condition_update(
            actor=actor, condition=condition, expected_version=data["version"], **form.values(data)
        ),
        saved_message="Condition saved.",
        next_url=_chart_url(patient),
        title="Edit knee condition",
        cancel_url=_chart_url(patient),
        patient=patient,
    )
