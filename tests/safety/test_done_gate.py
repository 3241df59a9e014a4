"""Marking a session done needs a passed screening and a dose check within limits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from prolotrack.core.errors import ApplicationError
from prolotrack.safety.doses import dose_override
from prolotrack.safety.screening import screening_answer, screening_override, screening_start
from prolotrack.safety.selectors import session_safety
from prolotrack.treatment.models import Course
from prolotrack.treatment.services import injection_add
from tests.conftest import actor
from tests.safety.conftest import (
    NO_LIDOCAINE_IA,
    RABAGO_EA,
    RABAGO_IA,
    clean_answers,
    first_session,
    mark_done,
    rabago_course,
    screen_clean,
    weigh,
)

REASON = "Discussed with the patient; benefit outweighs the risk"


def refused(session, by) -> str:
    with pytest.raises(ApplicationError) as error:
        mark_done(session, by)
    assert error.value.field == "status"
    session.refresh_from_db()
    assert session.status == "scheduled"
    return error.value.message


def test_a_screened_and_dosed_session_is_marked_done(rabago_a, nurse_a):
    screen_clean(rabago_a.session, nurse_a)
    assert session_safety(session=rabago_a.session).done_blockers == []
    done = mark_done(rabago_a.session, rabago_a.clinician)
    assert done.status == "done"
    assert Course.objects.get(id=rabago_a.course.id).status == "active"


def test_no_screening_prevents_done(rabago_a):
    assert "Complete the pre-session screening" in refused(rabago_a.session, rabago_a.clinician)


def test_unanswered_questions_prevent_done(rabago_a):
    screening_start(actor=actor(rabago_a.clinician), session=rabago_a.session)
    message = refused(rabago_a.session, rabago_a.clinician)
    assert "Answer every screening question" in message


def test_blocked_screening_prevents_done_until_overridden(rabago_a):
    screen_clean(rabago_a.session, rabago_a.clinician, septic_joint_or_bacteraemia=True)
    message = refused(rabago_a.session, rabago_a.clinician)
    assert "septic joint" in message
    assert "override" in message
    screening_override(actor=actor(rabago_a.clinician), session=rabago_a.session, reason=REASON)
    assert mark_done(rabago_a.session, rabago_a.clinician).status == "done"


def test_over_limit_dose_prevents_done_until_overridden(rabago_a, patient_a):
    """5 kg (a weight the record allows): max 4.5 x 5 = 22.5 mg, below the 30 mg given."""
    weigh(patient_a, rabago_a.clinician, rabago_a.session.day, kg="5.0")
    screen_clean(rabago_a.session, rabago_a.clinician)
    message = refused(rabago_a.session, rabago_a.clinician)
    assert "Lidocaine 30.00 mg is above the maximum of 22.50 mg" in message
    dose_override(actor=actor(rabago_a.clinician), session=rabago_a.session, reason=REASON)
    assert mark_done(rabago_a.session, rabago_a.clinician).status == "done"


def test_stale_weight_prevents_done(patient_a, clinician_a):
    session = first_session(rabago_course(patient_a, clinician_a))
    weigh(patient_a, clinician_a, session.day - dt.timedelta(days=91))
    injection_add(actor=actor(clinician_a), session=session, **RABAGO_IA)
    screen_clean(session, clinician_a)
    assert "too old to dose by" in refused(session, clinician_a)
    weigh(patient_a, clinician_a, session.day)
    assert mark_done(session, clinician_a).status == "done"


def test_missing_weight_prevents_done_only_with_lidocaine(patient_a, clinician_a):
    session = first_session(rabago_course(patient_a, clinician_a))
    injection = injection_add(
        actor=actor(clinician_a),
        session=session,
        deviation_reason="Patient asked for no anaesthetic",
        **NO_LIDOCAINE_IA,
    )
    screen_clean(session, clinician_a)
    assert injection.lidocaine_pct == Decimal(0)
    assert mark_done(session, clinician_a).status == "done"


def test_an_injection_recorded_after_screening_is_screened_too(patient_a, clinician_a):
    """Screened for an EA-only session without lidocaine; then an IA injection is recorded:
    the IA questions apply; the one the history does not prefill (osteochondral fracture or
    unstable joint) is unanswered, so the session cannot be done."""
    session = first_session(rabago_course(patient_a, clinician_a))
    session.planned_syringes = []  # a hand-made plan: nothing planned
    session.save()
    weigh(patient_a, clinician_a, session.day)
    ea_plain = {**RABAGO_EA, "lidocaine_pct": Decimal(0)}
    injection_add(actor=actor(clinician_a), session=session, **ea_plain)
    screening = screening_start(actor=actor(clinician_a), session=session)
    answers = {code: False for code in clean_answers() if code in screening.result["unanswered"]}
    screening_answer(
        actor=actor(clinician_a), session=session, answers=answers, expected_version=None
    )
    injection_add(actor=actor(clinician_a), session=session, **RABAGO_IA)
    assert "Answer every screening question (1 still open)" in refused(session, clinician_a)
    screening_answer(
        actor=actor(clinician_a),
        session=session,
        answers={"osteochondral_fracture_or_unstable_joint": False},
        expected_version=None,
    )
    assert mark_done(session, clinician_a).status == "done"
