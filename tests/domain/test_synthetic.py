"""The synthetic cohort: deterministic, and every invariant the demo and benchmarks rely on.

Expected codes, age bands and protocol facts are written out here from
/work/shared/reference/clinical.md §1a and §7a rather than imported from the generator's tables,
so that a wrong table fails a test. Seeds are fixed and appear in the test names/parameters.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from datetime import UTC, date, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prolotrack.domain.synthetic import (
    SyntheticCourse,
    SyntheticInjection,
    SyntheticPatient,
    generate_cohort,
    generate_patient,
    iter_cohort,
)

TODAY = date(2025, 6, 18)
SEED = 20250618

# clinical.md §7a. Right and left codes per condition; M17.0 only for both knees with OA.
CODES = {
    "osteoarthritis": ({"M17.11", "M17.31"}, {"M17.12", "M17.32"}),
    "patellar_tendinopathy": ({"M76.51"}, {"M76.52"}),
    "mcl_sprain": ({"S83.411A"}, {"S83.412A"}),
    "lcl_sprain": ({"S83.421A"}, {"S83.422A"}),
    "acl_laxity": ({"S83.511A"}, {"S83.512A"}),
    "chronic_instability": ({"M23.51"}, {"M23.52"}),
    "osgood_schlatter": ({"M92.521"}, {"M92.522"}),
}
BILATERAL_OA = "M17.0"
# Ages at the first course's start; Osgood-Schlatter per Topol 2011 by sex.
AGE_BANDS = {
    "osteoarthritis": (40, 80),
    "patellar_tendinopathy": (16, 45),
    "mcl_sprain": (18, 60),
    "lcl_sprain": (18, 60),
    "acl_laxity": (18, 60),
    "chronic_instability": (18, 60),
}
OSGOOD_SCHLATTER_AGES = {"female": (9, 15), "male": (10, 17)}
OA_PROTOCOLS = {"Rabago 2013", "Reeves & Hassanein 2000", "Dumais 2012", "Sit 2020"}
SITES = {
    "intra_articular", "mcl_femoral", "mcl_tibial", "lcl_femoral", "lcl_fibular",
    "pes_anserinus", "patellar_tendon_proximal", "patellar_tendon_distal", "quadriceps_tendon",
    "coronary_medial", "coronary_lateral", "tibial_tuberosity", "medial_retinaculum",
    "lateral_retinaculum", "itb_gerdy",
}  # fmt: skip
DEXTROSE_LOT = re.compile(r"D50-\d{2}[A-HJ-M]\d{3}")
LIDOCAINE_LOT = re.compile(r"LID-\d{2}[A-HJ-M]\d{3}")
PHONE = re.compile(r"\+1-\d{3}-555-01\d{2}")


def condition_of(code: str) -> str:
    if code == BILATERAL_OA:
        return "osteoarthritis"
    return next(name for name, (right, left) in CODES.items() if code in right | left)


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def decimals(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


@pytest.fixture(scope="module")
def cohort() -> tuple[SyntheticPatient, ...]:
    return generate_cohort(patients=500, seed=SEED, today=TODAY)


@pytest.fixture(scope="module")
def large_cohort() -> tuple[SyntheticPatient, ...]:
    return generate_cohort(patients=2000, seed=7, today=TODAY)


# --- Determinism ------------------------------------------------------------------------------


def test_same_seed_gives_an_identical_cohort() -> None:
    first = generate_cohort(patients=200, seed=SEED, today=TODAY)
    assert first == generate_cohort(patients=200, seed=SEED, today=TODAY)


def test_a_different_seed_gives_a_different_cohort() -> None:
    first = generate_cohort(patients=50, seed=1, today=TODAY)
    second = generate_cohort(patients=50, seed=2, today=TODAY)
    assert first != second
    assert sum(a != b for a, b in zip(first, second, strict=True)) > 45


def test_patient_i_does_not_depend_on_the_cohort_size() -> None:
    small = generate_cohort(patients=5, seed=SEED, today=TODAY)
    large = generate_cohort(patients=50, seed=SEED, today=TODAY)
    assert small == large[:5]
    assert large[37] == generate_patient(index=37, seed=SEED, today=TODAY)


def test_iter_cohort_yields_the_same_patients_lazily() -> None:
    lazy = iter_cohort(patients=10, seed=SEED, today=TODAY)
    assert next(lazy) == generate_patient(index=0, seed=SEED, today=TODAY)
    assert tuple(lazy) == generate_cohort(patients=10, seed=SEED, today=TODAY)[1:]


def test_cohort_is_stable_across_processes_with_different_hash_seeds() -> None:
    """String seeds, not hash(): another interpreter with another PYTHONHASHSEED agrees."""
    script = (
        "from datetime import date\n"
        "from prolotrack.domain.synthetic import generate_cohort\n"
        f"print(repr(generate_cohort(patients=20, seed={SEED}, today=date(2025, 6, 18))))\n"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": hash_seed, "PATH": ""},
        ).stdout
        for hash_seed in ("1", "2")
    }
    assert outputs == {repr(generate_cohort(patients=20, seed=SEED, today=TODAY)) + "\n"}


def test_mrn_prefix_keeps_clinics_apart() -> None:
    clinic_a = generate_cohort(patients=30, seed=SEED, today=TODAY, mrn_prefix="A")
    clinic_b = generate_cohort(patients=30, seed=SEED, today=TODAY, mrn_prefix="B")
    assert clinic_a[0].mrn == "A000001"
    assert clinic_b[29].mrn == "B000030"
    assert {p.email for p in clinic_a}.isdisjoint({p.email for p in clinic_b})
    assert clinic_a != clinic_b


def test_negative_sizes_are_rejected() -> None:
    with pytest.raises(ValueError, match="patients"):
        generate_cohort(patients=-1, seed=SEED, today=TODAY)
    with pytest.raises(ValueError, match="index"):
        generate_patient(index=-1, seed=SEED, today=TODAY)


# --- Invariants -------------------------------------------------------------------------------


def check_patient(patient: SyntheticPatient, today: date) -> None:
    check_identity(patient)
    check_conditions(patient)
    check_history(patient, today)
    knees = {"both": {"right", "left"}}.get(patient.knees, {patient.knees})
    assert {course.side for course in patient.courses} == knees
    for course in patient.courses:
        check_course(course, patient, today)


def check_identity(patient: SyntheticPatient) -> None:
    assert patient.mrn == f"A{patient.index + 1:06d}"
    assert patient.sex in {"female", "male"}
    assert patient.given_name
    assert patient.family_name
    assert re.fullmatch(r"[a-z]+\.[a-z]+\.a\d+@example\.org", patient.email)
    assert PHONE.fullmatch(patient.phone)


def check_conditions(patient: SyntheticPatient) -> None:
    knees = {"both": {"right", "left"}}.get(patient.knees, {patient.knees})
    assert sorted(c.side for c in patient.conditions) == sorted(knees)
    first_start = min(course.start_date for course in patient.courses)
    for condition in patient.conditions:
        name = condition_of(condition.icd10_code)
        right, left = CODES[name]
        if condition.icd10_code == BILATERAL_OA:
            assert patient.knees == "both"
        else:
            assert condition.icd10_code in (right if condition.side == "right" else left)
        if name == "osteoarthritis":
            assert condition.kl_grade in {1, 2, 3, 4}
        else:
            assert condition.kl_grade is None
        assert patient.date_of_birth < condition.onset_date < first_start
    name = condition_of(patient.conditions[0].icd10_code)
    bands = OSGOOD_SCHLATTER_AGES[patient.sex] if name == "osgood_schlatter" else AGE_BANDS[name]
    low, high = bands
    assert low <= age_on(patient.date_of_birth, first_start) <= high


def check_history(patient: SyntheticPatient, today: date) -> None:
    history = patient.history
    age = age_on(patient.date_of_birth, today)
    if history.pregnant:
        assert patient.sex == "female"
        assert 18 <= age <= 45
    assert history.on_anticoagulants == (history.anticoagulant_name != "")
    assert history.anticoagulant_name in {"", "apixaban", "rivaroxaban", "warfarin"}
    if history.diabetes:
        assert history.hba1c_pct is not None
        assert history.hba1c_measured_on is not None
        assert Decimal("5.8") <= history.hba1c_pct <= Decimal("9.5")
        assert history.hba1c_measured_on <= today
    else:
        assert history.hba1c_pct is None
        assert history.hba1c_measured_on is None
    # A replaced knee is never a knee of interest.
    assert not (history.arthroplasty_right and patient.knees in {"right", "both"})
    assert not (history.arthroplasty_left and patient.knees in {"left", "both"})
    if history.last_corticosteroid_injection_on is not None:
        assert today - timedelta(days=366) < history.last_corticosteroid_injection_on <= today
    assert Decimal(15) < patient.weight_kg < Decimal(250)
    assert decimals(patient.weight_kg) <= 1
    assert patient.date_of_birth < patient.weight_measured_on <= today


def check_course(course: SyntheticCourse, patient: SyntheticPatient, today: date) -> None:
    condition = condition_of(patient.conditions[0].icd10_code)
    protocol = course.protocol_reference.split(" (")[0]
    if condition == "osteoarthritis":
        assert protocol in OA_PROTOCOLS
    elif condition == "osgood_schlatter":
        assert protocol == "Topol 2011"
    elif condition == "acl_laxity":
        assert protocol == "Reeves & Hassanein 2003"
    else:
        assert protocol.startswith("Extra-articular")
    sessions = course.sessions
    assert sessions
    days = [session.scheduled_at.date() for session in sessions]
    assert course.start_date == days[0]
    assert all(later - earlier >= timedelta(days=20) for earlier, later in pairwise(days))
    for session in sessions:
        day = session.scheduled_at.date()
        assert session.scheduled_at.tzinfo is UTC
        assert 8 <= session.scheduled_at.hour <= 16
        assert day.weekday() < 5
        assert session.clinician_index in {0, 1}
        if day < today:
            assert session.status in {"done", "cancelled", "no_show"}
        elif course.status != "stopped":
            assert session.status == "scheduled"
        else:
            assert session.status == "cancelled"
        assert bool(session.injections) == (session.status == "done")
        for injection in session.injections:
            check_injection(injection, patient, day)
        check_rabago_session(protocol, session.injections)
    check_course_status(course, days, today)


def check_injection(injection: SyntheticInjection, patient: SyntheticPatient, day: date) -> None:
    assert injection.site_code in SITES
    intra_articular = injection.site_code == "intra_articular"
    assert injection.approach == ("intra_articular" if intra_articular else "extra_articular")
    assert injection.guidance in {"palpation", "ultrasound"}
    assert 18 <= injection.needle_gauge <= 33
    assert (22 if intra_articular else 25) <= injection.needle_gauge <= 27
    assert injection.volume_ml > 0
    assert decimals(injection.volume_ml) <= 2
    assert 0 <= injection.dextrose_pct <= 50
    assert decimals(injection.dextrose_pct) <= 2
    assert 0 <= injection.lidocaine_pct <= 2
    assert decimals(injection.lidocaine_pct) <= 3
    assert DEXTROSE_LOT.fullmatch(injection.dextrose_lot)
    if patient.history.allergy_local_anaesthetic:
        assert injection.lidocaine_pct == 0
        assert injection.lidocaine_lot == ""
    else:
        assert injection.lidocaine_pct > 0
        assert LIDOCAINE_LOT.fullmatch(injection.lidocaine_lot)


def check_rabago_session(protocol: str, injections: tuple[SyntheticInjection, ...]) -> None:
    """Rabago 2013 (clinical.md §1a): IA 6 mL 25 %, EA 0.5 mL 15 %, EA total <= 22.5 mL."""
    if protocol != "Rabago 2013" or not injections:
        return
    intra = [i for i in injections if i.approach == "intra_articular"]
    extra = [i for i in injections if i.approach == "extra_articular"]
    assert [(i.volume_ml, i.dextrose_pct) for i in intra] == [(Decimal(6), Decimal(25))]
    assert 4 <= len(extra) <= 10
    assert all(i.dextrose_pct == 15 and i.volume_ml == Decimal("0.5") for i in extra)
    assert sum(i.volume_ml for i in extra) <= Decimal("22.5")


def check_course_status(course: SyntheticCourse, days: list[date], today: date) -> None:
    statuses = [session.status for session in course.sessions]
    assert (course.status == "stopped") == (course.stop_reason != "")
    if course.status == "stopped":
        assert "done" in statuses
        assert statuses[-1] == "cancelled"
    elif course.status == "planned":
        assert "done" not in statuses
        assert course.start_date >= today
    elif course.status == "completed":
        assert days[-1] < today
    else:
        assert course.status == "active"
        assert days[0] < today <= days[-1]


def test_every_invariant_holds_over_500_patients(cohort: tuple[SyntheticPatient, ...]) -> None:
    for patient in cohort:
        check_patient(patient, TODAY)


def test_mrns_are_unique(large_cohort: tuple[SyntheticPatient, ...]) -> None:
    assert len({patient.mrn for patient in large_cohort}) == len(large_cohort)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**63),
    today=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)),
    index=st.integers(min_value=0, max_value=10**6),
)
def test_invariants_hold_for_any_seed_and_day(seed: int, today: date, index: int) -> None:
    check_patient(generate_patient(index=index, seed=seed, today=today), today)


# --- Proportions (illustrative, loose bands) --------------------------------------------------


def share(counter: Counter[str], key: str) -> float:
    return counter[key] / sum(counter.values())


def test_condition_mix_over_2000_patients(large_cohort: tuple[SyntheticPatient, ...]) -> None:
    mix = Counter(condition_of(p.conditions[0].icd10_code) for p in large_cohort)
    assert 0.50 <= share(mix, "osteoarthritis") <= 0.70
    assert 0.08 <= share(mix, "patellar_tendinopathy") <= 0.16
    assert 0.04 <= share(mix, "mcl_sprain") <= 0.10
    assert 0.01 <= share(mix, "lcl_sprain") <= 0.05
    assert 0.03 <= share(mix, "acl_laxity") <= 0.08
    assert 0.05 <= share(mix, "chronic_instability") <= 0.11
    assert 0.03 <= share(mix, "osgood_schlatter") <= 0.08


def test_oa_details_over_2000_patients(large_cohort: tuple[SyntheticPatient, ...]) -> None:
    oa = [p for p in large_cohort if condition_of(p.conditions[0].icd10_code) == "osteoarthritis"]
    assert 0.18 <= sum(p.knees == "both" for p in oa) / len(oa) <= 0.32
    grades = Counter(c.kl_grade for p in oa for c in p.conditions)
    assert grades[2] + grades[3] > grades[1] + grades[4]
    assert sum(p.courses[-1].start_date > p.courses[0].start_date for p in oa) > 0  # repeats


def test_course_and_session_mix_over_2000_patients(
    large_cohort: tuple[SyntheticPatient, ...],
) -> None:
    courses = [course for patient in large_cohort for course in patient.courses]
    statuses = Counter(course.status for course in courses)
    assert 0.02 <= share(statuses, "stopped") <= 0.09
    assert 0.05 <= share(statuses, "planned") <= 0.16
    assert statuses["active"] > 0
    assert statuses["completed"] > 0
    past = Counter(
        session.status
        for course in courses
        if course.status != "stopped"
        for session in course.sessions
        if session.scheduled_at.date() < TODAY
    )
    assert 0.02 <= share(past, "no_show") <= 0.08
    assert 0.01 <= share(past, "cancelled") <= 0.06
    stale = sum(TODAY - p.weight_measured_on > timedelta(days=90) for p in large_cohort)
    assert 0.05 <= stale / len(large_cohort) <= 0.25


def test_history_rates_over_2000_patients(large_cohort: tuple[SyntheticPatient, ...]) -> None:
    adults = [p for p in large_cohort if age_on(p.date_of_birth, TODAY) >= 18]
    diabetes = sum(p.history.diabetes for p in adults) / len(adults)
    assert 0.10 <= diabetes <= 0.20
    steroid = sum(p.history.last_corticosteroid_injection_on is not None for p in large_cohort)
    assert 0.06 <= steroid / len(large_cohort) <= 0.14
    assert any(p.history.on_anticoagulants for p in large_cohort)
    assert any(p.history.pregnant for p in large_cohort)
