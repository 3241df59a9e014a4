"""Response to treatment: change against an MCID and a PASS, and the OMERACT-OARSI responder rule.

Pure: scores and thresholds in, frozen results out. The thresholds are data
(`prolotrack/knowledge/thresholds.toml`, clinical.md §6 and Appendix B); this module only
applies them.

Orientation. Every rule works on the "worse is higher" orientation, so that a decrease is an
improvement (Appendix B). A higher-is-better score (KOOS, VISA-P, Lysholm) is converted with
``scale_max - score`` first. Absolute improvement = oriented baseline - oriented follow-up;
relative improvement = absolute / oriented baseline (None when the oriented baseline is 0: a
score at its best cannot improve).

Floating point. Scores arrive as floats, and binary floats cannot hold most decimals: 51.5 ->
41.2 is exactly 20 % on paper, but ``(51.5 - 41.2) / 51.5 < 0.2`` in floats. So:

1. each float is read as the decimal it prints as (``Decimal(repr(x))``: 51.5 is 51.5), and all
   arithmetic is done in `decimal`, which makes every change between scores written with a few
   decimals exact (70.3 -> 50.3 is 20, not 19.999...);
2. a score that was itself computed in binary floating point (a WOMAC sum / 68 x 100, a sum
   like 0.1 + 0.2) carries noise near 1e-15, which step 1 keeps; so a value *reaches* a
   threshold when it is at least ``threshold - TOLERANCE``, with `TOLERANCE` = 1e-9, a million
   times that noise and far below any difference a patient or a questionnaire can make.

"Exactly at a threshold counts" everywhere (>=, never >).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Context, Decimal
from typing import Literal

Orientation = Literal["higher_is_better", "higher_is_worse"]
"""How a score reads: KOOS is higher_is_better; WOMAC and an NRS are higher_is_worse (§5)."""

McidRule = Literal["either", "both"]
"""With a points and a relative MCID: reaching either counts (Farrar 2001: 2 points OR 30 %),
or both must be reached."""

DomainName = Literal["pain", "function", "global"]
ExclusionReason = Literal["missing_baseline", "missing_followup", "baseline_zero"]

ORIENTATIONS: tuple[Orientation, ...] = ("higher_is_better", "higher_is_worse")
DOMAIN_NAMES: tuple[DomainName, ...] = ("pain", "function", "global")
HIGH_IMPROVEMENT_DOMAINS: tuple[DomainName, ...] = ("pain", "function")
OMERACT_SCALE_MAX = 100.0

ARITHMETIC = Context(prec=34)
"""Explicit, so that no caller's thread-wide decimal context changes a result."""

TOLERANCE = Decimal("1e-9")
"""How far below a threshold a value may fall and still reach it (see the module docstring)."""

EXCLUSION_MESSAGES: dict[ExclusionReason, str] = {
    "missing_baseline": "no baseline value",
    "missing_followup": "no follow-up value",
    "baseline_zero": "baseline is 0 (the best score): it cannot improve",
}


class ResponseError(ValueError):
    """A score or threshold the rules cannot use (not a finite number, outside its scale)."""


@dataclass(frozen=True, slots=True)
class OmeractThresholds:
    """The OMERACT-OARSI responder thresholds (Appendix B; numbers UNCONFIRMED, hence data).

    High improvement: pain or function improves by >= `high_relative` (a fraction) and by >=
    `high_points`. Moderate: at least `moderate_minimum_domains` of pain, function and patient
    global improve by >= `moderate_relative` and by >= `moderate_points`.
    """

    high_relative: float
    high_points: float
    moderate_relative: float
    moderate_points: float
    moderate_minimum_domains: int
    source: str
    confirmed: bool
    note: str = ""


@dataclass(frozen=True, slots=True)
class Change:
    """One score from baseline to follow-up; improvements are positive in both orientations.

    `reaches_mcid` is None when no MCID was given; `reaches_mcid_points` and
    `reaches_mcid_relative` say which part was reached (None when that part was not given).
    `reaches_pass` is None when no PASS value was given.
    """

    absolute: float
    relative: float | None
    improved: bool
    reaches_mcid: bool | None
    reaches_mcid_points: bool | None
    reaches_mcid_relative: bool | None
    reaches_pass: bool | None


@dataclass(frozen=True, slots=True)
class Domains:
    """OMERACT-OARSI domains on 0-100 scales; None when not measured.

    `patient_global` is the domain called "global" in results ("global" is a Python keyword).
    """

    pain: float | None = None
    function: float | None = None
    patient_global: float | None = None

    def value(self, name: DomainName) -> float | None:
        return self.patient_global if name == "global" else getattr(self, name)


@dataclass(frozen=True, slots=True)
class DomainImprovement:
    """One domain that counts, in the worse-is-higher orientation.

    `meets_high` is None for the patient global, which is not part of the high criterion.
    """

    domain: DomainName
    baseline: float
    followup: float
    absolute: float
    relative: float
    meets_high: bool | None
    meets_moderate: bool


@dataclass(frozen=True, slots=True)
class ExcludedDomain:
    domain: DomainName
    reason: ExclusionReason

    @property
    def message(self) -> str:
        return EXCLUSION_MESSAGES[self.reason]


@dataclass(frozen=True, slots=True)
class OmeractResult:
    responder: bool
    high_improvement: bool
    moderate_two_of_three: bool
    domains: tuple[DomainImprovement, ...]
    excluded: tuple[ExcludedDomain, ...]


# --- exact arithmetic ---


def exact(value: float) -> Decimal:
    """The decimal a float prints as (70.3 -> Decimal('70.3')); not-finite values raise."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ResponseError(f"{value!r} is not a number")
    if not math.isfinite(value):
        raise ResponseError(f"{value!r} is not a finite number")
    return Decimal(repr(value))


def reaches(value: Decimal, threshold: float) -> bool:
    """Whether `value` is at or above `threshold`, allowing `TOLERANCE` for float noise."""
    return value >= ARITHMETIC.subtract(exact(threshold), TOLERANCE)


def _oriented(value: float, orientation: Orientation, scale_max: float, name: str) -> Decimal:
    number = exact(value)
    maximum = exact(scale_max)
    if not 0 <= number <= maximum:
        raise ResponseError(f"{name}: {value!r} is outside 0-{scale_max:g}")
    if orientation == "higher_is_worse":
        return number
    if orientation == "higher_is_better":
        return ARITHMETIC.subtract(maximum, number)
    raise ResponseError(f"unknown orientation {orientation!r}; expected one of {ORIENTATIONS}")


def to_worse_is_higher(
    value: float, orientation: Orientation, scale_max: float = OMERACT_SCALE_MAX
) -> float:
    """The score on a scale where higher is worse: KOOS 70 -> 30; an NRS or WOMAC unchanged."""
    return float(_oriented(value, orientation, scale_max, "score"))


def _relative(absolute: Decimal, oriented_baseline: Decimal) -> Decimal | None:
    return None if oriented_baseline == 0 else ARITHMETIC.divide(absolute, oriented_baseline)


# --- one score against its MCID and PASS ---


def change(
    baseline: float,
    followup: float,
    *,
    orientation: Orientation,
    mcid_points: float | None = None,
    mcid_relative: float | None = None,
    mcid_rule: McidRule = "either",
    pass_value: float | None = None,
    scale_max: float = OMERACT_SCALE_MAX,
) -> Change:
    """Change of one score, against an MCID (points and/or a fraction of baseline) and a PASS.

    `mcid_points` is an improvement in points; `mcid_relative` a fraction of the oriented
    baseline (0.30 = 30 %); with both, `mcid_rule` says whether either or both must be reached.
    A relative MCID is not reached from an oriented baseline of 0. `pass_value` is on the
    score's own scale: reached when the follow-up is at least as good as it.
    """
    start = _oriented(baseline, orientation, scale_max, "baseline")
    end = _oriented(followup, orientation, scale_max, "follow-up")
    absolute = ARITHMETIC.subtract(start, end)
    relative = _relative(absolute, start)
    by_points = None if mcid_points is None else reaches(absolute, mcid_points)
    by_relative = None
    if mcid_relative is not None:
        by_relative = relative is not None and reaches(relative, mcid_relative)
    return Change(
        absolute=float(absolute),
        relative=None if relative is None else float(relative),
        improved=absolute > TOLERANCE,
        reaches_mcid=_combine(by_points, by_relative, mcid_rule),
        reaches_mcid_points=by_points,
        reaches_mcid_relative=by_relative,
        reaches_pass=_reaches_pass(end, pass_value, orientation, scale_max),
    )


def _combine(by_points: bool | None, by_relative: bool | None, rule: McidRule) -> bool | None:
    parts = [part for part in (by_points, by_relative) if part is not None]
    if not parts:
        return None
    if rule == "either":
        return any(parts)
    if rule == "both":
        return all(parts)
    raise ResponseError(f"unknown mcid_rule {rule!r}; expected 'either' or 'both'")


def _reaches_pass(
    oriented_followup: Decimal,
    pass_value: float | None,
    orientation: Orientation,
    scale_max: float,
) -> bool | None:
    if pass_value is None:
        return None
    oriented_pass = _oriented(pass_value, orientation, scale_max, "PASS value")
    return ARITHMETIC.subtract(oriented_pass, oriented_followup) >= -TOLERANCE


# --- OMERACT-OARSI ---


def omeract_oarsi(
    baseline: Domains,
    followup: Domains,
    *,
    orientation: Orientation,
    thresholds: OmeractThresholds,
) -> OmeractResult:
    """The OMERACT-OARSI responder rule as prolotrack applies it (clinical.md Appendix B).

    A responder has a high improvement (pain or function by >= 50 % and >= 20 points) or a
    moderate one in at least two of pain, function and patient global (>= 20 % and >= 10
    points), with the numbers taken from `thresholds`. Values are 0-100 in `orientation` and
    are converted to worse-is-higher first. A domain missing at either time, or with an
    oriented baseline of 0, does not count and is listed in `excluded`.
    """
    counted: list[DomainImprovement] = []
    excluded: list[ExcludedDomain] = []
    for name in DOMAIN_NAMES:
        outcome = _domain(name, baseline.value(name), followup.value(name), orientation, thresholds)
        if isinstance(outcome, ExcludedDomain):
            excluded.append(outcome)
        else:
            counted.append(outcome)
    high = any(domain.meets_high for domain in counted)
    moderate_count = sum(domain.meets_moderate for domain in counted)
    moderate = moderate_count >= thresholds.moderate_minimum_domains
    return OmeractResult(
        responder=high or moderate,
        high_improvement=high,
        moderate_two_of_three=moderate,
        domains=tuple(counted),
        excluded=tuple(excluded),
    )


def _domain(
    name: DomainName,
    baseline: float | None,
    followup: float | None,
    orientation: Orientation,
    thresholds: OmeractThresholds,
) -> DomainImprovement | ExcludedDomain:
    # Check both values before deciding on exclusion, so a bad number is never hidden.
    start = _optional_oriented(baseline, orientation, f"baseline {name}")
    end = _optional_oriented(followup, orientation, f"follow-up {name}")
    if start is None:
        return ExcludedDomain(name, "missing_baseline")
    if end is None:
        return ExcludedDomain(name, "missing_followup")
    absolute = ARITHMETIC.subtract(start, end)
    relative = _relative(absolute, start)
    if relative is None:
        return ExcludedDomain(name, "baseline_zero")
    high = reaches(relative, thresholds.high_relative) and reaches(absolute, thresholds.high_points)
    moderate = reaches(relative, thresholds.moderate_relative) and reaches(
        absolute, thresholds.moderate_points
    )
    return DomainImprovement(
        domain=name,
        baseline=float(start),
        followup=float(end),
        absolute=float(absolute),
        relative=float(relative),
        meets_high=high if name in HIGH_IMPROVEMENT_DOMAINS else None,
        meets_moderate=moderate,
    )


def _optional_oriented(value: float | None, orientation: Orientation, name: str) -> Decimal | None:
    return None if value is None else _oriented(value, orientation, OMERACT_SCALE_MAX, name)
