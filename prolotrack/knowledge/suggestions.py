"""Next-step suggestion rules as data: ``suggestions.toml`` -> `RuleSet`.

The pydantic models check the shape; `prolotrack.domain.suggestions` parses each condition and
checks it names a known fact with a fitting value. Anything malformed raises a `KnowledgeError`
naming the origin and the rule. It imports nothing from Django.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from prolotrack.domain.suggestions import (
    RuleSet,
    SuggestionRule,
    SuggestionRuleError,
    check_reason_template,
    parse_condition,
)
from prolotrack.knowledge.catalogue import KnowledgeError

SHIPPED_FILE = "suggestions.toml"

_MODEL_CONFIG = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class _RuleEntry(BaseModel):
    model_config = _MODEL_CONFIG

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)
    when: tuple[str, ...] = Field(min_length=1)
    text: str = Field(min_length=1, max_length=500)
    reason: str = Field(min_length=1)
    source: str = Field(min_length=1, max_length=500)
    priority: int = Field(ge=1, le=99, strict=True)
    exclusive: bool = Field(default=False, strict=True)


class _RulesDocument(BaseModel):
    model_config = _MODEL_CONFIG

    version: str = Field(min_length=1, max_length=80)
    rules: tuple[_RuleEntry, ...] = Field(min_length=1)


def rules_from_data(data: Mapping[str, Any], *, origin: str) -> RuleSet:
    """Validate suggestion rules (the shipped file or a clinic's) into a `RuleSet`."""
    try:
        document = _RulesDocument.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc'])}: {problem['msg']}"
            for problem in error.errors(include_url=False)
        )
        raise KnowledgeError(f"{origin}: {problems}") from error
    rules: list[SuggestionRule] = []
    seen: set[str] = set()
    for position, entry in enumerate(document.rules, start=1):
        name = f"{origin}: rule {position} ({entry.code})"
        if entry.code in seen:
            raise KnowledgeError(f"{name}: the code is used by an earlier rule")
        seen.add(entry.code)
        try:
            conditions = tuple(parse_condition(text) for text in entry.when)
            check_reason_template(entry.reason)
        except SuggestionRuleError as error:
            raise KnowledgeError(f"{name}: {error}") from error
        rules.append(
            SuggestionRule(
                code=entry.code,
                when=conditions,
                text=entry.text,
                reason=entry.reason,
                source=entry.source,
                priority=entry.priority,
                exclusive=entry.exclusive,
            )
        )
    return RuleSet(version=document.version, rules=tuple(rules))


def rules_from_toml(text: str, *, origin: str) -> RuleSet:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise KnowledgeError(f"{origin}: cannot read the file: {error}") from error
    return rules_from_data(data, origin=origin)


@cache
def default_rules() -> RuleSet:
    """The shipped suggestion rules."""
    text = files("prolotrack.knowledge").joinpath(SHIPPED_FILE).read_text(encoding="utf-8")
    return rules_from_toml(text, origin=SHIPPED_FILE)
