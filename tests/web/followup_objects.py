"""Clinic A's follow-up records for the page-access tests, and the POST bodies those pages
accept (kept here so tests/web/conftest.py only names them)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from prolotrack.followup.models import Examination, MedicationUse, Surgery
from prolotrack.followup.services import examination_record, medication_record, surgery_record
from prolotrack.patients.models import Patient
from prolotrack.treatment.models import Course
from tests.conftest import actor

if TYPE_CHECKING:
    from prolotrack.clinics.models import User
    from tests.web.conftest import ClinicAObjects

FOLLOWUP_MODELS = (MedicationUse, Examination, Surgery)
RECORDED_DAYS_AGO = 20
OPERATED_DAYS_AGO = 3


def a_medication_use(patient: Patient, clinician: User) -> MedicationUse:
    return medication_record(
        actor=actor(clinician),
        patient=patient,
        recorded_on=timezone.localdate() - dt.timedelta(days=RECORDED_DAYS_AGO),
        time_point="baseline",
        category="opioid",
        opioid_code="tramadol",
        dose_mg_per_day=Decimal("100"),
        days_per_week=5,
    )


def an_examination(patient: Patient, clinician: User) -> Examination:
    return examination_record(
        actor=actor(clinician),
        patient=patient,
        side="right",
        examined_on=timezone.localdate() - dt.timedelta(days=RECORDED_DAYS_AGO),
        flexion_degrees=110,
        extension_degrees=5,
        effusion_grade="1+",
        chair_stand_count=8,
    )


def a_surgery(patient: Patient, clinician: User, course: Course) -> Surgery:
    return surgery_record(
        actor=actor(clinician),
        patient=patient,
        side="right",
        performed_on=timezone.localdate() - dt.timedelta(days=OPERATED_DAYS_AGO),
        procedure="arthroscopy",
        course=course,
    )


def followup_posts(objects: ClinicAObjects) -> dict[str, dict[str, Any]]:
    """Accepted POST bodies of the follow-up pages (each changes data).

    `valid_post` builds every page's body, so these must not touch the lazily made records
    (that would add rows outside the request under test): they repeat the records' values.
    """
    today = timezone.localdate()
    recorded_on = (today - dt.timedelta(days=RECORDED_DAYS_AGO)).isoformat()
    operated_on = (today - dt.timedelta(days=OPERATED_DAYS_AGO)).isoformat()
    return {
        "medication_create": {
            "recorded_on": today.isoformat(),
            "time_point": "follow_up",
            "category": "paracetamol",
            "days_per_week": "3",
            "source": "staff",
        },
        "medication_edit": {
            "recorded_on": recorded_on,
            "time_point": "baseline",
            "category": "opioid",
            "opioid_code": "tramadol",
            "dose_mg_per_day": "200",
            "days_per_week": "5",
            "source": "staff",
            "version": 1,
        },
        "examination_create": {
            "side": "left",
            "examined_on": today.isoformat(),
            "flexion_degrees": "120",
        },
        "examination_edit": {
            "side": "right",
            "examined_on": recorded_on,
            "flexion_degrees": "125",
            "version": 1,
        },
        "surgery_create": {
            "side": "right",
            "performed_on": today.isoformat(),
            "procedure": "arthroscopy",
        },
        "surgery_edit": {
            "side": "right",
            "performed_on": operated_on,
            "procedure": "total_arthroplasty",
            "course": str(objects.course.public_id),
            "version": 1,
        },
    }
