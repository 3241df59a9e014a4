"""The demo loader writes the generated follow-up records, validly, all or nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from prolotrack.clinics.models import Clinic
from prolotrack.demo import services as demo
from prolotrack.domain.synthetic import generate_cohort
from prolotrack.domain.synthetic_followup import generate_followup
from prolotrack.domain.synthetic_questionnaires import default_questionnaire_plan
from prolotrack.followup.models import Examination, MedicationUse, Surgery
from prolotrack.followup.selectors import medication_change
from prolotrack.patients.models import Patient

TODAY = dt.date(2026, 11, 2)


def test_loads_the_generated_records_row_for_row_and_valid(db):
    demo.demo_load(patients=30, seed=7, today=TODAY)
    clinic_a = Clinic.objects.get(slug="demo-a")
    cohort = generate_cohort(
        patients=30,
        seed=7,
        today=TODAY,
        mrn_prefix="A",
        questionnaires=default_questionnaire_plan(),
    )
    for generated in cohort:
        made = generate_followup(patient=generated, seed=7, mrn_prefix="A", today=TODAY)
        patient = Patient.objects.get(clinic=clinic_a, mrn=generated.mrn)
        stored = sorted(patient.medication_uses.values_list("recorded_on", "category"))
        assert stored == sorted((m.recorded_on, m.category) for m in made.medications)
        assert patient.examinations.count() == len(made.examinations)
        assert [s.performed_on for s in patient.surgeries.all()] == [
            s.performed_on for s in made.surgeries
        ]
    assert MedicationUse.objects.filter(clinic=clinic_a).exists()
    assert Examination.objects.filter(clinic__slug="demo-b").exists()
    for rows in (
        MedicationUse.objects.select_related("patient", "course"),
        Examination.objects.select_related("patient"),
        Surgery.objects.select_related("patient", "course"),
    ):
        for row in rows:
            row.full_clean()
    opioids = MedicationUse.objects.filter(category="opioid")
    assert all(row.mme_per_day is not None and row.mme_factors_version for row in opioids)
    changes = [medication_change(patient=p) for p in Patient.objects.filter(clinic=clinic_a)]
    assert any(change is not None and change.lines for change in changes)


def test_a_failing_follow_up_load_leaves_nothing(db, monkeypatch):
    def failing(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Surgery.objects, "bulk_create", failing)
    with pytest.raises(RuntimeError):
        demo.demo_load(patients=6, seed=3, today=TODAY)
    assert not MedicationUse.objects.exists()
    assert not Examination.objects.exists()
    assert not Patient.objects.exists()
    assert not Clinic.objects.exists()
