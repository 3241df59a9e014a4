"""The dashboard: a composition of the apps' selectors for the signed-in user's front page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from prolotrack.clinics.access import (
    CLINICAL_READ_ROLES,
    DEMOGRAPHIC_READ_ROLES,
    DEMOGRAPHIC_WRITE_ROLES,
    roles_by_clinic,
)
from prolotrack.clinics.models import Clinic
from prolotrack.core.actor import Actor
from prolotrack.knowledge.instruments import instrument_definitions
from prolotrack.outcomes.selectors import due_now
from prolotrack.patients.selectors import patients_for
from prolotrack.safety.events import EVENT_CONFIRM_ROLES
from prolotrack.safety.models import AdverseEvent
from prolotrack.safety.selectors import reports_unconfirmed, serious_unreviewed
from prolotrack.treatment.models import Course, Session
from prolotrack.treatment.selectors import courses_in_progress, sessions_between
from prolotrack.web.questionnaire_reads import QuestionnaireRow, questionnaire_row

QUESTIONNAIRES_SHOWN = 10
EVENTS_SHOWN = 10


@dataclass(frozen=True)
class ScheduleRow:
    session: Session
    show_clinical: bool


@dataclass(frozen=True)
class Dashboard:
    clinics: list[Clinic]
    today: dt.date
    schedule: list[ScheduleRow]
    courses: list[Course]
    patient_count: int
    sees_patients: bool
    sees_clinical: bool
    can_register: bool
    questionnaires_due: list[QuestionnaireRow]
    questionnaires_due_count: int
    sees_events: bool = False
    serious_to_review: list[AdverseEvent] = field(default_factory=list)
    serious_to_review_count: int = 0
    reports_to_confirm: list[AdverseEvent] = field(default_factory=list)
    reports_to_confirm_count: int = 0


def dashboard_for(*, actor: Actor, today: dt.date) -> Dashboard:
    """The user's clinics, today's sessions (UTC day), courses in progress, questionnaires due
    and counts."""
    roles = roles_by_clinic(actor.user)
    start = dt.datetime.combine(today, dt.time.min, tzinfo=dt.UTC)
    sessions = sessions_between(actor=actor, start=start, end=start + dt.timedelta(days=1))
    sees_patients = any(role in DEMOGRAPHIC_READ_ROLES for role in roles.values())
    sees_clinical = any(role in CLINICAL_READ_ROLES for role in roles.values())
    due = due_now(actor=actor, today=today) if sees_clinical else None
    definitions = instrument_definitions()
    # Side effects to review and reports to confirm: for clinicians and clinic admins, in the
    # clinics where they hold one of those roles.
    event_clinics = [clinic for clinic, role in roles.items() if role in EVENT_CONFIRM_ROLES]
    serious = serious_unreviewed(actor=actor).filter(clinic_id__in=event_clinics)
    reports = reports_unconfirmed(actor=actor).filter(clinic_id__in=event_clinics)
    return Dashboard(
        clinics=list(Clinic.objects.filter(id__in=roles).order_by("name")),
        today=today,
        schedule=[
            ScheduleRow(session, roles.get(session.clinic_id) in CLINICAL_READ_ROLES)
            for session in sessions
        ],
        courses=list(courses_in_progress(actor=actor)) if sees_clinical else [],
        patient_count=patients_for(actor=actor).count() if sees_patients else 0,
        sees_patients=sees_patients,
        sees_clinical=sees_clinical,
        can_register=any(role in DEMOGRAPHIC_WRITE_ROLES for role in roles.values()),
        questionnaires_due=[
            questionnaire_row(administration, definitions)
            for administration in (due[:QUESTIONNAIRES_SHOWN] if due is not None else [])
        ],
        questionnaires_due_count=due.count() if due is not None else 0,
        sees_events=bool(event_clinics),
        serious_to_review=list(serious[:EVENTS_SHOWN]) if event_clinics else [],
        serious_to_review_count=serious.count() if event_clinics else 0,
        reports_to_confirm=list(reports[:EVENTS_SHOWN]) if event_clinics else [],
        reports_to_confirm_count=reports.count() if event_clinics else 0,
    )
