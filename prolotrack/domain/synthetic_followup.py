"""Pain medication, knee examinations and surgery for the synthetic cohort (pure, stdlib only).

Deterministic from the seed and the patient: each patient gets its own generator seeded with
f"{seed}:{mrn_prefix}:{index}:followup", so the rest of the synthetic patient (drawn by
`domain.synthetic` with other generators) is unchanged whether or not this runs.

Everything here is illustrative demo data, not epidemiology. The link to the patient's
synthetic questionnaires: a course *improved* when its knee's KOOS pain rose by at least
10 points from the first to the last completed KOOS (the KOOS smallest relevant change,
clinical.md §6, Paradowski 2004). Without two KOOS scores the course counts as improved with
probability 0.6 (the responder share the questionnaire generator draws, itself an assumption).

ASSUMPTIONS (no source in clinical.md; shaped for a plausible demo):
- Baseline (the first course's start): 85 % take something. Paracetamol 55 %, NSAID tablets
  35 %, NSAID gel 25 %, opioids 12 % (tramadol 100-200 mg/day, codeine 60-120 mg/day or
  oxycodone 10-20 mg/day), a corticosteroid injection in the treated knee 10 %.
- Follow-up (the last completed questionnaire of the first course, else 12 weeks after its
  start): an improved patient stops each medicine with probability 0.6 (opioids 0.7) and
  otherwise takes it on fewer days (opioids at half the dose); a patient who did not improve
  stops each with probability 0.1 and starts NSAID tablets with probability 0.15.
- Examinations: each course knee at its start, at its last done session and, in 60 %, 3 months
  after the start; measures follow the knee's condition and move with improvement.
- Surgery: severe knee OA (Kellgren-Lawrence 3-4 in the course knee) is operated within two
  years in about 8 % of knees overall (4 % if improved, 15 % if not), mostly total knee
  arthroplasty; ACL laxity that did not improve: 5 % ligament reconstruction. clinical.md has
  no surgery rate after prolotherapy: the 5-10 % range in the brief is an assumption.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from prolotrack.domain.synthetic import SyntheticCourse, SyntheticPatient

KOOS_PAIN_ITEMS = tuple(f"P{number}" for number in range(1, 10))
KOOS_RELEVANT_CHANGE = 10.0  # clinical.md §6, Paradowski 2004
IMPROVED_WITHOUT_SCORES = 0.6
OPIOIDS = (
    ("tramadol", 0.6, (100, 200)),
    ("codeine", 0.25, (60, 120)),
    ("oxycodone", 0.15, (10, 20)),
)
EFFUSION = ("none", "trace", "1+", "2+", "3+")
SURGERY_RISK_SEVERE_OA = {True: 0.04, False: 0.15}
SEVERE_OA_PROCEDURES = (
    ("total_arthroplasty", 0.70),
    ("partial_arthroplasty", 0.15),
    ("high_tibial_osteotomy", 0.05),
    ("arthroscopy", 0.10),
)


@dataclass(frozen=True, slots=True)
class SyntheticMedication:
    recorded_on: date
    time_point: str  # "baseline" | "follow_up"
    category: str
    source: str  # "staff" | "questionnaire"
    opioid_code: str = ""
    dose_mg_per_day: Decimal | None = None
    days_per_week: int | None = None
    side: str = ""  # only for a knee injection


@dataclass(frozen=True, slots=True)
class SyntheticExamination:
    side: str
    examined_on: date
    flexion_degrees: int
    extension_degrees: int
    effusion_grade: str
    lachman_grade: int | None
    valgus_stress_grade: int | None
    varus_stress_grade: int | None
    chair_stand_count: int
    timed_up_and_go_seconds: Decimal


@dataclass(frozen=True, slots=True)
class SyntheticSurgery:
    course_index: int  # position in `SyntheticPatient.courses`
    side: str
    performed_on: date
    procedure: str


@dataclass(frozen=True, slots=True)
class SyntheticFollowup:
    medications: tuple[SyntheticMedication, ...]
    examinations: tuple[SyntheticExamination, ...]
    surgeries: tuple[SyntheticSurgery, ...]


def koos_pain(answers: Mapping[str, int]) -> float | None:
    """KOOS pain (100 = no pain) from answered pain items; None under half answered (§5)."""
    values = [answers[item] for item in KOOS_PAIN_ITEMS if item in answers]
    if len(values) * 2 < len(KOOS_PAIN_ITEMS):
        return None
    return 100 - sum(values) / len(values) * 25


def pain_change(course: SyntheticCourse) -> float | None:
    """Last minus first KOOS pain of the course's knee (positive = better), if two exist."""
    scored = sorted(
        (a.completed_at, pain)
        for a in course.administrations
        if a.instrument == "KOOS" and a.side in (None, course.side) and a.completed_at
        if (pain := koos_pain(a.answers)) is not None
    )
    if len(scored) < 2:
        return None
    return scored[-1][1] - scored[0][1]


def course_improved(course: SyntheticCourse, rng: random.Random) -> bool:
    change = pain_change(course)
    if change is None:
        return rng.random() < IMPROVED_WITHOUT_SCORES
    return change >= KOOS_RELEVANT_CHANGE


def generate_followup(
    *, patient: SyntheticPatient, seed: int, mrn_prefix: str, today: date
) -> SyntheticFollowup:
    rng = random.Random(f"{seed}:{mrn_prefix}:{patient.index}:followup")
    started = [c for c in patient.courses if c.start_date <= today]
    if not started:
        return SyntheticFollowup((), (), ())
    improved = [course_improved(course, rng) for course in started]
    medications = _medications(rng, started[0], improved[0], today)
    examinations: list[SyntheticExamination] = []
    surgeries: list[SyntheticSurgery] = []
    for course, better in zip(started, improved, strict=True):
        codes = {c.icd10_code for c in patient.conditions if c.side == course.side}
        grades = [c.kl_grade or 0 for c in patient.conditions if c.side == course.side]
        examinations += _examinations(rng, course, better, codes, today, examinations)
        surgery = _surgery(rng, course, better, codes, max(grades, default=0), today)
        if surgery is not None:
            surgeries.append(SyntheticSurgery(patient.courses.index(course), course.side, *surgery))
    return SyntheticFollowup(tuple(medications), tuple(examinations), tuple(surgeries[:1]))


# --- Medication -------------------------------------------------------------------------------


def _baseline_medicines(rng: random.Random, start: date, side: str) -> list[SyntheticMedication]:
    if rng.random() >= 0.85:
        return []
    found: list[SyntheticMedication] = []
    for category, share in (("paracetamol", 0.55), ("nsaid_oral", 0.35), ("nsaid_topical", 0.25)):
        if rng.random() < share:
            days = rng.randint(3, 7)
            found.append(
                SyntheticMedication(start, "baseline", category, "staff", days_per_week=days)
            )
    if rng.random() < 0.12:
        code, (low, high) = _opioid(rng)
        dose = Decimal(rng.randrange(low, high + 1, 10 if low >= 60 else 5))
        found.append(
            SyntheticMedication(
                start,
                "baseline",
                "opioid",
                "staff",
                opioid_code=code,
                dose_mg_per_day=dose,
                days_per_week=rng.randint(4, 7),
            )
        )
    if rng.random() < 0.10:
        found.append(
            SyntheticMedication(start, "baseline", "corticosteroid_injection", "staff", side=side)
        )
    return found


def _opioid(rng: random.Random) -> tuple[str, tuple[int, int]]:
    code, _share, dose_range = rng.choices(OPIOIDS, weights=[o[1] for o in OPIOIDS])[0]
    return code, dose_range


def _follow_up_day(course: SyntheticCourse, today: date) -> tuple[date, str] | None:
    answered = [
        a.completed_at.date()
        for a in course.administrations
        if a.completed_at is not None and a.time_point != "baseline"
    ]
    if answered:
        return max(answered), "questionnaire"
    day = course.start_date + timedelta(weeks=12)
    return (day, "staff") if day <= today else None


def _later(
    rng: random.Random, medicine: SyntheticMedication, improved: bool
) -> SyntheticMedication | None:
    """The baseline medicine at follow-up: stopped (None), or taken less if improved."""
    stop = (0.7 if medicine.category == "opioid" else 0.6) if improved else 0.1
    if rng.random() < stop:
        return None
    if not improved:
        return medicine
    dose = medicine.dose_mg_per_day
    days = medicine.days_per_week
    return replace(
        medicine,
        dose_mg_per_day=(dose / 2).quantize(Decimal(1)) if dose is not None else None,
        days_per_week=max(1, days - rng.randint(1, 3)) if days is not None else None,
    )


def _medications(
    rng: random.Random, course: SyntheticCourse, improved: bool, today: date
) -> list[SyntheticMedication]:
    start = course.start_date
    baseline = _baseline_medicines(rng, start, course.side)
    rows = baseline or [SyntheticMedication(start, "baseline", "none", "staff")]
    follow = _follow_up_day(course, today)
    if follow is None or follow[0] <= start:
        return rows
    day, source = follow
    later: list[SyntheticMedication] = []
    for medicine in baseline:
        if medicine.category == "corticosteroid_injection":
            continue  # a single past injection, not a medicine taken now
        kept = _later(rng, medicine, improved)
        if kept is not None:
            later.append(replace(kept, recorded_on=day, time_point="follow_up", source=source))
    taking = {medicine.category for medicine in baseline}
    if not improved and rng.random() < 0.15 and "nsaid_oral" not in taking:
        days = rng.randint(2, 7)
        later.append(
            SyntheticMedication(day, "follow_up", "nsaid_oral", source, days_per_week=days)
        )
    return rows + (later or [SyntheticMedication(day, "follow_up", "none", source)])


# --- Examinations -----------------------------------------------------------------------------


def _clip(value: float, low: float, high: float) -> float:
    return min(high, max(low, value))


def _exam_days(rng: random.Random, course: SyntheticCourse, today: date) -> list[date]:
    done = [s.scheduled_at.date() for s in course.sessions if s.status == "done"]
    days = {course.start_date}
    if done:
        days.add(max(done))
    month_3 = course.start_date + timedelta(days=91)
    if month_3 <= today and rng.random() < 0.6:
        days.add(month_3)
    return sorted(day for day in days if day <= today)


def _examinations(
    rng: random.Random,
    course: SyntheticCourse,
    improved: bool,
    codes: set[str],
    today: date,
    earlier: Sequence[SyntheticExamination],
) -> list[SyntheticExamination]:
    taken = {(e.side, e.examined_on) for e in earlier}
    oa = any(code.startswith("M17") for code in codes)
    flexion = rng.gauss(115, 12) if oa else rng.gauss(132, 8)
    extension = rng.gauss(5, 4) if oa else rng.gauss(0, 2)
    effusion = rng.choice((1, 2, 2, 3)) if oa else rng.choice((0, 0, 1))
    chair = rng.gauss(9, 3) if oa else rng.gauss(14, 3)
    tug = rng.gauss(11, 2.5) if oa else rng.gauss(7, 1.2)
    lachman = rng.choice((1, 2)) if any(c.startswith("S83.51") for c in codes) else 0
    valgus = 1 if any(c.startswith("S83.41") for c in codes) else 0
    varus = 1 if any(c.startswith("S83.42") for c in codes) else 0
    rows = []
    for number, day in enumerate(_exam_days(rng, course, today)):
        if (course.side, day) in taken:
            continue
        gain = (1.0 if improved else 0.1) * min(number, 2) / 2
        rows.append(
            SyntheticExamination(
                side=course.side,
                examined_on=day,
                flexion_degrees=round(_clip(flexion + gain * rng.gauss(8, 3), 60, 150)),
                extension_degrees=round(_clip(extension - gain * 2 + rng.gauss(0, 1), -10, 30)),
                effusion_grade=EFFUSION[max(0, effusion - round(gain * 1.4))],
                lachman_grade=max(0, lachman - round(gain)) if lachman else 0,
                valgus_stress_grade=max(0, valgus - round(gain)),
                varus_stress_grade=max(0, varus - round(gain)),
                chair_stand_count=round(_clip(chair + gain * 3 + rng.gauss(0, 1), 0, 30)),
                timed_up_and_go_seconds=Decimal(
                    str(round(_clip(tug - gain * 1.8 + rng.gauss(0, 0.4), 4, 30), 1))
                ),
            )
        )
    return rows


# --- Surgery ----------------------------------------------------------------------------------


def _surgery(
    rng: random.Random,
    course: SyntheticCourse,
    improved: bool,
    codes: set[str],
    kl_grade: int,
    today: date,
) -> tuple[date, str] | None:
    procedures: tuple[tuple[str, float], ...]
    if any(code.startswith("M17") for code in codes) and kl_grade >= 3:
        risk = SURGERY_RISK_SEVERE_OA[improved]
        procedures = SEVERE_OA_PROCEDURES
    elif any(code.startswith("S83.51") for code in codes) and not improved:
        risk, procedures = 0.05, (("ligament_reconstruction", 1.0),)
    else:
        return None
    if rng.random() >= risk:
        return None
    day = course.start_date + timedelta(days=rng.randint(90, 730))
    if day > today:
        return None
    procedure = rng.choices([p for p, _ in procedures], weights=[w for _, w in procedures])[0]
    return day, procedure
