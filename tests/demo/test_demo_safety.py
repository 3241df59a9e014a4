"""The demo's safety records (issue 4, item 7): protocols, screenings, dose checks, weights
and adverse events are written as generated, pass the services' own checks, and the demo's
serious events email nobody."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from prolotrack.demo import services as demo
from prolotrack.domain.synthetic import generate_cohort
from prolotrack.domain.synthetic_safety import EVENT_RATES, SafetyPlan, default_safety_plan
from prolotrack.knowledge.protocols import protocol
from prolotrack.outcomes.models import OutboxMessage
from prolotrack.patients.models import WeightMeasurement
from prolotrack.safety.doses import dose_numbers
from prolotrack.safety.models import AdverseEvent, DoseCheck, Screening
from prolotrack.treatment.models import Course, Session

TODAY = dt.date(2026, 11, 2)
PATIENTS = 60


@pytest.fixture
def loaded(db):
    return demo.demo_load(patients=PATIENTS, seed=7, today=TODAY)


def generated():
    plan = default_safety_plan()
    return [
        *generate_cohort(patients=PATIENTS, seed=7, today=TODAY, mrn_prefix="A", safety=plan),
        *generate_cohort(
            patients=demo.clinic_b_size(PATIENTS), seed=7, today=TODAY, mrn_prefix="B", safety=plan
        ),
    ]


def test_rows_are_written_as_generated(loaded):
    cohort = generated()
    courses = [c for p in cohort for c in p.courses]
    sessions = [s for c in courses for s in c.sessions]
    events = [e for c in courses for e in c.adverse_events]
    assert Screening.objects.count() == sum(s.safety is not None for s in sessions)
    assert DoseCheck.objects.count() == Screening.objects.count()
    assert Screening.objects.count() == Session.objects.filter(status="done").count()
    assert AdverseEvent.objects.count() == len(events) > 0
    assert WeightMeasurement.objects.count() == len(cohort) + sum(
        len(p.visit_weights) for p in cohort
    )
    overridden = Screening.objects.filter(overridden_at__isnull=False).count()
    assert overridden == sum(
        bool(s.safety and s.safety.screening.override_reason) for s in sessions
    )


def test_courses_carry_their_shipped_protocol_and_version(loaded):
    codes = set()
    for course in Course.objects.all():
        if course.protocol_code:
            assert course.protocol_version == protocol(course.protocol_code).version
            codes.add(course.protocol_code)
        else:
            assert course.protocol_reference.startswith("Extra-articular")
            assert course.protocol_version == ""
    assert "rabago_2013" in codes


def test_every_done_session_passes_its_gates_as_the_services_compute_them(loaded):
    """What the done gate needs, and the dose check the service would compute now."""
    done = Session.objects.filter(status="done").select_related("course", "clinic")
    for session in done:
        screening = Screening.objects.get(session=session)
        check = DoseCheck.objects.get(session=session)
        assert screening.passes
        assert check.passes
        assert screening.completed_by == session.clinician
        if screening.is_overridden:
            assert screening.blocked
            assert screening.overridden_by == session.clinician
    for session in done[:80]:
        check = DoseCheck.objects.get(session=session)
        numbers = dose_numbers(
            session, epinephrine=check.epinephrine, lidocaine_stock_pct=check.lidocaine_stock_pct
        )
        stored = {field: getattr(check, field) for field in dataclasses.asdict(numbers)}
        assert stored == dataclasses.asdict(numbers)


def test_serious_demo_events_email_nobody(db, mailoutbox):
    """The tests' task backend runs tasks at once: a queued notification would send here."""
    rates = tuple(
        dataclasses.replace(rate, per_patient=0.5) if rate.criteria else rate
        for rate in EVENT_RATES
    )
    plan = default_safety_plan()
    demo.demo_load(
        patients=30,
        seed=7,
        today=TODAY,
        safety=SafetyPlan(rules=plan.rules, limits=plan.limits, rates=rates),
    )
    serious = AdverseEvent.objects.filter(is_serious=True)
    assert serious.exists()
    assert all(event.hospitalisation and event.confirmed_at for event in serious)
    assert mailoutbox == []
    assert not OutboxMessage.objects.filter(subject="Serious adverse event to review").exists()
    for event in AdverseEvent.objects.all():
        event.full_clean()
