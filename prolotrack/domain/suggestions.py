"""Next-step suggestions: facts about one course in, the rules that apply out, with reasons.

Pure: no Django, no I/O. The rules are data (`prolotrack/knowledge/suggestions.toml`, loaded by
`prolotrack.knowledge.suggestions`); this module only evaluates them. A rule applies when every
one of its conditions holds. A condition on a fact that is unknown (None: no follow-up
questionnaire yet, so no MCID verdict) never holds, whatever the operator. When a rule marked
`exclusive` applies (hold after a serious adverse event), only the exclusive rules that apply
are returned. Results are ordered by priority (1 first), then by code. Nothing is ever applied:
the clinician decides.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, fields
from typing import Literal

Operator = Literal["=", "!=", ">=", "<=", ">", "<"]
OPERATORS: tuple[Operator, ...] = (">=", "<=", "!=", "=", ">", "<")  # longest first for parsing

FactValue = bool | int | None


class SuggestionRuleError(ValueError):
    """A rule that names an unknown fact, compares a yes/no fact by size, or the like."""


@dataclass(frozen=True, slots=True)
class CourseFacts:
    """What the rules may look at, for one course at one point in time.

    `after_sessions`: done sessions. `course_complete`: every required session done (or the
    course marked completed). `protocol_has_optional_sessions`: the protocol allows extra
    sessions not yet given (Rabago weeks 13 and 17). `has_followup`: a questionnaire after
    baseline exists. `any_mcid` / `all_mcid`: some / every score with an MCID reached it
    (None without a follow-up). `omeract_responder`: the OMERACT-OARSI verdict (None when it
    cannot be computed). `partial`: some improvement, but not a full response. `worsening`: a
    score got worse by at least its MCID. `serious_adverse_event`: one was recorded on the
    course.
    """

    after_sessions: int
    course_complete: bool
    protocol_has_optional_sessions: bool
    has_followup: bool
    any_mcid: bool | None
    all_mcid: bool | None
    omeract_responder: bool | None
    partial: bool | None
    worsening: bool | None
    serious_adverse_event: bool
    serious_adverse_events: int = 0

    def value(self, name: str) -> FactValue:
        if name not in FACT_NAMES:
            raise SuggestionRuleError(f"unknown fact {name!r}; known: {', '.join(FACT_NAMES)}")
        value: FactValue = getattr(self, name)
        return value


FACT_NAMES: tuple[str, ...] = tuple(field.name for field in fields(CourseFacts))
COUNT_FACTS = frozenset({"after_sessions", "serious_adverse_events"})


@dataclass(frozen=True, slots=True)
class Condition:
    fact: str
    operator: Operator
    value: bool | int

    def __post_init__(self) -> None:
        if self.fact not in FACT_NAMES:
            raise SuggestionRuleError(f"unknown fact {self.fact!r}; known: {', '.join(FACT_NAMES)}")
        if self.fact in COUNT_FACTS:
            if isinstance(self.value, bool) or not isinstance(self.value, int):
                raise SuggestionRuleError(f"{self.fact} is a count: compare it with a number")
        else:
            if not isinstance(self.value, bool):
                raise SuggestionRuleError(f"{self.fact} is yes/no: compare it with true or false")
            if self.operator not in ("=", "!="):
                raise SuggestionRuleError(f"{self.fact} is yes/no: use = or !=")

    def holds(self, facts: CourseFacts) -> bool:
        actual = facts.value(self.fact)
        if actual is None:
            return False
        match self.operator:
            case "=":
                return actual == self.value
            case "!=":
                return actual != self.value
            case ">=":
                return actual >= self.value
            case "<=":
                return actual <= self.value
            case ">":
                return actual > self.value
            case "<":
                return actual < self.value
        raise SuggestionRuleError(f"unknown operator {self.operator!r}")  # pragma: no cover

    def __str__(self) -> str:
        shown = str(self.value).lower() if isinstance(self.value, bool) else str(self.value)
        return f"{self.fact} {self.operator} {shown}"


def parse_condition(text: str) -> Condition:
    """``"after_sessions >= 2"`` or ``"worsening = true"`` -> `Condition`."""
    for operator in OPERATORS:
        fact, found, raw = text.partition(operator)
        if found:
            return Condition(fact.strip(), operator, _parse_value(raw.strip(), text))
    raise SuggestionRuleError(
        f"cannot read condition {text!r}: expected 'fact OP value' with OP one of "
        f"{', '.join(OPERATORS)}"
    )


def _parse_value(raw: str, text: str) -> bool | int:
    if raw == "true":
        return True
    if raw == "false":
        return False
    if raw.isdigit():
        return int(raw)
    raise SuggestionRuleError(
        f"cannot read condition {text!r}: {raw!r} is not true, false or a count"
    )


@dataclass(frozen=True, slots=True)
class SuggestionRule:
    code: str
    when: tuple[Condition, ...]
    text: str
    reason: str  # a template: {after_sessions}, {serious_adverse_events}, ... from the facts
    source: str
    priority: int
    exclusive: bool = False

    def applies(self, facts: CourseFacts) -> bool:
        return all(condition.holds(facts) for condition in self.when)

    def reason_for(self, facts: CourseFacts) -> str:
        values = {name: _shown(facts.value(name)) for name in FACT_NAMES}
        return self.reason.format_map(values)


def check_reason_template(template: str) -> None:
    """A reason may only name facts; anything else raises `SuggestionRuleError`."""
    for _, name, spec, conversion in string.Formatter().parse(template):
        if name is None:
            continue
        if name not in FACT_NAMES or spec or conversion:
            raise SuggestionRuleError(
                f"reason placeholder {{{name}}} is not a fact; known: {', '.join(FACT_NAMES)}"
            )


def _shown(value: FactValue) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


@dataclass(frozen=True, slots=True)
class RuleSet:
    version: str
    rules: tuple[SuggestionRule, ...]


@dataclass(frozen=True, slots=True)
class NextStep:
    """One suggestion for the clinician, with why it was made and where the rule comes from."""

    code: str
    text: str
    reason: str
    source: str
    priority: int


def suggest(facts: CourseFacts, rules: RuleSet) -> tuple[NextStep, ...]:
    """The suggestions that apply to `facts`, most important first (see the module docstring)."""
    applying = [rule for rule in rules.rules if rule.applies(facts)]
    exclusive = [rule for rule in applying if rule.exclusive]
    chosen = exclusive or applying
    ordered = sorted(chosen, key=lambda rule: (rule.priority, rule.code))
    return tuple(
        NextStep(
            code=rule.code,
            text=rule.text,
            reason=rule.reason_for(facts),
            source=rule.source,
            priority=rule.priority,
        )
        for rule in ordered
    )
