"""The demo loader writes exactly the generated cohort, validly, all or nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from prolotrack.assessment.models import Suggestion
from prolotrack.clinics.models import Clinic, Membership, User
from prolotrack.core.errors import ApplicationError
from prolotrack.demo import services as demo
from prolotrack.demo.followup import FOLLOWUP_MODELS
from prolotrack.domain.synthetic import generate_cohort
from prolotrack.outcomes.models import Administration, Score
from prolotrack.patients.models import KneeCondition, MedicalHistory, Patient, WeightMeasurement
from prolotrack.safety.models import AdverseEvent, DoseCheck, Screening
from prolotrack.treatment.models import Course, Injection, Session

TODAY = dt.date(2026, 11, 2)


def sign_in_request():
    """authenticate() needs the request: django-axes locks by (username, address)."""
    return RequestFactory().post("/login/")


@pytest.fixture
def loaded(db):
    return demo.demo_load(patients=20, seed=7, today=TODAY)


def test_loads_the_generated_cohort_row_for_row(loaded):
    cohort = generate_cohort(patients=20, seed=7, today=TODAY, mrn_prefix="A")
    clinic_a = Clinic.objects.get(slug="demo-a")
    stored = {p.mrn: p for p in Patient.objects.filter(clinic=clinic_a)}
    assert set(stored) == {p.mrn for p in cohort}
    for generated in cohort:
        patient = stored[generated.mrn]
        assert (patient.family_name, patient.date_of_birth, patient.knees) == (
            generated.family_name,
            generated.date_of_birth,
            generated.knees,
        )
        assert sorted(patient.conditions.values_list("side", "icd10_code")) == sorted(
            (c.side, c.icd10_code) for c in generated.conditions
        )
        assert Injection.objects.filter(session__course__patient=patient).count() == sum(
            len(s.injections) for c in generated.courses for s in c.sessions
        )
    assert loaded.patients == 20 + demo.clinic_b_size(20)
    assert loaded.injections == Injection.objects.count()


def test_every_loaded_row_passes_model_validation(loaded):
    for model in (
        Patient,
        MedicalHistory,
        WeightMeasurement,
        KneeCondition,
        Course,
        Session,
        Injection,
        Screening,
        DoseCheck,
        AdverseEvent,
    ):
        rows = list(model.objects.all())
        assert rows, model
        for row in rows:
            row.full_clean()


def test_demo_accounts_and_their_roles(loaded):
    roles = {(m.user.username, m.clinic.slug): m.role for m in Membership.objects.all()}
    assert roles[("demo-clinician", "demo-a")] == "clinician"
    assert roles[("demo-clinician-b", "demo-b")] == "clinician"
    assert roles[("demo-researcher", "demo-a")] == "researcher"
    assert roles[("demo-admin", "demo-b")] == "clinic_admin"
    assert ("demo-clinician", "demo-b") not in roles
    assert set(User.objects.values_list("is_demo", flat=True)) == {True}
    assert (
        authenticate(sign_in_request(), username="demo-clinician", password=demo.demo_password())
        is not None
    )


def test_weak_demo_password_from_environment_is_refused(db, monkeypatch):
    monkeypatch.setenv("PROLOTRACK_DEMO_PASSWORD", "short")
    with pytest.raises(ValidationError):
        demo.demo_load(patients=1, seed=1, today=TODAY)
    assert not User.objects.exists()


def test_demo_password_from_environment(db, monkeypatch):
    monkeypatch.setenv("PROLOTRACK_DEMO_PASSWORD", "Quartz-Lantern-Orbit-1984")
    demo.demo_load(patients=1, seed=1, today=TODAY)
    assert authenticate(
        sign_in_request(), username="demo-nurse", password="Quartz-Lantern-Orbit-1984"
    )
    assert (
        authenticate(
            sign_in_request(), username="demo-nurse", password=settings.DEMO_PASSWORD_DEFAULT
        )
        is None
    )


def test_second_load_is_refused(loaded):
    with pytest.raises(ApplicationError, match="already loaded"):
        demo.demo_load(patients=5, seed=7, today=TODAY)


@pytest.mark.parametrize("patients", [0, -1, demo.MAX_DEMO_PATIENTS + 1])
def test_patient_count_bounds(db, patients):
    with pytest.raises(ApplicationError):
        demo.demo_load(patients=patients)
    assert not Clinic.objects.exists()


def test_refused_in_production(db, monkeypatch):
    monkeypatch.setenv("PROLOTRACK_ENV", "production")
    with pytest.raises(ApplicationError, match="production"):
        demo.demo_load(patients=5)
    assert not Clinic.objects.exists()


def test_a_failure_half_way_leaves_nothing(db, monkeypatch):
    original = demo._write_chunk
    calls = []

    def failing(clinic, clinicians, chunk, plan):
        calls.append(len(chunk))
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return original(clinic, clinicians, chunk, plan)

    monkeypatch.setattr(demo, "CHUNK_SIZE", 4)
    monkeypatch.setattr(demo, "_write_chunk", failing)
    with pytest.raises(RuntimeError):
        demo.demo_load(patients=12, seed=3, today=TODAY)
    assert calls == [4, 4]
    assert not Patient.objects.exists()
    assert not Screening.objects.exists()
    assert not AdverseEvent.objects.exists()
    assert not Clinic.objects.exists()
    assert not User.objects.exists()


def test_same_seed_same_clinic_content(db):
    def snapshot():
        return sorted(
            Patient.objects.values_list(
                "mrn", "given_name", "family_name", "date_of_birth", "sex", "knees"
            )
        ), sorted(
            Injection.objects.values_list(
                "session__course__patient__mrn", "site_code", "volume_ml", "dextrose_pct"
            )
        )

    demo.demo_load(patients=15, seed=11, today=TODAY)
    first = snapshot()
    for model in (
        Suggestion,
        AdverseEvent,
        Screening,
        DoseCheck,
        *FOLLOWUP_MODELS,
        Score,
        Administration,
        Injection,
        Session,
        Course,
        KneeCondition,
        WeightMeasurement,
        MedicalHistory,
    ):
        model.objects.all().delete()
    from django.db import connection

    from prolotrack.audit.models import AuditChainHead, AuditEvent
    from tests.append_only import lifted

    with lifted(connection):  # start again from an empty database, audit trail included
        AuditEvent.objects.all().delete()
        AuditChainHead.objects.all().delete()
    Patient.objects.all().delete()
    Membership.objects.all().delete()
    User.objects.all().delete()
    Clinic.objects.all().delete()
    demo.demo_load(patients=15, seed=11, today=TODAY)
    assert snapshot() == first


def test_questionnaire_histories_are_loaded_with_their_scores(loaded):
    from prolotrack.domain.instruments import score
    from prolotrack.knowledge.instruments import instrument_definitions

    completed = Administration.objects.filter(status="completed")
    assert completed.exists()
    open_or_missed = Administration.objects.exclude(status="completed")
    assert all(not row.answers for row in open_or_missed)
    definitions = instrument_definitions()
    for administration in completed[:200]:
        expected = score(definitions[administration.instrument_code], administration.answers)
        stored = dict(administration.scores.values_list("scale", "value"))
        assert stored == expected.scores
        assert administration.instrument_version == expected.version
    statuses = set(Administration.objects.values_list("status", flat=True))
    assert {"completed", "scheduled"} <= statuses
