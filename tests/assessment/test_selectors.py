"""knee_assessments on hand-built score histories: both orientations, exact thresholds,
OMERACT-OARSI in plain words, suggestions stored once per point, clinic threshold overrides."""

from __future__ import annotations

import tomllib
from importlib.resources import files
from typing import Any

import pytest

from prolotrack.assessment.models import Suggestion
from prolotrack.assessment.selectors import KneeAssessment, ScoreResponse, knee_assessments
from prolotrack.assessment.services import clinic_thresholds_set, decision_record
from prolotrack.audit.models import AuditEvent
from prolotrack.core.errors import AccessDenied, Conflict
from prolotrack.knowledge.catalogue import KnowledgeError
from tests.assessment.conftest import add_scores, make_course
from tests.conftest import actor


def right_knee(patient, user) -> KneeAssessment:
    (knee,) = [k for k in knee_assessments(actor=actor(user), patient=patient) if k.side == "right"]
    return knee


def by_score(knee: KneeAssessment) -> dict[str, ScoreResponse]:
    return {f"{r.instrument}.{r.score}": r for r in knee.responses}


def test_koos_higher_is_better_exactly_at_the_mcid_reaches_it(patient_a, clinician_a):
    course = make_course(patient_a, clinician_a)
    add_scores(course, "KOOS", 0, {"pain": 50.0, "adl": 60.0})
    add_scores(course, "KOOS", 60, {"pain": 60.0, "adl": 65.0})
    knee = right_knee(patient_a, clinician_a)
    pain, adl = by_score(knee)["KOOS.pain"], by_score(knee)["KOOS.adl"]
    assert pain.higher_is_better is True
    assert pain.label == "KOOS: pain"
    assert adl.label == "KOOS: daily living (ADL)"
    assert (pain.baseline, pain.latest, pain.improvement) == (50.0, 60.0, 10.0)
    assert pain.percent_improvement == pytest.approx(20.0)  # 10 of the 50 points from the best
    assert pain.reaches_mcid is True  # exactly 10 points counts
    assert pain.mcid_text == "≥ 10 points"
    assert pain.confirmed is True
    assert "Paradowski" in pain.source
    assert pain.reaches_pass is None  # no PASS ships
    assert adl.improvement == 5.0
    assert adl.reaches_mcid is False
    assert knee.session_dates == tuple(s.day for s in course.sessions.filter(status="done"))
    # OMERACT: pain 50 -> 40 on the worse-is-higher scale is 20 % and 10 points (moderate);
    # function 40 -> 35 is not; the global domain is missing, so not a responder.
    assert knee.omeract.responder is False
    assert knee.omeract.moderate_two_of_three is False
    assert knee.omeract.plain_words.startswith("Not a responder yet")
    assert "unconfirmed" in knee.omeract.plain_words
    assert any(line.startswith("patient global") for line in knee.omeract.missing)


def test_nrs_higher_is_worse_exactly_thirty_percent_reaches_the_mcid(patient_a, clinician_a):
    course = make_course(patient_a, clinician_a)
    add_scores(course, "KNEE_PAIN_NRS", 0, {"pain": 5.0})
    add_scores(course, "KNEE_PAIN_NRS", 60, {"pain": 3.5})
    (pain,) = right_knee(patient_a, clinician_a).responses
    assert pain.higher_is_better is False
    assert pain.improvement == 1.5  # under 2 points ...
    assert pain.percent_improvement == pytest.approx(30.0)  # ... but exactly 30 %
    assert pain.reaches_mcid is True
    assert pain.mcid_text == "≥ 2 points or ≥ 30 % of baseline"


def test_nrs_just_under_both_parts_does_not_reach(patient_a, clinician_a):
    course = make_course(patient_a, clinician_a)
    add_scores(course, "KNEE_PAIN_NRS", 0, {"pain": 7.0})
    add_scores(course, "KNEE_PAIN_NRS", 60, {"pain": 5.1})
    (pain,) = right_knee(patient_a, clinician_a).responses
    assert pain.improvement == pytest.approx(1.9)
    assert pain.reaches_mcid is False


def test_high_improvement_is_a_responder_in_plain_words(patient_a, clinician_a):
    course = make_course(patient_a, clinician_a)
    add_scores(course, "KOOS", 0, {"pain": 40.0, "adl": 50.0})
    add_scores(course, "KOOS", 60, {"pain": 75.0, "adl": 55.0})
    omeract = right_knee(patient_a, clinician_a).omeract
    assert (omeract.responder, omeract.high_improvement) == (True, True)
    assert omeract.plain_words.startswith("Responder: pain or function improved by at least 50%")
    assert omeract.at is not None


def test_a_baseline_at_the_best_score_does_not_count(patient_a, clinician_a):
    course = make_course(patient_a, clinician_a)
    add_scores(course, "KOOS", 0, {"pain": 100.0, "adl": 50.0})
    add_scores(course, "KOOS", 60, {"pain": 100.0, "adl": 52.0})
    knee = right_knee(patient_a, clinician_a)
    assert by_score(knee)["KOOS.pain"].percent_improvement is None
    assert any(line.startswith("pain: baseline is 0") for line in knee.omeract.missing)
    assert knee.omeract.responder is False  # function alone: 2 points


def test_no_improvement_after_two_sessions_suggests_review_once(patient_a, clinician_a):
    course = make_course(patient_a, clinician_a, done=2)
    add_scores(course, "KOOS", 0, {"pain": 50.0, "adl": 50.0})
    latest = add_scores(course, "KOOS", 35, {"pain": 52.0, "adl": 51.0})
    knee = right_knee(patient_a, clinician_a)
    assert [s.rule_code for s in knee.suggestions] == ["review_plan_no_improvement"]
    suggestion = knee.suggestions[0]
    assert "After 2 sessions" in suggestion.reason
    assert suggestion.after_administration == latest
    assert suggestion.after_session == course.sessions.filter(status="done").last()
    assert suggestion.thresholds_version == knee.thresholds_version
    assert suggestion.rules_version == "prolotrack-suggestions-2026-11-r1"
    stored = Suggestion.objects.filter(course=course).count()
    right_knee(patient_a, clinician_a)  # a read stores nothing
    assert Suggestion.objects.filter(course=course).count() == stored
    assert Suggestion.objects.filter(course=course, superseded_at__isnull=True).count() == 1


def test_a_new_questionnaire_supersedes_an_undecided_suggestion(patient_a, clinician_a):
    course = make_course(patient_a, clinician_a, done=2)
    add_scores(course, "KOOS", 0, {"pain": 50.0, "adl": 50.0})
    add_scores(course, "KOOS", 35, {"pain": 52.0, "adl": 51.0})
    (first,) = right_knee(patient_a, clinician_a).suggestions
    add_scores(course, "KOOS", 50, {"pain": 62.0, "adl": 51.0})
    (second,) = right_knee(patient_a, clinician_a).suggestions
    assert second.rule_code == "continue_as_planned"
    first.refresh_from_db()
    assert first.superseded_at is not None
    with pytest.raises(Conflict):
        decision_record(actor=actor(clinician_a), suggestion=first, accepted=True)


def test_worsening_by_the_mcid_suggests_stop_or_refer(patient_a, clinician_a):
    course = make_course(patient_a, clinician_a, done=1)
    add_scores(course, "KOOS", 0, {"pain": 60.0})
    add_scores(course, "KOOS", 20, {"pain": 50.0})  # 10 points worse, exactly the MCID
    knee = right_knee(patient_a, clinician_a)
    assert by_score(knee)["KOOS.pain"].improvement == -10.0
    assert [s.rule_code for s in knee.suggestions] == ["stop_or_refer_worsening"]


def test_a_serious_adverse_event_holds(patient_a, clinician_a):
    from prolotrack.safety.events import adverse_event_record

    course = make_course(patient_a, clinician_a, done=2)
    add_scores(course, "KOOS", 0, {"pain": 50.0})
    add_scores(course, "KOOS", 35, {"pain": 70.0})
    adverse_event_record(
        actor=actor(clinician_a),
        patient=patient_a,
        course=course,
        term="pain_flare",
        grade=3,
        relatedness="possible",
        criteria=["hospitalisation"],
        onset_on=course.start_date,
    )
    knee = right_knee(patient_a, clinician_a)
    assert [s.rule_code for s in knee.suggestions] == ["hold_serious_adverse_event"]


def test_a_clinic_override_changes_the_verdict_and_is_recorded(patient_a, clinician_a):
    text = files("prolotrack.knowledge").joinpath("thresholds.toml").read_text("utf-8")
    definition = tomllib.loads(text)
    definition["version"] = "clinic-a-2026-r1"
    definition["scores"][0]["mcid"] = 15
    clinic_thresholds_set(clinic_id=patient_a.clinic_id, definition=definition)
    course = make_course(patient_a, clinician_a, done=2)
    add_scores(course, "KOOS", 0, {"pain": 50.0})
    add_scores(course, "KOOS", 35, {"pain": 60.0})
    knee = right_knee(patient_a, clinician_a)
    assert knee.thresholds_version == "clinic-a-2026-r1"
    assert by_score(knee)["KOOS.pain"].reaches_mcid is False
    assert knee.suggestions[0].rule_code == "review_plan_no_improvement"
    assert knee.suggestions[0].thresholds_version == "clinic-a-2026-r1"
    clinic_thresholds_set(clinic_id=patient_a.clinic_id, definition=None)
    assert right_knee(patient_a, clinician_a).thresholds_version.startswith("prolotrack-")


def test_a_bad_override_is_refused_and_changes_nothing(patient_a):
    with pytest.raises(KnowledgeError, match="clinic thresholds"):
        clinic_thresholds_set(clinic_id=patient_a.clinic_id, definition={"version": "x"})
    from prolotrack.assessment.models import ClinicThresholds

    assert not ClinicThresholds.objects.exists()


def test_knees_without_data_are_left_out_and_the_read_is_audited(patient_a, clinician_a):
    assert knee_assessments(actor=actor(clinician_a), patient=patient_a) == []
    assert AuditEvent.objects.filter(action="assessment.view", patient_id=patient_a.id).exists()


def test_front_desk_may_not_read_the_assessment(patient_a, front_desk_a):
    with pytest.raises(AccessDenied):
        knee_assessments(actor=actor(front_desk_a), patient=patient_a)


def test_deciding_otherwise_needs_what_and_why_and_nurses_do_not_decide(
    patient_a, clinician_a, nurse_a
):
    from django.core.exceptions import ValidationError

    course = make_course(patient_a, clinician_a, done=2)
    add_scores(course, "KOOS", 0, {"pain": 50.0})
    add_scores(course, "KOOS", 35, {"pain": 51.0})
    (suggestion,) = right_knee(patient_a, clinician_a).suggestions
    with pytest.raises(AccessDenied):
        decision_record(actor=actor(nurse_a), suggestion=suggestion, accepted=True)
    with pytest.raises(ValidationError) as error:
        decision_record(
            actor=actor(clinician_a), suggestion=suggestion, accepted=False, alternative="Wait"
        )
    assert "reason" in error.value.message_dict
    decision = decision_record(
        actor=actor(clinician_a),
        suggestion=suggestion,
        accepted=False,
        alternative="One more session first",
        reason="Patient asks to try once more",
    )
    assert decision.clinician == clinician_a
    with pytest.raises(Conflict):
        decision_record(actor=actor(clinician_a), suggestion=suggestion, accepted=True)


def test_a_clinic_rules_override_is_used_and_recorded(patient_a, clinician_a):
    from prolotrack.assessment.services import clinic_rules_set

    rule: dict[str, Any] = {
        "code": "call_the_patient",
        "when": ["after_sessions >= 2", "any_mcid = false"],
        "text": "Call the patient to talk about the plan.",
        "reason": "No important change after {after_sessions} sessions.",
        "source": "Clinic A practice",
        "priority": 1,
    }
    rules: dict[str, Any] = {"version": "clinic-a-rules-r1", "rules": [rule]}
    clinic_rules_set(clinic_id=patient_a.clinic_id, definition=rules)
    course = make_course(patient_a, clinician_a, done=2)
    add_scores(course, "KOOS", 0, {"pain": 50.0})
    add_scores(course, "KOOS", 35, {"pain": 52.0})
    (suggestion,) = right_knee(patient_a, clinician_a).suggestions
    assert suggestion.rule_code == "call_the_patient"
    assert suggestion.reason == "No important change after 2 sessions."
    assert suggestion.rules_version == "clinic-a-rules-r1"
    with pytest.raises(KnowledgeError, match="clinic suggestion rules: rule 1"):
        clinic_rules_set(
            clinic_id=patient_a.clinic_id,
            definition={**rules, "rules": [{**rule, "when": ["mood = 3"]}]},
        )
    clinic_rules_set(clinic_id=patient_a.clinic_id, definition=None)
    (back,) = right_knee(patient_a, clinician_a).suggestions
    assert back.rule_code == "review_plan_no_improvement"
    suggestion.refresh_from_db()
    assert suggestion.superseded_at is not None
