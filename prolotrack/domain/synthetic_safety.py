"""Safety records for the synthetic cohort (pure Python, no Django, no I/O).

For every done session: the pre-session screening, answered from the patient's history and
scored with the real `domain.screening.screen`, and the lidocaine dose check, computed with the
real `domain.dosing.session_check` from the session's injections and the weight taken at the
visit; adverse events (`synthetic_events`). Everything is drawn from a separate
generator per patient (`safety_rng`), so a patient is otherwise identical with and without it.

Screening answers: the history's prefill (`domain.screening.prefill`, as of the session day: a
corticosteroid injection dated after the session is not yet known), then what the clinician
would say for the rest: no infection, fracture or flare; "tendon among the targets" yes when a
patellar or quadriceps tendon site is injected; "diabetes not well controlled" yes when the
last HbA1c is at least 8.5 % (an illustrative cut-off of this generator, not a clinical rule:
clinical.md §3 found no threshold). Overrides of an absolute contraindication (about 1-2 % of
done sessions): a patient with a recorded bleeding disorder has "severe bleeding disorder"
prefilled yes and every session overridden after the haematologist agreed (0.5 % of patients),
and about 1 % of other sessions have skin trouble near a planned site, overridden with a
written reason. Weights: a visit whose latest weight is missing or older than the limits'
`weight_max_age_days` weighs the patient that day (the base weight +/- about 1 kg), so every
done session's dose check has a current weight.

Adverse events: `synthetic_events` (its docstring cites the rates used).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING

from prolotrack.domain.dosing import (
    DoseLimits,
    DosingError,
    SessionDoseCheck,
    Stock,
    SyringeTarget,
    session_check,
)
from prolotrack.domain.screening import ScreeningResult, ScreeningRules, prefill, screen
from prolotrack.domain.synthetic_events import EVENT_RATES as EVENT_RATES
from prolotrack.domain.synthetic_events import EventRate, with_events

if TYPE_CHECKING:
    from prolotrack.domain.synthetic import SyntheticPatient, SyntheticSession

TENDON_SITES = frozenset(
    {"patellar_tendon_proximal", "patellar_tendon_distal", "quadriceps_tendon"}
)
UNCONTROLLED_HBA1C_PCT = Decimal("8.5")  # illustrative only (see the module docstring)
SKIN_OVERRIDE_SHARE = 0.01  # of done sessions
LIDOCAINE_STOCKS_PCT = (1, 2)  # the 1 % stock, else the 2 % one when 1 % cannot make the mix

BLEEDING_OVERRIDE_REASONS = (
    "Haematologist agreed to proceed; fewer insertions and pressure held at each site.",
    "Mild disorder on recent review by haematology; extra-articular sites limited, pressure held.",
)
SKIN_OVERRIDE_REASONS = (
    "Small patch of dermatitis over one planned site only; that site left out, others injected.",
    "Healed graze near the medial sites, no infection on examination; sites moved away from it.",
)


@dataclass(frozen=True, slots=True)
class SyntheticWeight:
    measured_on: date
    weight_kg: Decimal


@dataclass(frozen=True, slots=True)
class SyntheticScreening:
    answers: Mapping[str, bool]
    result: ScreeningResult
    rules_version: str
    completed_at: datetime
    override_reason: str = ""  # non-empty when a clinician overrode a block
    overridden_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SyntheticDoseCheck:
    lidocaine_stock_pct: int
    epinephrine: bool
    weight: SyntheticWeight
    check: SessionDoseCheck
    checked_at: datetime


@dataclass(frozen=True, slots=True)
class SyntheticSessionSafety:
    screening: SyntheticScreening
    dose_check: SyntheticDoseCheck


@dataclass(frozen=True)
class SafetyPlan:
    """What the safety records are computed with: the screening rules and dose limits (the
    shipped knowledge in the demo) and the event rates."""

    rules: ScreeningRules
    limits: DoseLimits
    rates: tuple[EventRate, ...] = EVENT_RATES


def default_safety_plan() -> SafetyPlan:
    """The shipped contraindications and dosing facts with the rates above."""
    from prolotrack.knowledge.dosing import dose_limits
    from prolotrack.knowledge.screening import screening_rules

    return SafetyPlan(rules=screening_rules(), limits=dose_limits())


def safety_rng(*, seed: int, mrn_prefix: str, index: int) -> random.Random:
    """Separate from the patient's own generator, so safety records change nothing else."""
    return random.Random(f"{seed}:{mrn_prefix}:{index}:safety")


def with_safety(
    patient: SyntheticPatient, *, plan: SafetyPlan, rng: random.Random, today: date
) -> SyntheticPatient:
    """The patient with visit weights, per-session screening and dose checks, and events."""
    weights = _visit_weights(patient, plan.limits.weight_max_age_days, rng)
    known = [SyntheticWeight(patient.weight_measured_on, patient.weight_kg), *weights]
    bleeding = patient.history.bleeding_disorder
    courses = [
        replace(
            course,
            sessions=tuple(
                _with_session_safety(session, course.side, patient, known, bleeding, plan, rng)
                for session in course.sessions
            ),
        )
        for course in patient.courses
    ]
    courses = with_events(courses, plan.rates, rng, today)
    return replace(patient, courses=tuple(courses), visit_weights=tuple(weights))


# --- Weights ---------------------------------------------------------------------------------


def _visit_weights(
    patient: SyntheticPatient, max_age_days: int, rng: random.Random
) -> list[SyntheticWeight]:
    days = sorted(
        {s.scheduled_at.date() for c in patient.courses for s in c.sessions if s.status == "done"}
    )
    known = [SyntheticWeight(patient.weight_measured_on, patient.weight_kg)]
    added: list[SyntheticWeight] = []
    for day in days:
        latest = _latest(known, day)
        if latest is None or (day - latest.measured_on).days > max_age_days:
            drift = Decimal(f"{rng.gauss(0, 1.0):.1f}")
            weight = SyntheticWeight(day, max(patient.weight_kg + drift, Decimal("2.0")))
            known.append(weight)
            added.append(weight)
    return added


def _latest(weights: Sequence[SyntheticWeight], day: date) -> SyntheticWeight | None:
    """The latest weight on or before `day` (as `safety.doses` picks it)."""
    earlier = [weight for weight in weights if weight.measured_on <= day]
    return max(earlier, key=lambda weight: weight.measured_on, default=None)


# --- Screening and dose check ------------------------------------------------------------------


def _with_session_safety(
    session: SyntheticSession,
    side: str,
    patient: SyntheticPatient,
    weights: Sequence[SyntheticWeight],
    bleeding: bool,
    plan: SafetyPlan,
    rng: random.Random,
) -> SyntheticSession:
    if session.status != "done":
        return session
    day = session.scheduled_at.date()
    weight = _latest(weights, day)
    assert weight is not None  # _visit_weights weighed every done visit that needed it
    screening = _screening(session, side, patient, bleeding, plan.rules, rng)
    dose_check = _dose_check(session, weight, plan.limits, rng)
    return replace(session, safety=SyntheticSessionSafety(screening, dose_check))


def history_on(patient: SyntheticPatient, day: date) -> dict[str, object]:
    """The history fields screening reads, as known on `day` (later dates not yet known)."""
    history = patient.history
    steroid = history.last_corticosteroid_injection_on
    hba1c_on = history.hba1c_measured_on
    return {
        "on_anticoagulants": history.on_anticoagulants,
        "bleeding_disorder": history.bleeding_disorder,
        "diabetes": history.diabetes,
        "arthroplasty_right": history.arthroplasty_right,
        "arthroplasty_left": history.arthroplasty_left,
        "allergy_local_anaesthetic": history.allergy_local_anaesthetic,
        "allergy_corn_dextrose": history.allergy_corn_dextrose,
        "pregnant": history.pregnant,
        "last_corticosteroid_injection_on": steroid if steroid and steroid <= day else None,
        "hba1c_measured_on": hba1c_on if hba1c_on and hba1c_on <= day else None,
    }


def _clinician_answer(code: str, session: SyntheticSession, patient: SyntheticPatient) -> bool:
    """What the clinician answers where the history cannot say."""
    if code == "tendon_substance_injection":
        return any(injection.site_code in TENDON_SITES for injection in session.injections)
    if code == "uncontrolled_diabetes":
        hba1c = patient.history.hba1c_pct
        return hba1c is not None and hba1c >= UNCONTROLLED_HBA1C_PCT
    return False


def session_plan(session: SyntheticSession) -> tuple[set[str], bool]:
    """(approaches, uses lidocaine), as `safety.screening.session_plan` reads a session."""
    approaches = {injection.approach for injection in session.injections}
    if not approaches:
        return {"intra_articular", "extra_articular"}, True
    return approaches, any(injection.lidocaine_pct > 0 for injection in session.injections)


def _screening(
    session: SyntheticSession,
    side: str,
    patient: SyntheticPatient,
    bleeding: bool,
    rules: ScreeningRules,
    rng: random.Random,
) -> SyntheticScreening:
    day = session.scheduled_at.date()
    proposed = prefill(rules, history_on(patient, day), side=side, today=day)
    answers = {
        code: answer if answer is not None else _clinician_answer(code, session, patient)
        for code, answer in proposed.items()
    }
    reason = ""
    if bleeding:
        reason = rng.choice(BLEEDING_OVERRIDE_REASONS)
    elif rng.random() < SKIN_OVERRIDE_SHARE:
        answers["skin_infection_at_site"] = True
        reason = rng.choice(SKIN_OVERRIDE_REASONS)
    approaches, lidocaine = session_plan(session)
    result = screen(rules, answers, planned_approaches=approaches, uses_lidocaine=lidocaine)
    completed_at = session.scheduled_at - timedelta(minutes=rng.randint(10, 25))
    if not result.blocked:
        return SyntheticScreening(answers, result, rules.version, completed_at)
    return SyntheticScreening(
        answers,
        result,
        rules.version,
        completed_at,
        override_reason=reason,
        overridden_at=completed_at + timedelta(minutes=rng.randint(1, 5)),
    )


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}"


def syringe_targets(session: SyntheticSession) -> list[SyringeTarget]:
    """One syringe per (dextrose %, lidocaine %), volumes summed, as `safety.doses` groups."""
    volumes: dict[tuple[Decimal, Decimal], Decimal] = {}
    for injection in session.injections:
        key = (injection.dextrose_pct, injection.lidocaine_pct)
        volumes[key] = volumes.get(key, Decimal(0)) + injection.volume_ml
    return [
        SyringeTarget(
            label=f"dextrose {_number(dextrose)} %, lidocaine {_number(lidocaine)} %",
            final_volume_ml=volume,
            dextrose_pct=dextrose,
            lidocaine_pct=lidocaine,
        )
        for (dextrose, lidocaine), volume in sorted(volumes.items())
    ]


@lru_cache(maxsize=4096)
def _unweighed(
    targets: tuple[SyringeTarget, ...], limits: DoseLimits
) -> tuple[int, SessionDoseCheck]:
    """`session_check` without a weight, with the 1 % lidocaine stock, else the 2 % one.
    Cached: the cohort repeats a few hundred syringe sets (and the exact arithmetic is slow)."""
    for stock_pct in LIDOCAINE_STOCKS_PCT:
        stock = Stock(lidocaine_pct=Decimal(stock_pct), epinephrine=False)
        try:
            return stock_pct, session_check(stock, targets, weight_kg=None, limits=limits)
        except DosingError:
            continue
    raise DosingError(f"no lidocaine stock makes {[target.label for target in targets]}")


def weighed(check: SessionDoseCheck, weight_kg: Decimal, limits: DoseLimits) -> SessionDoseCheck:
    """What `session_check` gives with the weight: the same recipes and totals, the weight's
    maximum (`LidocaineMaximum.for_weight`) and without the "weight unknown" note. A test
    checks that this equals `session_check` with the weight."""
    maximum = limits.lidocaine_maximum(epinephrine=check.epinephrine).for_weight(weight_kg)
    notes = tuple(note for note in check.notes if not note.startswith("weight unknown"))
    return replace(
        check,
        weight_kg=weight_kg,
        max_lidocaine_mg=maximum,
        within_limit=check.total_lidocaine_mg <= maximum,
        notes=notes,
    )


def _dose_check(
    session: SyntheticSession, weight: SyntheticWeight, limits: DoseLimits, rng: random.Random
) -> SyntheticDoseCheck:
    checked_at = session.scheduled_at - timedelta(minutes=rng.randint(1, 9))
    stock_pct, check = _unweighed(tuple(syringe_targets(session)), limits)
    return SyntheticDoseCheck(
        stock_pct, False, weight, weighed(check, weight.weight_kg, limits), checked_at
    )
