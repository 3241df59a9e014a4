"""The synthetic follow-up generator: deterministic, valid values, tied to the KOOS change,
and independent of the rest of the synthetic patient."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from prolotrack.domain.synthetic import generate_cohort, generate_patient
from prolotrack.domain.synthetic_followup import (
    generate_followup,
    koos_pain,
    pain_change,
)
from prolotrack.domain.synthetic_questionnaires import default_questionnaire_plan

TODAY = dt.date(2026, 11, 2)
PLAN = default_questionnaire_plan()


def cohort(size: int = 300):
    return generate_cohort(patients=size, seed=11, today=TODAY, questionnaires=PLAN)


def test_koos_pain_from_items_hand_worked():
    # all nine items at 1 -> 100 - 1 x 25 = 75; five items at 2, four missing -> 50
    assert koos_pain({f"P{n}": 1 for n in range(1, 10)}) == 75
    assert koos_pain({f"P{n}": 2 for n in range(1, 6)}) == 50
    assert koos_pain({f"P{n}": 2 for n in range(1, 5)}) is None  # 4 of 9: under half


def test_same_seed_same_records_and_the_patient_is_unchanged():
    patient = generate_patient(index=5, seed=11, today=TODAY, questionnaires=PLAN)
    first = generate_followup(patient=patient, seed=11, mrn_prefix="A", today=TODAY)
    again = generate_followup(patient=patient, seed=11, mrn_prefix="A", today=TODAY)
    assert first == again
    assert generate_patient(index=5, seed=11, today=TODAY, questionnaires=PLAN) == patient


def test_values_are_in_the_models_ranges_and_never_in_the_future():
    for patient in cohort(200):
        made = generate_followup(patient=patient, seed=11, mrn_prefix="A", today=TODAY)
        knees = {c.side for c in patient.courses}
        for m in made.medications:
            assert m.recorded_on <= TODAY
            assert (m.category == "opioid") == bool(m.opioid_code)
            assert m.days_per_week is None or 0 <= m.days_per_week <= 7
            assert (m.side != "") == (m.category == "corticosteroid_injection")
        seen = set()
        for e in made.examinations:
            assert e.examined_on <= TODAY
            assert e.side in knees
            assert (e.side, e.examined_on) not in seen
            seen.add((e.side, e.examined_on))
            assert 0 <= e.flexion_degrees <= 165
            assert -30 <= e.extension_degrees <= 90
            assert 0 <= e.chair_stand_count <= 60
            assert 1 <= e.timed_up_and_go_seconds <= 300
        for s in made.surgeries:
            course = patient.courses[s.course_index]
            assert course.start_date <= s.performed_on <= TODAY
            assert s.side == course.side


def test_medication_falls_more_often_when_the_knee_improved():
    """Improved (KOOS pain +10 or more) vs not: share of patients taking fewer medicines."""
    fewer: dict[bool, list[bool]] = {True: [], False: []}
    for patient in cohort(400):
        started = [c for c in patient.courses if c.start_date <= TODAY]
        change = pain_change(started[0]) if started else None
        if change is None:
            continue
        made = generate_followup(patient=patient, seed=11, mrn_prefix="A", today=TODAY)
        days = Counter(m.time_point for m in made.medications if m.category != "none")
        if days["baseline"] and any(m.time_point == "follow_up" for m in made.medications):
            fewer[change >= 10].append(days["follow_up"] < days["baseline"])
    improved = sum(fewer[True]) / len(fewer[True])
    not_improved = sum(fewer[False]) / len(fewer[False])
    assert improved > 0.6 > 0.35 > not_improved  # falls for many but not all
    assert not all(fewer[True])


def test_a_few_surgeries_over_two_years():
    patients = cohort(600)
    operated = [
        s
        for p in patients
        for s in generate_followup(patient=p, seed=11, mrn_prefix="A", today=TODAY).surgeries
    ]
    assert 1 <= len(operated) <= 0.05 * len(patients)
    assert {s.procedure for s in operated} <= {
        "total_arthroplasty",
        "partial_arthroplasty",
        "high_tibial_osteotomy",
        "arthroscopy",
        "ligament_reconstruction",
    }
