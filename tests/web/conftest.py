"""Helpers for the web tests: the clinic-A objects every id-taking page is tested against."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from prolotrack.assessment.models import Decision, Suggestion
from prolotrack.clinics.models import User
from prolotrack.followup.models import Examination, MedicationUse, Surgery
from prolotrack.outcomes.models import AccessLink, Administration, OutboxMessage, Score
from prolotrack.patients.models import (
    KneeCondition,
    MedicalHistory,
    Patient,
    WeightMeasurement,
)
from prolotrack.safety.clinic_protocols import protocol_copy
from prolotrack.safety.events import adverse_event_record
from prolotrack.safety.models import AdverseEvent, ClinicProtocol, Consent
from prolotrack.treatment.models import Course, Injection, Session
from prolotrack.treatment.services import course_plan
from tests.conftest import actor
from tests.web.followup_objects import (
    FOLLOWUP_MODELS,
    a_medication_use,
    a_surgery,
    an_examination,
    followup_posts,
)

CLINICAL_MODELS = (
    Patient,
    MedicalHistory,
    KneeCondition,
    Course,
    Session,
    Injection,
    Administration,
    AdverseEvent,
    *FOLLOWUP_MODELS,
)
# Rows that are only ever added: their ids are enough to see a change.
APPEND_ONLY_MODELS = (
    WeightMeasurement,
    Score,
    AccessLink,
    OutboxMessage,
    Consent,
    Decision,
    ClinicProtocol,
)
# Rows whose only change is a status time: ids with that time.
STAMPED_MODELS = ((Suggestion, "superseded_at"),)


def plan_course_due_now(patient: Patient, clinician: User, side: str = "left") -> Course:
    """A course whose first session is a week away, so its baseline questionnaires are due."""
    first = dt.datetime.combine(
        timezone.localdate() + dt.timedelta(days=7), dt.time(9, 0), tzinfo=dt.UTC
    )
    return course_plan(
        actor=actor(clinician),
        patient=patient,
        side=side,
        protocol_reference="Hackett 2026",
        start_date=first.date(),
        session_times=[first, first + dt.timedelta(weeks=4)],
    )


def due_administration(course: Course, instrument: str = "KOOS") -> Administration:
    return Administration.objects.get(
        course=course, time_point="baseline", instrument_code=instrument, status="due"
    )


@dataclass(frozen=True)
class ClinicAObjects:
    patient: Patient
    condition: KneeCondition
    course: Course
    session: Session
    injection: Injection
    clinician: User
    administration: Administration  # a due baseline KOOS of a second (left knee) course
    adverse_event: AdverseEvent  # a confirmed, unreviewed grade 1 flare after `session`
    patient_report: AdverseEvent  # an unconfirmed report of the patient on `course`

    # Follow-up records, made on first use (cached_property writes past the frozen dataclass).
    @cached_property
    def medication_use(self) -> MedicationUse:
        return a_medication_use(self.patient, self.clinician)

    @cached_property
    def examination(self) -> Examination:
        return an_examination(self.patient, self.clinician)

    @cached_property
    def surgery(self) -> Surgery:
        return a_surgery(self.patient, self.clinician, self.course)

    @cached_property
    def clinic_protocol(self) -> ClinicProtocol:
        """Clinic A's copy of Rabago 2013 (version 1)."""
        return protocol_copy(
            actor=actor(self.clinician), clinic=self.patient.clinic, shipped_code="rabago_2013"
        )

    @property
    def suggestion(self) -> Suggestion:
        """The current next-step suggestion of `course` (stored when its facts changed)."""
        return Suggestion.objects.get(course=self.course, superseded_at__isnull=True)


@pytest.fixture
def non_responder_course(patient_a, clinician_a) -> Course:
    """A second course of patient A (left knee): two sessions done, KOOS barely changed, so
    the rules propose reviewing the plan."""
    from tests.assessment.conftest import add_scores, make_course

    course = make_course(patient_a, clinician_a, side="left", done=2)
    add_scores(course, "KOOS", 0, {"pain": 50.0, "adl": 55.0})
    add_scores(course, "KOOS", 35, {"pain": 53.0, "adl": 56.0})
    return course


@pytest.fixture
def objects_a(patient_a, course_a, clinician_a) -> ClinicAObjects:
    course, session, injection = course_a
    course.refresh_from_db()  # its first done session made it active
    condition = patient_a.conditions.get()
    administration = due_administration(plan_course_due_now(patient_a, clinician_a))
    return ClinicAObjects(
        patient_a,
        condition,
        course,
        session,
        injection,
        clinician_a,
        administration,
        adverse_event_record(
            actor=actor(clinician_a),
            patient=patient_a,
            course=course,
            session=session,
            term="pain_flare",
            grade=1,
            relatedness="probable",
            onset_after_hours=6,
        ),
        patient_report(course),
    )


def patient_report(course: Course, term: str = "swelling_effusion") -> AdverseEvent:
    """What `adverse_event_report_by_patient` stores, without issuing a questionnaire link (a
    link would change the questionnaires the other page tests count on)."""
    event = AdverseEvent(
        clinic_id=course.clinic_id,
        patient=course.patient,
        course=course,
        term=term,
        onset_on=timezone.localdate(),
        reported_by_patient=True,
        patient_description="My knee swelled up and is warm.",
    )
    event.derive()
    event.full_clean()
    event.save()
    return event


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def snapshot() -> dict[str, Any]:
    """Every clinical row's id and version, and the ids of append-only rows (weights, scores,
    home links, outbox copies): equal means nothing changed."""
    state: dict[str, Any] = {
        model.__name__: sorted(model.objects.values_list("id", "version"))
        for model in CLINICAL_MODELS
    }
    for model in APPEND_ONLY_MODELS:
        state[model.__name__] = sorted(model.objects.values_list("id", flat=True))
    for stamped, stamp in STAMPED_MODELS:
        state[stamped.__name__] = sorted(stamped.objects.values_list("id", stamp))
    return state


def local_input(moment: dt.datetime) -> str:
    """A datetime as a datetime-local input sends it (UTC is the current time zone)."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def demographics(patient: Patient, **changes: Any) -> dict[str, Any]:
    data = {
        "mrn": patient.mrn,
        "given_name": patient.given_name,
        "family_name": patient.family_name,
        "date_of_birth": patient.date_of_birth.isoformat(),
        "sex": patient.sex,
        "email": patient.email,
        "phone": patient.phone,
        "knees": patient.knees,
        "version": patient.version,
    }
    data.update(changes)
    return data


def injection_data(**changes: Any) -> dict[str, Any]:
    data = {
        "site_code": "mcl_femoral",
        "approach": "extra_articular",
        "guidance": "palpation",
        "needle_gauge": "27",
        "volume_ml": "1.00",
        "dextrose_pct": "15",
        "lidocaine_pct": "0.2",
        "dextrose_lot": "D50-24A117",
        "lidocaine_lot": "",
    }
    data.update(changes)
    return data


def valid_post(url_name: str, objects: ClinicAObjects) -> dict[str, Any]:
    """A POST body that the page accepts from a clinician of clinic A (each would change data)."""
    today = timezone.localdate()
    session = objects.session
    later = timezone.now() + dt.timedelta(days=7)
    bodies: dict[str, dict[str, Any]] = {
        "patient_edit": demographics(objects.patient, given_name="Changed"),
        "history_edit": {"diabetes": "on", "version": objects.patient.history.version},
        "weight_add": {"weight_kg": "72.5", "measured_on": today.isoformat()},
        "condition_create": {"side": "left", "icd10_code": "M17.12", "kl_grade": "3"},
        "condition_edit": {
            "side": "right",
            "icd10_code": "M17.0",
            "kl_grade": "3",
            "version": objects.condition.version,
        },
        "course_create": {
            "side": "left",
            "protocol_reference": "Rabago 2013",
            "start_date": today.isoformat(),
        },
        "course_edit": {
            "protocol_reference": "Rabago 2013, modified",
            "start_date": objects.course.start_date.isoformat(),
            "status": objects.course.status,
            "version": objects.course.version,
        },
        "session_create": {"scheduled_at": local_input(later)},
        "session_edit": {
            "scheduled_at": local_input(session.scheduled_at),
            "status": "done",
            "performed_at": local_input(session.performed_at or later),
            "clinician": str(objects.clinician.public_id),
            "notes": "Tolerated well.",
            "version": session.version,
        },
        "injection_create": injection_data(),
        "injection_edit": injection_data(
            site_code="intra_articular",
            approach="intra_articular",
            volume_ml="7.00",
            version=objects.injection.version,
        ),
        "questionnaire_fill": {"answers-channel": "clinic", "answers-item-P1": "2"},
        "questionnaire_send_link": {},
        "course_create_from_protocol": {
            "side": "right",
            "protocol_code": "rabago_2013",
            "first_day": today.isoformat(),
        },
        "session_screening": {"version": "1", "answer_skin_infection_at_site": "no"},
        "session_screening_override": {"reason": "Benefit outweighs the risk here."},
        "session_dose": {"lidocaine_stock_pct": "2", "epinephrine": "on"},
        "session_dose_override": {"reason": "Benefit outweighs the risk here."},
        "session_map_add": {"site_code": "mcl_tibial", "needle_gauge": "27"},
        "injection_dose_preview": {"volume_ml": "6", "dextrose_pct": "25", "lidocaine_pct": "0.5"},
        **event_posts(objects),
        **followup_posts(objects),
        "suggestion_decide": {
            "decision": "otherwise",
            "alternative": "Continue; the patient is travelling.",
            "reason": "Questionnaire due next week.",
        },
        "clinic_protocol_edit": {
            "document": objects.clinic_protocol.document.replace(
                'title = "', 'title = "Our clinic: ', 1
            )
        },
    }
    return bodies[url_name]


def event_fields(event: AdverseEvent, prefix: str, **changes: Any) -> dict[str, Any]:
    """The adverse event form as the detail page fills it for `event`, with `changes`."""
    data: dict[str, Any] = {
        "session": str(event.session.public_id) if event.session else "",
        "term": event.term,
        "other_term": event.other_term,
        "onset_on": event.onset_on.isoformat(),
        "onset_after_hours": "" if event.onset_after_hours is None else event.onset_after_hours,
        "grade": event.grade or "",
        "relatedness": event.relatedness,
        "action_taken": event.action_taken,
        "outcome": event.outcome,
        "resolved_on": event.resolved_on.isoformat() if event.resolved_on else "",
        "notes": event.notes,
        "version": event.version,
    }
    data.update(changes)
    criteria = data.pop("criteria", event.serious_criteria)
    posted = {f"{prefix}-{name}": value for name, value in data.items()}
    posted[f"{prefix}-criteria"] = list(criteria)
    return posted


def event_posts(objects: ClinicAObjects) -> dict[str, dict[str, Any]]:
    """Accepted POST bodies of the side effect and consent pages."""
    return {
        "adverse_event_create": {
            "course": str(objects.course.public_id),
            "session": str(objects.session.public_id),
            "term": "pain_flare",
            "onset_after_hours": "6",
            "grade": "2",
            "relatedness": "probable",
            "outcome": "recovering",
        },
        "adverse_event_confirm": event_fields(
            objects.patient_report, "confirm", grade=1, relatedness="possible"
        ),
        "adverse_event_edit": event_fields(
            objects.adverse_event, "edit", outcome="recovering", notes="Settling."
        ),
        "adverse_event_review": {"review-version": objects.adverse_event.version},
        "course_consent": {"typed_name": objects.patient.full_name},
    }
