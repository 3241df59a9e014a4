"""Pages to record and correct medication use, examinations and knee surgery.

Clinical write roles only (front desk and clinic admins get 403); another clinic's record is
404. Opening an edit form is audited as a read; saving is audited by the service.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone

from prolotrack.clinics.access import CLINICAL_WRITE_ROLES
from prolotrack.followup import services
from prolotrack.followup.access import (
    access_examination,
    access_medication_use,
    access_surgery,
)
from prolotrack.followup.models import MedicationTimePoint
from prolotrack.followup.selectors import audit_followup_read
from prolotrack.patients.access import access_patient
from prolotrack.patients.models import Patient
from prolotrack.treatment.models import Course
from prolotrack.web.actors import actor_for
from prolotrack.web.errors import page
from prolotrack.web.forms.common import initial_from
from prolotrack.web.forms.followup import (
    ExaminationEditForm,
    ExaminationForm,
    MedicationEditForm,
    MedicationForm,
    SurgeryEditForm,
    SurgeryForm,
    course_initial,
)
from prolotrack.web.views.rendering import form_view, posted


def _chart_url(patient: Patient) -> str:
    return reverse("patient_chart", kwargs={"patient_id": patient.public_id}) + "#followup-title"


def _courses(patient: Patient) -> list[Course]:
    return list(Course.objects.filter(patient=patient).order_by("-start_date", "-id"))


def _audit_open(request: HttpRequest, record: Any, what: str) -> None:
    if request.method == "GET":
        audit_followup_read(actor=actor_for(request), patient=record.patient, what=what)


@page("GET", "POST")
def medication_create(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    patient = access_patient(patient_id, user=actor.user, roles=CLINICAL_WRITE_ROLES)
    has_rows = patient.medication_uses.exists()
    initial = {
        "recorded_on": timezone.localdate(),
        "time_point": MedicationTimePoint.FOLLOW_UP if has_rows else MedicationTimePoint.BASELINE,
    }
    form = MedicationForm(
        posted(request), initial=initial, sides=patient.sides, courses=_courses(patient)
    )
    return form_view(
        request,
        form,
        lambda data: services.medication_record(actor=actor, patient=patient, **form.values(data)),
        saved_message="Medication recorded.",
        next_url=_chart_url(patient),
        title="Record pain medication",
        cancel_url=_chart_url(patient),
        patient=patient,
        submit_label="Record medication",
    )


@page("GET", "POST")
def medication_edit(request: HttpRequest, use_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    use = access_medication_use(use_id, user=actor.user, roles=CLINICAL_WRITE_ROLES)
    patient = use.patient
    _audit_open(request, use, "medication")
    form = MedicationEditForm(
        posted(request),
        initial=course_initial(initial_from(use, services.MEDICATION_FIELDS)),
        sides=patient.sides,
        courses=_courses(patient),
    )
    return form_view(
        request,
        form,
        lambda data: services.medication_update(
            actor=actor, use=use, expected_version=data["version"], **form.values(data)
        ),
        saved_message="Medication saved.",
        next_url=_chart_url(patient),
        title="Correct pain medication",
        cancel_url=_chart_url(patient),
        patient=patient,
    )


@page("GET", "POST")
def examination_create(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    patient = access_patient(patient_id, user=actor.user, roles=CLINICAL_WRITE_ROLES)
    form = ExaminationForm(
        posted(request), initial={"examined_on": timezone.localdate()}, sides=patient.sides
    )
    return form_view(
        request,
        form,
        lambda data: services.examination_record(actor=actor, patient=patient, **form.values(data)),
        saved_message="Examination recorded.",
        next_url=_chart_url(patient),
        title="Record a knee examination",
        cancel_url=_chart_url(patient),
        patient=patient,
        submit_label="Record examination",
    )


@page("GET", "POST")
def examination_edit(request: HttpRequest, examination_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    exam = access_examination(examination_id, user=actor.user, roles=CLINICAL_WRITE_ROLES)
    patient = exam.patient
    _audit_open(request, exam, "examination")
    form = ExaminationEditForm(
        posted(request),
        initial=initial_from(exam, services.EXAMINATION_FIELDS),
        sides=patient.sides,
    )
    return form_view(
        request,
        form,
        lambda data: services.examination_update(
            actor=actor, examination=exam, expected_version=data["version"], **form.values(data)
        ),
        saved_message="Examination saved.",
        next_url=_chart_url(patient),
        title="Correct a knee examination",
        cancel_url=_chart_url(patient),
        patient=patient,
    )


@page("GET", "POST")
def surgery_create(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    patient = access_patient(patient_id, user=actor.user, roles=CLINICAL_WRITE_ROLES)
    form = SurgeryForm(posted(request), sides=patient.sides, courses=_courses(patient))
    return form_view(
        request,
        form,
        lambda data: services.surgery_record(actor=actor, patient=patient, **form.values(data)),
        saved_message="Surgery recorded.",
        next_url=_chart_url(patient),
        title="Record knee surgery",
        cancel_url=_chart_url(patient),
        patient=patient,
        submit_label="Record surgery",
    )


@page("GET", "POST")
def surgery_edit(request: HttpRequest, surgery_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    surgery = access_surgery(surgery_id, user=actor.user, roles=CLINICAL_WRITE_ROLES)
    patient = surgery.patient
    _audit_open(request, surgery, "surgery")
    form = SurgeryEditForm(
        posted(request),
        initial=course_initial(initial_from(surgery, services.SURGERY_FIELDS)),
        sides=patient.sides,
        courses=_courses(patient),
    )
    return form_view(
        request,
        form,
        lambda data: services.surgery_update(
            actor=actor, surgery=surgery, expected_version=data["version"], **form.values(data)
        ),
        saved_message="Surgery saved.",
        next_url=_chart_url(patient),
        title="Correct knee surgery",
        cancel_url=_chart_url(patient),
        patient=patient,
    )
