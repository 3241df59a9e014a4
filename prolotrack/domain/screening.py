"""Pre-session screening: contraindication rules, answers in, a result out.

Pure: no Django, no I/O. The rules are data (`knowledge/contraindications.toml`, clinical.md
§3) validated by `prolotrack.knowledge.screening`. An answer of True means the condition the
question asks about is present; None (or no answer) means nobody has answered it yet.

`screen` applies the rules to a session's plan: an absolute contraindication answered yes
blocks, relative and caution items answered yes warn, unanswered items are listed. A rule
for intra-articular injections only counts when the plan has one; a rule for lidocaine only
when a syringe contains it. Overriding a block is the caller's business (it records who, why
and when); so is refusing to mark a session done while questions are unanswered.

`prefill` proposes answers from the patient's medical history, given as a plain mapping of
the history's field names (the Django model stays outside the core).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Set
from dataclasses import dataclass
from typing import Literal

Severity = Literal["absolute", "relative", "caution"]
AppliesTo = Literal["session", "intra_articular", "lidocaine"]
PrefillKind = Literal["flag", "knee_flag", "rules_out", "within_days"]
KNEE_SIDES = ("right", "left")


class ScreeningError(ValueError):
    """Answers or history that the rules cannot be applied to."""


@dataclass(frozen=True, slots=True)
class Prefill:
    """How the medical history answers a question by default.

    - "flag": the yes/no history field is the answer.
    - "knee_flag": the field of the knee being treated (`right_field` or `left_field`).
    - "rules_out": the field can only say no (False -> no); when it says yes the question stays
      open, because the history alone does not settle it (diabetes is not *uncontrolled*
      diabetes).
    - "within_days": a date field; yes when the date is at most `window_days` days before
      today (inclusive: exactly `window_days` days ago still counts), no when older or absent.
    """

    kind: PrefillKind
    field: str = ""
    right_field: str = ""
    left_field: str = ""
    window_days: int | None = None


@dataclass(frozen=True, slots=True)
class ScreeningRule:
    code: str
    question: str  # our own short wording for the checklist; yes = the condition is present
    severity: Severity
    applies_to: AppliesTo
    prefill: Prefill | None
    advice: str
    source: str
    confirmed: bool
    note: str


@dataclass(frozen=True, slots=True)
class Advice:
    """Advice text: a rule's, or a standing entry that never blocks (such as NSAIDs)."""

    code: str
    text: str
    source: str
    confirmed: bool


@dataclass(frozen=True, slots=True)
class ScreeningRules:
    version: str
    rules: tuple[ScreeningRule, ...]
    advice: tuple[Advice, ...]  # standing advice shown at every screening

    def rule(self, code: str) -> ScreeningRule:
        for rule in self.rules:
            if rule.code == code:
                return rule
        raise ScreeningError(f"no screening rule {code!r}")


@dataclass(frozen=True, slots=True)
class ScreeningResult:
    """What the answers mean for this session's plan; codes are rule codes, in rule order."""

    blocked: bool
    blocking: tuple[str, ...]  # absolute contraindications answered yes
    warnings: tuple[str, ...]  # relative and caution items answered yes
    advice: tuple[Advice, ...]  # advice of the rules answered yes, then the standing advice
    unanswered: tuple[str, ...]  # rules that apply to this plan with no answer yet
    not_applicable: tuple[str, ...]  # rules this plan does not touch (no IA, no lidocaine)


def applies(rule: ScreeningRule, *, planned_approaches: Set[str], uses_lidocaine: bool) -> bool:
    """Whether `rule` matters for a session with these approaches and this anaesthetic."""
    if rule.applies_to == "intra_articular":
        return "intra_articular" in planned_approaches
    if rule.applies_to == "lidocaine":
        return uses_lidocaine
    return True


def screen(
    rules: ScreeningRules,
    answers: Mapping[str, bool | None],
    *,
    planned_approaches: Set[str],
    uses_lidocaine: bool,
) -> ScreeningResult:
    """Apply the rules to one session's answers and plan."""
    unknown = sorted(set(answers) - {rule.code for rule in rules.rules})
    if unknown:
        raise ScreeningError(f"answers for unknown screening rules: {', '.join(unknown)}")
    blocking: list[str] = []
    warnings: list[str] = []
    advice: list[Advice] = []
    unanswered: list[str] = []
    not_applicable: list[str] = []
    for rule in rules.rules:
        answer = answers.get(rule.code)
        if not applies(rule, planned_approaches=planned_approaches, uses_lidocaine=uses_lidocaine):
            not_applicable.append(rule.code)
        elif answer is None:
            unanswered.append(rule.code)
        elif answer:
            (blocking if rule.severity == "absolute" else warnings).append(rule.code)
            advice.append(Advice(rule.code, rule.advice, rule.source, rule.confirmed))
    return ScreeningResult(
        blocked=bool(blocking),
        blocking=tuple(blocking),
        warnings=tuple(warnings),
        advice=(*advice, *rules.advice),
        unanswered=tuple(unanswered),
        not_applicable=tuple(not_applicable),
    )


def prefill(
    rules: ScreeningRules, history: Mapping[str, object], *, side: str, today: dt.date
) -> dict[str, bool | None]:
    """Proposed answers from the history, for every rule (None where it cannot say).

    `history` maps the medical history's field names to their values; a field that is
    missing (no history recorded) leaves its question unanswered. `side` is the knee
    treated ('right' or 'left'); `today` is the session day in the clinic's time zone.
    """
    if side not in KNEE_SIDES:
        raise ScreeningError(f"unknown knee side {side!r}: expected 'right' or 'left'")
    return {
        rule.code: None
        if rule.prefill is None
        else _prefilled(rule.code, rule.prefill, history, side, today)
        for rule in rules.rules
    }


def _prefilled(
    code: str, how: Prefill, history: Mapping[str, object], side: str, today: dt.date
) -> bool | None:
    if how.kind == "within_days":
        return _within_days(code, history, how, today)
    field = how.field
    if how.kind == "knee_flag":
        field = how.right_field if side == "right" else how.left_field
    value = _flag(code, history, field)
    if how.kind == "rules_out" and value:
        return None
    return value


def _flag(code: str, history: Mapping[str, object], field: str) -> bool | None:
    if field not in history or history[field] is None:
        return None
    value = history[field]
    if not isinstance(value, bool):
        raise ScreeningError(f"{code}: history field {field!r} must be yes/no, not {value!r}")
    return value


def _within_days(
    code: str, history: Mapping[str, object], how: Prefill, today: dt.date
) -> bool | None:
    if how.field not in history:
        return None
    value = history[how.field]
    if value is None:
        return False  # the history records no such date
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ScreeningError(f"{code}: history field {how.field!r} must be a date, not {value!r}")
    if value > today:
        raise ScreeningError(f"{code}: {how.field} {value.isoformat()} is after today")
    if how.window_days is None:
        raise ScreeningError(f"{code}: a within_days prefill needs window_days")
    return (today - value).days <= how.window_days
