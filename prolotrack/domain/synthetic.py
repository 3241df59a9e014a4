"""Deterministic synthetic cohort for demos and benchmarks (pure Python, stdlib only, no I/O).

Each patient has its own `random.Random` seeded with the string f"{seed}:{mrn_prefix}:{index}"
(string seeds are hashed with SHA-512, so they are stable across runs and processes), so
patient i is the same whatever the cohort size. `today` is always an argument.

The mix is illustrative, not epidemiology (see `synthetic_data.CONDITIONS`): knee OA 60 %
(25 % of them both knees, coded M17.0; 15 % of unilateral OA post-traumatic, M17.31/M17.32),
patellar tendinopathy 12 %, MCL sprain 7 %, LCL sprain 3 %, ACL laxity 5 %, chronic
instability 8 %, Osgood-Schlatter 5 % (15 % of them both knees). Ages are counted at the
first course's start date: OA 40-80 (60 % drawn from 55-70), tendinopathy 16-45, sprains,
laxity and instability 18-60, Osgood-Schlatter girls 9-15 and boys 10-17 (Topol 2011).

Courses follow the protocols of clinical.md §1a (tables in `synthetic_data.PROTOCOLS`):
OA -> Rabago 2013 (Ann Fam Med 11:229), Reeves & Hassanein 2000 (Altern Ther Health Med
6:68), Dumais 2012 (Pain Med 13:990) or Sit 2020 (Ann Fam Med 18:235); Osgood-Schlatter ->
Topol 2011 (Pediatrics 128:e1121); ACL laxity -> Reeves & Hassanein 2003 (Altern Ther Health
Med 9:58); tendinopathy, sprains and instability -> an extra-articular course modelled on the
Rabago 2013 EA arm. ICD-10-CM codes follow clinical.md §7a.

Timing: first courses start within the 2 years before `today`, 10 % within the next 6 weeks.
Sessions fall on protocol offsets with +/- 0-3 days of jitter, moved off weekends to Monday.
`scheduled_at` is timezone-aware UTC between 08:00 and 16:45 in 15-minute slots: clinic hours
are modelled directly in UTC because the demo clinic's time zone is not known here.
Past sessions are done (5 % no-show, 3 % cancelled), later ones scheduled, except that a stopped
course (~5 %) has every session after the stop cancelled, future ones included. Both knees of a
bilateral course share visit times, one session per knee course. Patients allergic to local
anaesthetic get lidocaine-free solutions (lidocaine_pct 0, lidocaine_lot "").
Contact details are fictional: e-mail `given.family.<prefix><N>@example.org` (RFC 2606 domain,
N = index + 1, the prefix keeps clinics apart) and phone `+1-AAA-555-01XX`, the NANP range
reserved for fiction.

Questionnaires (optional, `questionnaires=`): each course gets the administrations its schedule
plans, with statuses, answer times and item answers drawn from a separate generator per
patient, so a patient is otherwise identical with and without them (see
`synthetic_questionnaires`). Safety (optional, `safety=`): every done session gets its
screening and dose check, the patient weights taken at visits and the courses their adverse
events, again from a separate generator per patient (see `synthetic_safety`).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from prolotrack.domain import synthetic_data as data
from prolotrack.domain.synthetic_events import SyntheticAdverseEvent as SyntheticAdverseEvent
from prolotrack.domain.synthetic_questionnaires import (
    QuestionnairePlan as QuestionnairePlan,
)
from prolotrack.domain.synthetic_questionnaires import (
    SyntheticAdministration as SyntheticAdministration,
)
from prolotrack.domain.synthetic_questionnaires import questionnaire_rng, with_administrations
from prolotrack.domain.synthetic_safety import SafetyPlan as SafetyPlan
from prolotrack.domain.synthetic_safety import SyntheticSessionSafety as SyntheticSessionSafety
from prolotrack.domain.synthetic_safety import SyntheticWeight as SyntheticWeight
from prolotrack.domain.synthetic_safety import safety_rng, with_safety


@dataclass(frozen=True, slots=True)
class SyntheticInjection:
    site_code: str
    approach: str  # "intra_articular" (only at site intra_articular) | "extra_articular"
    guidance: str  # "palpation" | "ultrasound"
    needle_gauge: int
    volume_ml: Decimal  # two decimals
    dextrose_pct: Decimal  # two decimals
    lidocaine_pct: Decimal  # three decimals (0.075 % in Reeves 2000); 0 if allergic
    dextrose_lot: str
    lidocaine_lot: str  # "" when no lidocaine was used


@dataclass(frozen=True, slots=True)
class SyntheticSession:
    scheduled_at: datetime  # UTC, 08:00-16:45
    status: str  # "scheduled" | "done" | "cancelled" | "no_show"
    clinician_index: int  # 0 or 1
    injections: tuple[SyntheticInjection, ...]  # non-empty only when done
    safety: SyntheticSessionSafety | None = None  # screening and dose check, when done


@dataclass(frozen=True, slots=True)
class SyntheticCourse:
    side: str
    protocol_reference: str
    start_date: date
    status: str  # "planned" | "active" | "completed" | "stopped"
    stop_reason: str
    sessions: tuple[SyntheticSession, ...]
    administrations: tuple[SyntheticAdministration, ...] = ()
    protocol_code: str = ""  # the shipped protocol followed (knowledge/protocols/), if any
    adverse_events: tuple[SyntheticAdverseEvent, ...] = ()


@dataclass(frozen=True, slots=True)
class SyntheticCondition:
    side: str
    icd10_code: str
    onset_date: date
    kl_grade: int | None
    notes: str


@dataclass(frozen=True, slots=True)
class SyntheticHistory:
    on_anticoagulants: bool
    anticoagulant_name: str
    bleeding_disorder: bool
    diabetes: bool
    hba1c_pct: Decimal | None
    hba1c_measured_on: date | None
    arthroplasty_right: bool
    arthroplasty_left: bool
    allergy_local_anaesthetic: bool
    allergy_corn_dextrose: bool
    pregnant: bool
    last_corticosteroid_injection_on: date | None


@dataclass(frozen=True, slots=True)
class SyntheticPatient:
    index: int
    mrn: str
    given_name: str
    family_name: str
    date_of_birth: date
    sex: str
    email: str
    phone: str
    knees: str  # "right" | "left" | "both"
    weight_kg: Decimal
    weight_measured_on: date
    conditions: tuple[SyntheticCondition, ...]
    history: SyntheticHistory
    courses: tuple[SyntheticCourse, ...]
    visit_weights: tuple[SyntheticWeight, ...] = ()  # weighed at visits, for the dose checks


def generate_patient(
    *,
    index: int,
    seed: int,
    today: date,
    mrn_prefix: str = "A",
    questionnaires: QuestionnairePlan | None = None,
    safety: SafetyPlan | None = None,
) -> SyntheticPatient:
    if index < 0:
        raise ValueError(f"index must be >= 0, got {index}")
    rng = random.Random(f"{seed}:{mrn_prefix}:{index}")
    profile = rng.choices(data.CONDITIONS, weights=[c.share for c in data.CONDITIONS])[0]
    sex = "female" if rng.random() < profile.female_share else "male"
    sides = data.draw_sides(rng, profile)
    first_start = data.draw_first_course_start(rng, today)
    date_of_birth = data.draw_birth_date(
        rng, first_start, data.draw_age_at_start(rng, profile, sex)
    )
    age_today = data.age_on(date_of_birth, today)
    given_name = rng.choice(data.FEMALE_GIVEN_NAMES if sex == "female" else data.MALE_GIVEN_NAMES)
    family_name = rng.choice(data.FAMILY_NAMES)
    history = _history(rng, profile, sex, age_today, sides, today)
    patient = SyntheticPatient(
        index=index,
        mrn=f"{mrn_prefix}{index + 1:06d}",
        given_name=given_name,
        family_name=family_name,
        date_of_birth=date_of_birth,
        sex=sex,
        email=data.fictional_email(given_name, family_name, f"{mrn_prefix}{index + 1}"),
        phone=f"+1-{rng.choice(data.AREA_CODES)}-555-01{rng.randrange(100):02d}",
        knees="both" if len(sides) == 2 else sides[0],
        weight_kg=data.draw_weight_kg(rng, sex, age_today, profile.key == data.OSTEOARTHRITIS),
        weight_measured_on=today - timedelta(days=data.draw_weight_age_days(rng)),
        conditions=_conditions(rng, profile, sides, first_start, date_of_birth),
        history=history,
        courses=_courses(rng, profile, sides, first_start, today, history),
    )
    if questionnaires is not None:
        courses = with_administrations(
            patient.courses,
            plan=questionnaires,
            rng=questionnaire_rng(seed=seed, mrn_prefix=mrn_prefix, index=index),
            osteoarthritis=profile.key == data.OSTEOARTHRITIS,
            today=today,
        )
        patient = replace(patient, courses=courses)
    if safety is not None:
        rng = safety_rng(seed=seed, mrn_prefix=mrn_prefix, index=index)
        patient = with_safety(patient, plan=safety, rng=rng, today=today)
    return patient


def iter_cohort(
    *,
    patients: int,
    seed: int,
    today: date,
    mrn_prefix: str = "A",
    questionnaires: QuestionnairePlan | None = None,
    safety: SafetyPlan | None = None,
) -> Iterator[SyntheticPatient]:
    if patients < 0:
        raise ValueError(f"patients must be >= 0, got {patients}")
    for index in range(patients):
        yield generate_patient(
            index=index,
            seed=seed,
            today=today,
            mrn_prefix=mrn_prefix,
            questionnaires=questionnaires,
            safety=safety,
        )


def generate_cohort(
    *,
    patients: int,
    seed: int,
    today: date,
    mrn_prefix: str = "A",
    questionnaires: QuestionnairePlan | None = None,
    safety: SafetyPlan | None = None,
) -> tuple[SyntheticPatient, ...]:
    cohort = iter_cohort(
        patients=patients,
        seed=seed,
        today=today,
        mrn_prefix=mrn_prefix,
        questionnaires=questionnaires,
        safety=safety,
    )
    return tuple(cohort)


# --- The patient ------------------------------------------------------------------------------


def _conditions(
    rng: random.Random,
    profile: data.ConditionProfile,
    sides: tuple[str, ...],
    first_start: date,
    date_of_birth: date,
) -> tuple[SyntheticCondition, ...]:
    osteoarthritis = profile.key == data.OSTEOARTHRITIS
    post_traumatic = osteoarthritis and len(sides) == 1
    post_traumatic = post_traumatic and rng.random() < data.POST_TRAUMATIC_OA_SHARE
    conditions = []
    for side in sides:
        if osteoarthritis and len(sides) == 2:
            code = data.BILATERAL_OA_CODE
        elif post_traumatic:
            code = data.POST_TRAUMATIC_OA_CODES[side]
        else:
            code = profile.right_code if side == "right" else profile.left_code
        onset = first_start - timedelta(days=rng.randint(*profile.onset_days))
        kl_grade = rng.choices((1, 2, 3, 4), weights=(10, 40, 35, 15))[0]
        notes = "Post-traumatic, old meniscal tear" if post_traumatic else rng.choice(profile.notes)
        conditions.append(
            SyntheticCondition(
                side=side,
                icd10_code=code,
                onset_date=max(onset, date_of_birth + timedelta(days=1)),
                kl_grade=kl_grade if osteoarthritis else None,
                notes=notes,
            )
        )
    return tuple(conditions)


def _history(
    rng: random.Random,
    profile: data.ConditionProfile,
    sex: str,
    age_today: int,
    sides: tuple[str, ...],
    today: date,
) -> SyntheticHistory:
    anticoagulated = profile.key == data.OSTEOARTHRITIS and rng.random() < 0.06
    diabetes = age_today >= 18 and rng.random() < 0.15
    # Arthroplasty only on a knee that is not of interest (the other knee), ~3 % of adults 45+.
    arthroplasty = len(sides) == 1 and age_today >= 45 and rng.random() < 0.03
    steroid_days = rng.randint(14, 365) if rng.random() < 0.10 else None
    return SyntheticHistory(
        on_anticoagulants=anticoagulated,
        anticoagulant_name=rng.choice(data.ANTICOAGULANTS) if anticoagulated else "",
        bleeding_disorder=rng.random() < 0.005,
        diabetes=diabetes,
        hba1c_pct=Decimal(f"{rng.uniform(5.8, 9.5):.1f}") if diabetes else None,
        hba1c_measured_on=today - timedelta(days=rng.randint(7, 270)) if diabetes else None,
        arthroplasty_right=arthroplasty and sides == ("left",),
        arthroplasty_left=arthroplasty and sides == ("right",),
        allergy_local_anaesthetic=rng.random() < 0.02,
        allergy_corn_dextrose=rng.random() < 0.01,
        pregnant=sex == "female" and 18 <= age_today <= 45 and rng.random() < 0.02,
        last_corticosteroid_injection_on=(
            today - timedelta(days=steroid_days) if steroid_days is not None else None
        ),
    )


# --- Courses and sessions ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Plan:
    """A course's visits, shared by both knees of a bilateral plan; injections come later."""

    spec: data.ProtocolSpec
    visits: tuple[SyntheticSession, ...]
    status: str
    stop_reason: str


def _courses(
    rng: random.Random,
    profile: data.ConditionProfile,
    sides: tuple[str, ...],
    first_start: date,
    today: date,
    history: SyntheticHistory,
) -> tuple[SyntheticCourse, ...]:
    clinician = rng.randrange(2)
    plans = [_plan(rng, data.draw_protocol(rng, profile), first_start, today, clinician, profile)]
    repeat = profile.key == data.OSTEOARTHRITIS and plans[0].status == "completed"
    if repeat and rng.random() < 0.35:
        last_visit = plans[0].visits[-1].scheduled_at.date()
        start = data.next_weekday(last_visit + timedelta(days=rng.randint(120, 300)))
        if start <= today + timedelta(days=42):
            spec = plans[0].spec if rng.random() < 0.6 else data.draw_protocol(rng, profile)
            plans.append(_plan(rng, spec, start, today, clinician, profile))
    with_lidocaine = not history.allergy_local_anaesthetic
    return tuple(_knee_course(rng, plan, side, with_lidocaine) for plan in plans for side in sides)


def _plan(
    rng: random.Random,
    spec: data.ProtocolSpec,
    start: date,
    today: date,
    clinician: int,
    profile: data.ConditionProfile,
) -> _Plan:
    days = _visit_days(rng, spec, start)
    statuses = [data.draw_visit_status(rng, day, today) for day in days]
    statuses, stop_reason = data.maybe_stop(rng, days, statuses, today, profile)
    visits = tuple(
        SyntheticSession(
            scheduled_at=data.draw_clinic_time(rng, day),
            status=status,
            clinician_index=clinician if rng.random() < 0.85 else 1 - clinician,
            injections=(),
        )
        for day, status in zip(days, statuses, strict=True)
    )
    return _Plan(spec, visits, data.course_status(days, statuses, today, stop_reason), stop_reason)


def _visit_days(rng: random.Random, spec: data.ProtocolSpec, start: date) -> list[date]:
    """Protocol offsets, +/- 0-3 days of jitter, off weekends. Offsets are >= 28 days apart, so
    jitter (<= 3 days) plus a weekend shift (<= 2 days) can never reorder sessions."""
    offsets = list(spec.offsets_days)
    for extra in spec.optional_offsets_days:
        if rng.random() >= spec.optional_probability:
            break
        offsets.append(extra)
    return [start] + [
        data.next_weekday(start + timedelta(days=offset + rng.randint(-3, 3)))
        for offset in offsets[1:]
    ]


def _knee_course(
    rng: random.Random, plan: _Plan, side: str, with_lidocaine: bool
) -> SyntheticCourse:
    spec = plan.spec
    guidance = rng.choice(spec.guidance)
    # Gauge, IA volume and guidance are chosen once per course and kept for every session.
    ia = _template(rng, spec.intra_articular, "intra_articular", guidance, with_lidocaine)
    ea = _template(rng, spec.extra_articular, "extra_articular", guidance, with_lidocaine)
    sessions = tuple(
        replace(visit, injections=_injections(rng, spec, ia, ea, visit.scheduled_at.date()))
        if visit.status == "done"
        else visit
        for visit in plan.visits
    )
    return SyntheticCourse(
        side=side,
        protocol_reference=spec.reference,
        protocol_code=spec.code,
        start_date=plan.visits[0].scheduled_at.date(),
        status=plan.status,
        stop_reason=plan.stop_reason,
        sessions=sessions,
    )


_NO_LIDOCAINE = Decimal("0.000")


def _template(
    rng: random.Random, arm: data.Arm | None, approach: str, guidance: str, with_lidocaine: bool
) -> SyntheticInjection | None:
    if arm is None:
        return None
    return SyntheticInjection(
        site_code="intra_articular" if approach == "intra_articular" else "",
        approach=approach,
        guidance=guidance,
        needle_gauge=rng.choice(arm.gauges),
        volume_ml=rng.choice(arm.volumes_ml),
        dextrose_pct=arm.dextrose_pct,
        lidocaine_pct=arm.lidocaine_pct if with_lidocaine else _NO_LIDOCAINE,
        dextrose_lot="",
        lidocaine_lot="",
    )


def _injections(
    rng: random.Random,
    spec: data.ProtocolSpec,
    ia: SyntheticInjection | None,
    ea: SyntheticInjection | None,
    day: date,
) -> tuple[SyntheticInjection, ...]:
    dextrose_lot = data.lot_number("D50", day, salt=0)
    lidocaine_lot = data.lot_number("LID", day, salt=311)
    result = []
    for template in (ia, ea):
        if template is not None:
            lot = lidocaine_lot if template.lidocaine_pct else ""
            result.append(replace(template, dextrose_lot=dextrose_lot, lidocaine_lot=lot))
    arm = spec.extra_articular
    if arm is None or ea is None:
        return tuple(result)
    ea, total_ml = result.pop(), Decimal(0)
    for site in data.pick_sites(rng, arm.sites, rng.randint(*arm.site_count)):
        volume_ml = rng.choice(arm.volumes_ml)
        if total_ml + volume_ml > data.RABAGO_EA_TOTAL_LIMIT_ML:
            break  # the Rabago 2013 EA ceiling bounds every EA arm modelled on it
        total_ml += volume_ml
        result.append(replace(ea, site_code=site, volume_ml=volume_ml))
    return tuple(result)
