"""Pre-session screening: every branch of `screen` and `prefill`, pure, without a database.

Most tests use a small rule set built here, so that each branch is exercised on its own; the
last ones run the shipped rules (clinical.md §3) end to end.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pytest

from prolotrack.domain.screening import (
    Advice,
    Prefill,
    ScreeningError,
    ScreeningResult,
    ScreeningRule,
    ScreeningRules,
    prefill,
    screen,
)
from prolotrack.knowledge.screening import screening_rules

TODAY = dt.date(2026, 6, 1)
IA = {"intra_articular"}
EA = {"extra_articular"}
BOTH = IA | EA


def rule(
    code: str, severity: str, applies_to: str = "session", how: Prefill | None = None
) -> ScreeningRule:
    return ScreeningRule(
        code=code,
        question=f"{code}?",
        severity=severity,  # type: ignore[arg-type]
        applies_to=applies_to,  # type: ignore[arg-type]
        prefill=how,
        advice=f"advice for {code}",
        source="test",
        confirmed=True,
        note="",
    )


STANDING = Advice("nsaids", "NSAID advice", "test", confirmed=False)
RULES = ScreeningRules(
    version="test-r1",
    rules=(
        rule("infection", "absolute"),
        rule("anticoagulants", "relative", how=Prefill("flag", field="on_anticoagulants")),
        rule("pregnancy", "caution", how=Prefill("flag", field="pregnant")),
        rule(
            "arthroplasty",
            "absolute",
            "intra_articular",
            Prefill("knee_flag", right_field="arthroplasty_right", left_field="arthroplasty_left"),
        ),
        rule(
            "anaesthetic_allergy",
            "absolute",
            "lidocaine",
            Prefill("flag", field="allergy_local_anaesthetic"),
        ),
        rule("diabetes", "caution", how=Prefill("rules_out", field="diabetes")),
        rule(
            "steroid",
            "relative",
            how=Prefill("within_days", field="last_corticosteroid_injection_on", window_days=90),
        ),
    ),
    advice=(STANDING,),
)
ALL_NO = {r.code: False for r in RULES.rules}


def screened(
    answers: Mapping[str, bool | None], approaches: set[str] = BOTH, lidocaine: bool = True
) -> ScreeningResult:
    return screen(RULES, answers, planned_approaches=approaches, uses_lidocaine=lidocaine)


# --- screen ---


def test_all_no_passes_with_the_standing_advice_only() -> None:
    result = screened(ALL_NO)
    assert not result.blocked
    assert result.blocking == result.warnings == result.unanswered == ()
    assert result.advice == (STANDING,)


def test_an_absolute_contraindication_answered_yes_blocks() -> None:
    result = screened({**ALL_NO, "infection": True})
    assert result.blocked
    assert result.blocking == ("infection",)
    assert [item.code for item in result.advice] == ["infection", "nsaids"]


@pytest.mark.parametrize(
    ("code", "severity"), [("anticoagulants", "relative"), ("pregnancy", "caution")]
)
def test_relative_and_caution_answered_yes_warn(code: str, severity: str) -> None:
    assert RULES.rule(code).severity == severity
    result = screened({**ALL_NO, code: True})
    assert not result.blocked
    assert result.warnings == (code,)
    assert result.advice[0].text == f"advice for {code}"


@pytest.mark.parametrize(
    ("approaches", "blocked"), [(IA, True), (BOTH, True), (EA, False), (set(), False)]
)
def test_arthroplasty_of_that_knee_blocks_only_an_intra_articular_plan(
    approaches: set[str], blocked: bool
) -> None:
    result = screened({**ALL_NO, "arthroplasty": True}, approaches)
    assert result.blocked is blocked
    assert ("arthroplasty" in result.not_applicable) is not blocked
    assert result.warnings == ()


@pytest.mark.parametrize("lidocaine", [True, False])
def test_anaesthetic_allergy_blocks_only_when_lidocaine_is_used(lidocaine: bool) -> None:
    result = screened({**ALL_NO, "anaesthetic_allergy": True}, lidocaine=lidocaine)
    assert result.blocked is lidocaine
    assert result.not_applicable == (() if lidocaine else ("anaesthetic_allergy",))


def test_unanswered_items_are_listed_in_rule_order() -> None:
    answers: dict[str, bool | None] = {**ALL_NO, "pregnancy": None}
    del answers["infection"]
    result = screened(answers)
    assert result.unanswered == ("infection", "pregnancy")
    assert not result.blocked  # the caller refuses "done" while items are unanswered


def test_an_item_the_plan_does_not_touch_is_not_asked() -> None:
    answers = {code: False for code in ALL_NO if code != "arthroplasty"}
    result = screened(answers, EA)
    assert result.unanswered == ()
    assert result.not_applicable == ("arthroplasty",)


def test_several_findings_together() -> None:
    answers = {**ALL_NO, "infection": True, "arthroplasty": True, "anticoagulants": True}
    result = screened(answers, IA)
    assert result.blocking == ("infection", "arthroplasty")
    assert result.warnings == ("anticoagulants",)


def test_answers_for_unknown_rules_are_refused() -> None:
    with pytest.raises(ScreeningError, match="infektion"):
        screened({**ALL_NO, "infektion": True})


# --- prefill ---

HISTORY: dict[str, object] = {
    "on_anticoagulants": True,
    "pregnant": False,
    "arthroplasty_right": True,
    "arthroplasty_left": False,
    "allergy_local_anaesthetic": False,
    "diabetes": False,
    "last_corticosteroid_injection_on": None,
}


def test_prefill_from_yes_no_fields() -> None:
    answers = prefill(RULES, HISTORY, side="left", today=TODAY)
    assert answers == {
        "infection": None,  # no history field answers it
        "anticoagulants": True,
        "pregnancy": False,
        "arthroplasty": False,
        "anaesthetic_allergy": False,
        "diabetes": False,
        "steroid": False,  # no corticosteroid injection recorded
    }


@pytest.mark.parametrize(("side", "expected"), [("right", True), ("left", False)])
def test_prefill_arthroplasty_from_the_treated_knee(side: str, expected: bool) -> None:
    assert prefill(RULES, HISTORY, side=side, today=TODAY)["arthroplasty"] is expected


def test_prefill_diabetes_only_rules_out() -> None:
    answers = prefill(RULES, {**HISTORY, "diabetes": True}, side="right", today=TODAY)
    assert answers["diabetes"] is None  # diabetes is recorded; whether uncontrolled is asked


@pytest.mark.parametrize(
    ("days_ago", "expected"),
    [(0, True), (89, True), (90, True), (91, False), (400, False)],
)
def test_prefill_corticosteroid_window_is_inclusive(days_ago: int, expected: bool) -> None:
    """Exactly 90 days before today still counts as recent; 91 days does not."""
    history = {**HISTORY, "last_corticosteroid_injection_on": TODAY - dt.timedelta(days_ago)}
    assert prefill(RULES, history, side="right", today=TODAY)["steroid"] is expected


def test_prefill_without_a_history_leaves_everything_open() -> None:
    assert set(prefill(RULES, {}, side="right", today=TODAY).values()) == {None}
    partial = prefill(RULES, {"pregnant": None}, side="right", today=TODAY)
    assert partial["pregnancy"] is None


@pytest.mark.parametrize(
    ("history", "message"),
    [
        ({"pregnant": "no"}, "yes/no"),
        ({"last_corticosteroid_injection_on": "2026-05-01"}, "must be a date"),
        ({"last_corticosteroid_injection_on": dt.datetime(2026, 5, 1, tzinfo=dt.UTC)}, "a date"),
        ({"last_corticosteroid_injection_on": dt.date(2026, 6, 2)}, "after today"),
    ],
)
def test_prefill_refuses_bad_history_values(history: dict[str, object], message: str) -> None:
    with pytest.raises(ScreeningError, match=message):
        prefill(RULES, history, side="right", today=TODAY)


def test_prefill_refuses_an_unknown_side() -> None:
    with pytest.raises(ScreeningError, match="knee side"):
        prefill(RULES, HISTORY, side="both", today=TODAY)


# --- the shipped rules end to end ---


def test_shipped_rules_prefilled_from_a_history() -> None:
    rules = screening_rules()
    history = {
        "on_anticoagulants": False,
        "bleeding_disorder": False,
        "diabetes": True,
        "arthroplasty_right": False,
        "arthroplasty_left": True,
        "allergy_local_anaesthetic": True,
        "allergy_corn_dextrose": False,
        "pregnant": False,
        "last_corticosteroid_injection_on": TODAY - dt.timedelta(days=30),
    }
    answers = prefill(rules, history, side="left", today=TODAY)
    assert answers["arthroplasty_same_knee"] is True
    assert answers["local_anaesthetic_allergy"] is True
    assert answers["recent_corticosteroid_injection"] is True
    assert answers["uncontrolled_diabetes"] is None
    filled = {code: False if value is None else value for code, value in answers.items()}

    ea_without_lidocaine = screen(rules, filled, planned_approaches=EA, uses_lidocaine=False)
    assert not ea_without_lidocaine.blocked
    assert ea_without_lidocaine.warnings == ("recent_corticosteroid_injection",)

    ia_with_lidocaine = screen(rules, filled, planned_approaches=IA, uses_lidocaine=True)
    assert ia_with_lidocaine.blocking == ("arthroplasty_same_knee", "local_anaesthetic_allergy")
    assert ia_with_lidocaine.advice[-3].code == "nsaids"
