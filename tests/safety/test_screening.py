"""Pre-session screening: prefill from the history, answers, the result, overrides."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from prolotrack.audit.models import AuditEvent
from prolotrack.core.errors import AccessDenied, ApplicationError, Conflict
from prolotrack.patients.services import history_update
from prolotrack.safety.models import Screening
from prolotrack.safety.screening import screening_answer, screening_override, screening_start
from prolotrack.safety.selectors import screening_overrides
from prolotrack.treatment.services import course_plan, injection_add
from tests.conftest import actor
from tests.safety.conftest import RABAGO_EA, clean_answers, first_session, rabago_course

REASON = "Cellulitis healed; the plan avoids that area"


def test_start_prefills_from_the_medical_history(patient_a, clinician_a):
    session = first_session(rabago_course(patient_a, clinician_a))
    history_update(
        actor=actor(clinician_a),
        patient=patient_a,
        expected_version=None,
        on_anticoagulants=True,
        anticoagulant_name="apixaban",
        arthroplasty_right=True,
        diabetes=True,
        hba1c_pct="7.1",
        last_corticosteroid_injection_on=session.day - dt.timedelta(days=30),
    )
    screening = screening_start(actor=actor(clinician_a), session=session)
    answers = screening.answers
    assert answers["anticoagulants"] is True
    assert answers["arthroplasty_same_knee"] is True  # the right knee is treated
    assert answers["uncontrolled_diabetes"] is None  # diabetes alone does not settle it
    assert answers["recent_corticosteroid_injection"] is True
    assert answers["pregnancy"] is False
    assert answers["acute_flare"] is None  # nothing in the history answers it
    assert screening.rules_version == "contraindications-2026-r1"
    assert screening.result["blocked"] is True  # IA planned, prosthesis in that knee
    assert screening.completed_at is None
    assert screening_start(actor=actor(clinician_a), session=session) == screening  # idempotent
    assert AuditEvent.objects.filter(action="screening.start").count() == 1


def test_answers_complete_the_screening(patient_a, clinician_a, nurse_a):
    session = first_session(rabago_course(patient_a, clinician_a))
    screening = screening_start(actor=actor(nurse_a), session=session)
    partial = screening_answer(
        actor=actor(nurse_a),
        session=session,
        answers={"acute_flare": False},
        expected_version=screening.version,
    )
    assert partial.completed_at is None
    assert "acute_flare" not in partial.unanswered
    with pytest.raises(Conflict):
        screening_answer(
            actor=actor(nurse_a), session=session, answers={}, expected_version=screening.version
        )
    done = screening_answer(
        actor=actor(nurse_a),
        session=session,
        answers={**clean_answers(), "pregnancy": True},
        expected_version=partial.version,
    )
    assert (done.completed_by, done.unanswered, done.blocked) == (nurse_a, [], False)
    assert done.result["warnings"] == ["pregnancy"]
    assert "pregnancy" in [item["code"] for item in done.result["advice"]]
    assert done.passes


@pytest.mark.parametrize("answers", [{"no_such_rule": True}, {"pregnancy": "yes"}])
def test_bad_answers_are_refused(patient_a, clinician_a, answers):
    session = first_session(rabago_course(patient_a, clinician_a))
    screening_start(actor=actor(clinician_a), session=session)
    with pytest.raises(ApplicationError) as error:
        screening_answer(
            actor=actor(clinician_a), session=session, answers=answers, expected_version=None
        )
    assert error.value.field == "answers"


def test_rules_apply_to_the_plan(patient_a, clinician_a):
    """Extra-articular only, without lidocaine: the IA and lidocaine questions do not apply."""
    start = timezone.localdate() - dt.timedelta(days=3)
    course = course_plan(
        actor=actor(clinician_a),
        patient=patient_a,
        side="right",
        protocol_reference="EA only",
        start_date=start,
        session_times=[dt.datetime.combine(start, dt.time(9), tzinfo=dt.UTC)],
    )
    session = first_session(course)
    everything = screening_start(actor=actor(clinician_a), session=session)
    assert everything.result["not_applicable"] == []  # nothing planned yet: ask it all
    injection_add(actor=actor(clinician_a), session=session, **{**RABAGO_EA, "lidocaine_pct": 0})
    result = screening_answer(
        actor=actor(clinician_a), session=session, answers={}, expected_version=None
    ).result
    assert set(result["not_applicable"]) == {
        "arthroplasty_same_knee",
        "osteochondral_fracture_or_unstable_joint",
        "local_anaesthetic_allergy",
    }


def test_override_a_blocked_screening(patient_a, clinician_a, nurse_a):
    session = first_session(rabago_course(patient_a, clinician_a))
    screening = screening_start(actor=actor(clinician_a), session=session)
    with pytest.raises(ApplicationError):
        screening_override(actor=actor(clinician_a), session=session, reason=REASON)  # not blocked
    screening = screening_answer(
        actor=actor(nurse_a),
        session=session,
        answers={**clean_answers(), "skin_infection_at_site": True},
        expected_version=screening.version,
    )
    assert screening.blocked
    assert not screening.passes
    with pytest.raises(AccessDenied):
        screening_override(actor=actor(nurse_a), session=session, reason=REASON)
    with pytest.raises(ApplicationError) as error:
        screening_override(actor=actor(clinician_a), session=session, reason="ok then")
    assert error.value.field == "reason"
    overridden = screening_override(actor=actor(clinician_a), session=session, reason=REASON)
    assert (overridden.overridden_by, overridden.override_reason) == (clinician_a, REASON)
    assert overridden.passes
    event = AuditEvent.objects.get(action="screening.override")
    assert event.detail == {"blocking": ["skin_infection_at_site"]}
    assert REASON not in str(event.detail)  # free text stays out of the audit log
    assert list(screening_overrides(actor=actor(clinician_a))) == [overridden]


def test_an_override_ends_when_other_questions_block(patient_a, clinician_a):
    session = first_session(rabago_course(patient_a, clinician_a))
    screening_start(actor=actor(clinician_a), session=session)
    blocked = {**clean_answers(), "skin_infection_at_site": True}
    screening_answer(
        actor=actor(clinician_a), session=session, answers=blocked, expected_version=None
    )
    screening_override(actor=actor(clinician_a), session=session, reason=REASON)
    same = screening_answer(
        actor=actor(clinician_a),
        session=session,
        answers={"pregnancy": True},
        expected_version=None,
    )
    assert same.is_overridden  # the same question blocks: the override stands
    other = screening_answer(
        actor=actor(clinician_a),
        session=session,
        answers={"septic_joint_or_bacteraemia": True},
        expected_version=None,
    )
    assert not other.is_overridden
    assert not other.passes


def test_screening_is_for_a_scheduled_session(course_a, clinician_a):
    _, done, _ = course_a
    with pytest.raises(ApplicationError):
        screening_answer(
            actor=actor(clinician_a),
            session=done,
            answers={"pregnancy": True},
            expected_version=None,
        )
    assert Screening.objects.get(session=done).answers["pregnancy"] is False


def test_overrides_report_is_scoped_to_the_clinic(
    patient_a, clinician_a, clinician_b, researcher_a
):
    session = first_session(rabago_course(patient_a, clinician_a))
    screening_start(actor=actor(clinician_a), session=session)
    screening_answer(
        actor=actor(clinician_a),
        session=session,
        answers={**clean_answers(), "septic_joint_or_bacteraemia": True},
        expected_version=None,
    )
    screening_override(actor=actor(clinician_a), session=session, reason=REASON)
    assert screening_overrides(actor=actor(clinician_b)).count() == 0
    assert screening_overrides(actor=actor(researcher_a)).count() == 0
