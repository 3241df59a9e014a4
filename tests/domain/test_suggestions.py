"""Next-step suggestion rules: every branch of the shipped rules, and the evaluator's own rules."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from prolotrack.domain.suggestions import (
    Condition,
    CourseFacts,
    RuleSet,
    SuggestionRule,
    SuggestionRuleError,
    check_reason_template,
    parse_condition,
    suggest,
)
from prolotrack.knowledge.catalogue import KnowledgeError
from prolotrack.knowledge.suggestions import default_rules, rules_from_data, rules_from_toml

# A course mid-way: two sessions of three done, a follow-up, every MCID reached.
MID_COURSE = CourseFacts(
    after_sessions=2,
    course_complete=False,
    protocol_has_optional_sessions=True,
    has_followup=True,
    any_mcid=True,
    all_mcid=True,
    omeract_responder=True,
    partial=False,
    worsening=False,
    serious_adverse_event=False,
)


def codes(**changes: Any) -> list[str]:
    return [step.code for step in suggest(replace(MID_COURSE, **changes), default_rules())]


def test_improving_mid_course_continues_as_planned() -> None:
    assert codes() == ["continue_as_planned"]


def test_no_mcid_after_two_sessions_reviews_the_plan_with_the_count_in_the_reason() -> None:
    steps = suggest(
        replace(MID_COURSE, any_mcid=False, all_mcid=False, omeract_responder=False),
        default_rules(),
    )
    assert [step.code for step in steps] == ["review_plan_no_improvement"]
    assert "After 2 sessions" in steps[0].reason
    assert "OMERACT-OARSI responder: no" in steps[0].reason
    assert "clinical.md §6" in steps[0].source


def test_no_mcid_after_one_session_is_too_early_to_judge() -> None:
    assert codes(after_sessions=1, any_mcid=False, all_mcid=False) == ["continue_too_early"]


def test_exactly_two_sessions_is_the_boundary_of_the_review_rule() -> None:
    assert codes(after_sessions=2, any_mcid=False) == ["review_plan_no_improvement"]
    assert codes(after_sessions=1, any_mcid=False) == ["continue_too_early"]
    assert codes(after_sessions=3, any_mcid=False) == ["review_plan_no_improvement"]


def test_full_course_without_response_suggests_stop_or_refer() -> None:
    assert codes(course_complete=True, after_sessions=3, any_mcid=False, all_mcid=False) == [
        "stop_or_refer_no_response"
    ]


def test_worsening_suggests_stop_or_refer_at_any_point() -> None:
    assert codes(worsening=True, any_mcid=False) == ["stop_or_refer_worsening"]
    assert codes(worsening=True, course_complete=True) == ["stop_or_refer_worsening"]


def test_partial_improvement_after_the_required_sessions_considers_optional_sessions() -> None:
    assert codes(course_complete=True, partial=True, all_mcid=False) == [
        "consider_optional_sessions"
    ]


def test_partial_improvement_without_optional_sessions_left_suggests_nothing_more() -> None:
    assert codes(course_complete=True, partial=True, protocol_has_optional_sessions=False) == []


def test_full_response_at_the_end_follows_up_by_schedule() -> None:
    assert codes(course_complete=True) == ["follow_up_after_response"]


def test_no_follow_up_yet_asks_for_the_questionnaire_and_nothing_else() -> None:
    unknown = {"any_mcid": None, "all_mcid": None, "omeract_responder": None, "partial": None}
    assert codes(has_followup=False, worsening=None, **unknown) == ["collect_follow_up"]


def test_a_serious_adverse_event_holds_and_takes_precedence() -> None:
    steps = suggest(
        replace(MID_COURSE, serious_adverse_event=True, serious_adverse_events=1, worsening=True),
        default_rules(),
    )
    assert [step.code for step in steps] == ["hold_serious_adverse_event"]
    assert steps[0].reason.startswith("1 serious adverse event")


def test_results_are_ordered_by_priority_then_code() -> None:
    rules = RuleSet(
        "t",
        (
            SuggestionRule("b", (parse_condition("after_sessions >= 0"),), "B", "r", "s", 2),
            SuggestionRule("c", (parse_condition("after_sessions >= 0"),), "C", "r", "s", 1),
            SuggestionRule("a", (parse_condition("after_sessions >= 0"),), "A", "r", "s", 2),
        ),
    )
    assert [step.code for step in suggest(MID_COURSE, rules)] == ["c", "a", "b"]


@pytest.mark.parametrize(
    ("text", "facts", "expected"),
    [
        ("after_sessions >= 2", {"after_sessions": 2}, True),
        ("after_sessions > 2", {"after_sessions": 2}, False),
        ("after_sessions <= 2", {"after_sessions": 3}, False),
        ("after_sessions < 3", {"after_sessions": 2}, True),
        ("after_sessions = 2", {"after_sessions": 2}, True),
        ("after_sessions != 2", {"after_sessions": 2}, False),
        ("any_mcid = false", {"any_mcid": False}, True),
        ("any_mcid != true", {"any_mcid": False}, True),
        ("any_mcid = false", {"any_mcid": None}, False),  # unknown never holds
        ("any_mcid != true", {"any_mcid": None}, False),
    ],
)
def test_conditions(text: str, facts: dict[str, Any], expected: bool) -> None:
    assert parse_condition(text).holds(replace(MID_COURSE, **facts)) is expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sessions >= 2", "unknown fact 'sessions'"),
        ("after_sessions = true", "is a count"),
        ("worsening >= 1", "is yes/no"),
        ("worsening >= true", "use = or !="),
        ("worsening = maybe", "is not true, false or a count"),
        ("worsening", "expected 'fact OP value'"),
    ],
)
def test_bad_conditions_are_refused(text: str, message: str) -> None:
    with pytest.raises(SuggestionRuleError, match=message):
        parse_condition(text)


def test_condition_prints_as_written() -> None:
    assert str(Condition("worsening", "=", True)) == "worsening = true"
    assert str(parse_condition("after_sessions>=2")) == "after_sessions >= 2"


def test_reason_templates_may_only_name_facts() -> None:
    check_reason_template("after {after_sessions} sessions")
    with pytest.raises(SuggestionRuleError, match="not a fact"):
        check_reason_template("dear {patient_name}")


def test_shipped_rules_cover_every_required_rule() -> None:
    rules = default_rules()
    assert {rule.code for rule in rules.rules} >= {
        "continue_as_planned",
        "consider_optional_sessions",
        "review_plan_no_improvement",
        "stop_or_refer_no_response",
        "stop_or_refer_worsening",
        "hold_serious_adverse_event",
    }
    assert all(rule.source for rule in rules.rules)


RULE = {
    "code": "x",
    "when": ["after_sessions >= 2"],
    "text": "T",
    "reason": "R",
    "source": "S",
    "priority": 1,
}


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ([{**RULE, "when": ["nonsense >= 2"]}], "rule 1 \\(x\\): unknown fact"),
        ([{**RULE, "reason": "{secret}"}], "not a fact"),
        ([RULE, RULE], "rule 2 \\(x\\): the code is used"),
        ([{**RULE, "priority": "1"}], "priority"),
        ([{**RULE, "colour": "red"}], "colour"),
        ([], "rules"),
    ],
)
def test_bad_rule_files_are_refused_naming_the_rule(
    rules: list[dict[str, Any]], message: str
) -> None:
    with pytest.raises(KnowledgeError, match=message):
        rules_from_data({"version": "v", "rules": rules}, origin="clinic rules")


def test_toml_syntax_errors_name_the_origin() -> None:
    with pytest.raises(KnowledgeError, match=r"^mine: cannot read"):
        rules_from_toml("version = ", origin="mine")
