"""Safety records for the synthetic cohort (pure Python, no Django, no I/O).

For every done session: the pre-session screening, answered from the patient's history and
scored with the real `domain.screening.screen`, and the lidocaine dose check, computed with the
real `domain.dosing.session_check` from the session's injections and the weight taken at the
visit. Adverse events per patient at the rates below. Everything is drawn from a separate
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

Adverse event rates, per patient with at least one done session (clinical.md §4a):
- post-injection pain flare 10 %: "pain lasting up to 72 h in about 10 % of trial
  participants" (UW-PEARL, https://fammed.wisc.edu/?p=17684). Grade 1 65 %, 2 32 %, 3 3 %
  (CTCAE general definitions, §4b; the split is ours), onset 2-48 h after the session,
  resolved 1-6 days later.
- injection-site reaction 4 % and bruising 5 %: "common and short-lived; no rate given"
  (UW-PEARL; eorthopod summary, https://eorthopod.com/?p=59192). The rates are our
  UNCONFIRMED stand-ins; grade 1, onset 0-24 h, resolved within 10 days.
- vasovagal reaction 0.5 %: §4a found no rate (UNCONFIRMED stand-in); grade 1-2, at the
  session, resolved the same day.
- septic arthritis 1 in 3,000 patients, after an intra-articular injection only: §4a found no
  rate (UNCONFIRMED stand-in for "rare"); grade 3, serious by hospitalisation (ICH E2A, §4b),
  referred, onset 1-4 days after, resolved 2-4 weeks later.
About a quarter of the events came in through the patient's check-in; those whose onset is in
the last 10 days, and a check-in on about 10 % of sessions of the last 14 days, are still
waiting for a clinician to confirm them. Serious events older than 14 days are reviewed.
These rates are demo data in `EVENT_RATES` (each with its source and `confirmed` flag), not
evidence.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
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

if TYPE_CHECKING:
    from prolotrack.domain.synthetic import SyntheticCourse, SyntheticPatient, SyntheticSession

TENDON_SITES = frozenset(
    {"patellar_tendon_proximal", "patellar_tendon_distal", "quadriceps_tendon"}
)
UNCONTROLLED_HBA1C_PCT = Decimal("8.5")  # illustrative only (see the module docstring)
SKIN_OVERRIDE_SHARE = 0.01  # of done sessions
PATIENT_REPORTED_SHARE = 0.25
UNCONFIRMED_WITHIN_DAYS = 10
RECENT_CHECK_IN_DAYS = 14
RECENT_CHECK_IN_SHARE = 0.10
REVIEWED_AFTER_DAYS = 14
LIDOCAINE_STOCKS_PCT = (1, 2)  # the 1 % stock, else the 2 % one when 1 % cannot make the mix

BLEEDING_OVERRIDE_REASONS = (
    "Haematologist agreed to proceed; fewer insertions and pressure held at each site.",
    "Mild disorder on recent review by haematology; extra-articular sites limited, pressure held.",
)
SKIN_OVERRIDE_REASONS = (
    "Small patch of dermatitis over one planned site only; that site left out, others injected.",
    "Healed graze near the medial sites, no infection on examination; sites moved away from it.",
)
PATIENT_WORDS = {
    "pain_flare": (
        "The knee has been much more painful since the injections.",
        "Sore and stiff since the evening after the session, worse on stairs.",
    ),
    "swelling_effusion": ("The knee looks swollen around the kneecap.",),
    "injection_site_reaction": ("Red and tender where the needles went in.",),
    "bruising": ("A bruise came up on the inside of the knee.",),
}


@dataclass(frozen=True, slots=True)
class EventRate:
    """One adverse event term of the demo: how many patients get it, and where that is from."""

    term: str
    per_patient: float
    grades: tuple[tuple[int, float], ...]  # (grade, weight)
    onset_hours: tuple[int, int]
    resolved_days: tuple[int, int]  # after the onset day
    source: str
    confirmed: bool
    criteria: tuple[str, ...] = ()
    needs_intra_articular: bool = False
    relatedness: tuple[str, ...] = ("probable", "probable", "definite", "possible")
    actions: tuple[str, ...] = ("none", "advice", "medication")


EVENT_RATES: tuple[EventRate, ...] = (
    EventRate(
        "pain_flare", 0.10, ((1, 0.65), (2, 0.32), (3, 0.03)), (2, 48), (1, 6),
        "clinical.md §4a: about 10 % of trial participants (UW-PEARL)", True,
    ),
    EventRate(
        "injection_site_reaction", 0.04, ((1, 1.0),), (0, 2), (0, 3),
        "clinical.md §4a: common, no rate given; 4 % is our stand-in", False,
        actions=("none", "advice"),
    ),
    EventRate(
        "bruising", 0.05, ((1, 1.0),), (0, 24), (3, 10),
        "clinical.md §4a: common or less common, no rate given; 5 % is our stand-in", False,
        actions=("none", "advice"),
    ),
    EventRate(
        "vasovagal_reaction", 0.005, ((1, 0.8), (2, 0.2)), (0, 0), (0, 0),
        "clinical.md §4a: rate UNCONFIRMED; 0.5 % is our stand-in", False,
        relatedness=("definite",), actions=("advice",),
    ),
    EventRate(
        "infection", 1 / 3000, ((3, 1.0),), (24, 96), (14, 28),
        "clinical.md §4a: septic arthritis rate UNCONFIRMED; 1 in 3,000 is our stand-in", False,
        criteria=("hospitalisation",), needs_intra_articular=True,
        relatedness=("probable",), actions=("referred",),
    ),
)  # fmt: skip


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


@dataclass(frozen=True, slots=True)
class SyntheticAdverseEvent:
    session_index: int  # of the course's sessions
    term: str
    onset_on: date
    onset_after_hours: int | None
    grade: int | None  # None while unconfirmed
    criteria: tuple[str, ...]
    relatedness: str  # "" while unconfirmed
    action_taken: str
    outcome: str  # "recovered" | "recovering" | "unknown"
    resolved_on: date | None
    reported_by_patient: bool
    patient_description: str
    confirmed_at: datetime | None
    reviewed_at: datetime | None

    @property
    def is_serious(self) -> bool:
        return bool(self.criteria)


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
    courses = _with_events(courses, plan.rates, rng, today)
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


# --- Adverse events ------------------------------------------------------------------------------


def _with_events(
    courses: list[SyntheticCourse], rates: Sequence[EventRate], rng: random.Random, today: date
) -> list[SyntheticCourse]:
    done = [
        (course_index, session_index, session)
        for course_index, course in enumerate(courses)
        for session_index, session in enumerate(course.sessions)
        if session.status == "done"
    ]
    if not done:
        return courses
    events: dict[int, list[SyntheticAdverseEvent]] = {}
    for rate in rates:
        eligible = [item for item in done if not rate.needs_intra_articular or _has_ia(item[2])]
        if not eligible or rng.random() >= rate.per_patient:
            continue
        course_index, session_index, session = rng.choice(eligible)
        event = _event(rate, session_index, session, rng, today)
        if event is not None:
            events.setdefault(course_index, []).append(event)
    for course_index, session_index, session in done:
        days_ago = (today - session.scheduled_at.date()).days
        if days_ago <= RECENT_CHECK_IN_DAYS and rng.random() < RECENT_CHECK_IN_SHARE:
            term = rng.choice(("pain_flare", "swelling_effusion", "injection_site_reaction"))
            onset = session.scheduled_at.date() + timedelta(days=rng.randint(0, min(days_ago, 2)))
            events.setdefault(course_index, []).append(
                _unconfirmed(term, session_index, onset, rng)
            )
    return [
        replace(course, adverse_events=tuple(events.get(index, ()))) if index in events else course
        for index, course in enumerate(courses)
    ]


def _has_ia(session: SyntheticSession) -> bool:
    return any(injection.approach == "intra_articular" for injection in session.injections)


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def _unconfirmed(
    term: str, session_index: int, onset: date, rng: random.Random
) -> SyntheticAdverseEvent:
    return SyntheticAdverseEvent(
        session_index=session_index,
        term=term,
        onset_on=onset,
        onset_after_hours=None,
        grade=None,
        criteria=(),
        relatedness="",
        action_taken="",
        outcome="unknown",
        resolved_on=None,
        reported_by_patient=True,
        patient_description=rng.choice(PATIENT_WORDS.get(term, ("A problem after the session.",))),
        confirmed_at=None,
        reviewed_at=None,
    )


def _event(
    rate: EventRate,
    session_index: int,
    session: SyntheticSession,
    rng: random.Random,
    today: date,
) -> SyntheticAdverseEvent | None:
    """One event after `session`; None when its onset would be after `today`."""
    hours = rng.randint(*rate.onset_hours)
    onset = (session.scheduled_at + timedelta(hours=hours)).date()
    if onset > today:
        return None
    reported = rate.term in PATIENT_WORDS and rng.random() < PATIENT_REPORTED_SHARE
    if reported and (today - onset).days <= UNCONFIRMED_WITHIN_DAYS:
        return replace(_unconfirmed(rate.term, session_index, onset, rng), onset_after_hours=hours)
    grades, weights = zip(*rate.grades, strict=True)
    resolved = onset + timedelta(days=rng.randint(*rate.resolved_days))
    confirmed_at = min(_at(onset, 12) + timedelta(days=rng.randint(0, 2)), _at(today, 0))
    reviewed = rate.criteria and (today - onset).days > REVIEWED_AFTER_DAYS
    return SyntheticAdverseEvent(
        session_index=session_index,
        term=rate.term,
        onset_on=onset,
        onset_after_hours=hours,
        grade=rng.choices(grades, weights=weights)[0],
        criteria=rate.criteria,
        relatedness=rng.choice(rate.relatedness),
        action_taken=rng.choice(rate.actions),
        outcome="recovered" if resolved <= today else "recovering",
        resolved_on=resolved if resolved <= today else None,
        reported_by_patient=reported,
        patient_description=rng.choice(PATIENT_WORDS[rate.term]) if reported else "",
        confirmed_at=confirmed_at,
        reviewed_at=confirmed_at + timedelta(days=rng.randint(1, 7)) if reviewed else None,
    )
