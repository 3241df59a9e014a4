"""Consent to a course: the document rendered for the course, accepted by typing one's name."""

from __future__ import annotations

from django.db import transaction

from prolotrack.audit.services import audit_record
from prolotrack.clinics.access import CLINICAL_WRITE_ROLES, require_role
from prolotrack.core.actor import Actor
from prolotrack.core.errors import ApplicationError
from prolotrack.core.records import record_create
from prolotrack.knowledge.adverse_events import adverse_event_catalogue
from prolotrack.safety.deviations import INACTIVE_STATUSES, course_protocol
from prolotrack.safety.documents import CoursePlan, consent_document, render_consent
from prolotrack.safety.models import Consent
from prolotrack.treatment.models import Course


def consent_version() -> str:
    """The document version a consent stores: the wording's and the risks' versions."""
    return f"{consent_document().version}+{adverse_event_catalogue().version}"


def consent_text(course: Course) -> str:
    """The consent document for this course, as the patient reads it."""
    plan = CoursePlan(
        reference=course.protocol_reference,
        side=course.side,
        sessions=course.sessions.exclude(status__in=INACTIVE_STATUSES).count(),
        protocol=course_protocol(course),
    )
    return render_consent(consent_document(), adverse_event_catalogue(), plan)


def _same_name(typed: str, full_name: str) -> bool:
    return " ".join(typed.split()).casefold() == " ".join(full_name.split()).casefold()


@transaction.atomic
def consent_record(*, actor: Actor, course: Course, typed_name: str) -> Consent:
    """The patient accepts the course's consent document by typing their full name (checked
    against the record, ignoring case and extra spaces); the exact text is stored."""
    require_role(actor.user, course.clinic_id, CLINICAL_WRITE_ROLES)
    patient = course.patient
    if not _same_name(typed_name, patient.full_name):
        raise ApplicationError(
            "The typed name does not match the patient's full name.", field="typed_name"
        )
    consent = record_create(
        Consent(
            clinic_id=course.clinic_id,
            course=course,
            document_version=consent_version(),
            document_text=consent_text(course),
            typed_name=" ".join(typed_name.split()),
            recorded_by=actor.user,
        )
    )
    audit_record(
        actor=actor,
        action="consent.record",
        clinic_id=course.clinic_id,
        patient_id=patient.id,
        target=consent,
        detail={"document_version": consent.document_version},
    )
    return consent
