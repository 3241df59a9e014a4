"""Patient services against the database: validation, roles, clinic isolation, audit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from prolotrack.audit.models import AuditEvent
from prolotrack.core.errors import AccessDenied, ApplicationError, Conflict, NotFound
from prolotrack.patients.models import KneeCondition, MedicalHistory, Patient
from prolotrack.patients.services import (
    condition_add,
    condition_update,
    history_update,
    patient_update,
    weight_record,
)
from tests.conftest import actor


def test_create_registers_patient_with_empty_history_and_audit(clinic_a, clinician_a, make_patient):
    patient = make_patient(clinic_a, clinician_a)
    assert MedicalHistory.objects.filter(patient=patient).exists()
    event = AuditEvent.objects.get(action="patient.create")
    assert (event.user, event.clinic_id, event.patient_id) == (clinician_a, clinic_a.id, patient.id)
    assert event.object_id == str(patient.public_id)


def test_mrn_unique_per_clinic_but_reusable_elsewhere(
    clinic_a, clinic_b, clinician_a, clinician_b, make_patient
):
    make_patient(clinic_a, clinician_a, mrn="R-100")
    with pytest.raises(ApplicationError) as error:
        make_patient(clinic_a, clinician_a, mrn="r-100")
    assert error.value.field == "mrn"
    assert make_patient(clinic_b, clinician_b, mrn="R-100").clinic == clinic_b
    assert Patient.objects.filter(mrn__iexact="R-100").count() == 2


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("date_of_birth", dt.date(1899, 12, 31)),
        ("date_of_birth", dt.date.today() + dt.timedelta(days=1)),
        ("email", "not-an-email"),
        ("phone", "call me"),
        ("mrn", "bad mrn!"),
        ("knees", "middle"),
        ("sex", "x"),
    ],
)
def test_invalid_demographics_are_field_errors_and_change_nothing(
    clinic_a, clinician_a, make_patient, field, value
):
    with pytest.raises(ValidationError) as error:
        make_patient(clinic_a, clinician_a, **{field: value})
    assert field in error.value.message_dict
    assert not Patient.objects.exists()
    assert not AuditEvent.objects.exists()


def test_front_desk_registers_patients_but_researcher_cannot(
    clinic_a, front_desk_a, researcher_a, make_patient
):
    assert make_patient(clinic_a, front_desk_a).clinic == clinic_a
    with pytest.raises(AccessDenied):
        make_patient(clinic_a, researcher_a)


def test_clinician_of_another_clinic_cannot_register_there(clinic_a, clinician_b, make_patient):
    with pytest.raises(NotFound):
        make_patient(clinic_a, clinician_b)


def test_update_bumps_version_and_refuses_stale_edit(patient_a, clinician_a, nurse_a):
    updated = patient_update(
        actor=actor(clinician_a), patient=patient_a, expected_version=1, phone="+1 555 0100 9999"
    )
    assert updated.version == 2
    with pytest.raises(Conflict):
        patient_update(
            actor=actor(nurse_a), patient=patient_a, expected_version=1, given_name="Overwrite"
        )
    patient_a.refresh_from_db()
    assert patient_a.given_name != "Overwrite"
    assert patient_a.phone == "+1 555 0100 9999"


def test_update_with_no_change_writes_nothing(patient_a, clinician_a):
    before = AuditEvent.objects.count()
    patient_update(
        actor=actor(clinician_a),
        patient=patient_a,
        expected_version=1,
        given_name=patient_a.given_name,
    )
    patient_a.refresh_from_db()
    assert patient_a.version == 1
    assert AuditEvent.objects.count() == before


def test_cannot_drop_a_knee_that_has_a_condition(patient_a, clinician_a):
    with pytest.raises(ApplicationError) as error:
        patient_update(
            actor=actor(clinician_a), patient=patient_a, expected_version=1, knees="left"
        )
    assert error.value.field == "knees"


def test_condition_code_must_fit_the_knee(patient_a, clinician_a):
    with pytest.raises(ValidationError) as error:
        condition_add(
            actor=actor(clinician_a), patient=patient_a, side="right", icd10_code="M17.12"
        )
    assert "icd10_code" in error.value.message_dict
    left = condition_add(
        actor=actor(clinician_a), patient=patient_a, side="left", icd10_code="M17.12", kl_grade=3
    )
    assert left.title


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"icd10_code": "Z99.99"}, "icd10_code"),
        ({"icd10_code": "M76.51", "kl_grade": 2}, "kl_grade"),
        ({"kl_grade": 5}, "kl_grade"),
        ({"onset_date": dt.date.today() + dt.timedelta(days=2)}, "onset_date"),
        ({"onset_date": dt.date(1950, 1, 1)}, "onset_date"),
    ],
)
def test_condition_validation(patient_a, clinician_a, changes, field):
    fields = {"side": "right", "icd10_code": "M17.0", **changes}
    with pytest.raises(ValidationError) as error:
        condition_add(actor=actor(clinician_a), patient=patient_a, **fields)
    assert field in error.value.message_dict


def test_condition_on_a_knee_not_of_interest_is_refused(clinic_a, clinician_a, make_patient):
    patient = make_patient(clinic_a, clinician_a, knees="left")
    with pytest.raises(ValidationError) as error:
        condition_add(actor=actor(clinician_a), patient=patient, side="right", icd10_code="M17.11")
    assert "side" in error.value.message_dict


def test_condition_update_and_conflict(patient_a, clinician_a):
    condition = KneeCondition.objects.get(patient=patient_a)
    condition_update(actor=actor(clinician_a), condition=condition, expected_version=1, kl_grade=3)
    with pytest.raises(Conflict):
        condition_update(
            actor=actor(clinician_a), condition=condition, expected_version=1, kl_grade=4
        )
    condition.refresh_from_db()
    assert (condition.kl_grade, condition.version) == (3, 2)


def test_front_desk_cannot_write_clinical_records(patient_a, front_desk_a):
    with pytest.raises(AccessDenied):
        condition_add(
            actor=actor(front_desk_a), patient=patient_a, side="left", icd10_code="M17.12"
        )
    with pytest.raises(AccessDenied):
        weight_record(
            actor=actor(front_desk_a),
            patient=patient_a,
            weight_kg=Decimal("70"),
            measured_on=dt.date.today(),
        )
    with pytest.raises(AccessDenied):
        history_update(
            actor=actor(front_desk_a), patient=patient_a, expected_version=1, diabetes=True
        )


def test_weight_bounds_and_dates(patient_a, clinician_a):
    with pytest.raises(ValidationError):
        weight_record(
            actor=actor(clinician_a),
            patient=patient_a,
            weight_kg=Decimal("0.5"),
            measured_on=dt.date.today(),
        )
    with pytest.raises(ValidationError):
        weight_record(
            actor=actor(clinician_a),
            patient=patient_a,
            weight_kg=Decimal("70"),
            measured_on=dt.date.today() + dt.timedelta(days=1),
        )
    weight = weight_record(
        actor=actor(clinician_a),
        patient=patient_a,
        weight_kg=Decimal("82.4"),
        measured_on=dt.date.today(),
    )
    assert patient_a.weights.first() == weight


def test_history_rules(patient_a, clinician_a):
    with pytest.raises(ValidationError) as error:
        history_update(
            actor=actor(clinician_a),
            patient=patient_a,
            expected_version=1,
            hba1c_pct=Decimal("7.1"),
        )
    assert "hba1c_pct" in error.value.message_dict
    history = history_update(
        actor=actor(clinician_a),
        patient=patient_a,
        expected_version=1,
        diabetes=True,
        hba1c_pct=Decimal("7.1"),
        hba1c_measured_on=dt.date.today(),
        on_anticoagulants=True,
        anticoagulant_name="apixaban",
        arthroplasty_left=True,
    )
    assert (history.version, history.arthroplasty_left) == (2, True)


def test_pregnancy_not_recorded_for_male_patient(clinic_a, clinician_a, make_patient):
    patient = make_patient(clinic_a, clinician_a, sex="male")
    with pytest.raises(ValidationError) as error:
        history_update(actor=actor(clinician_a), patient=patient, expected_version=1, pregnant=True)
    assert "pregnant" in error.value.message_dict


@pytest.mark.parametrize(
    "call",
    [
        lambda p, u: patient_update(actor=actor(u), patient=p, expected_version=1, phone="+1 555"),
        lambda p, u: weight_record(
            actor=actor(u), patient=p, weight_kg=Decimal("70"), measured_on=dt.date.today()
        ),
        lambda p, u: condition_add(actor=actor(u), patient=p, side="right", icd10_code="M17.11"),
        lambda p, u: condition_update(
            actor=actor(u), condition=p.conditions.get(), expected_version=1, kl_grade=1
        ),
        lambda p, u: history_update(actor=actor(u), patient=p, expected_version=1, diabetes=True),
    ],
    ids=["patient_update", "weight_record", "condition_add", "condition_update", "history_update"],
)
def test_every_patient_service_is_not_found_for_another_clinic(patient_a, clinician_b, call):
    before = AuditEvent.objects.count()
    versions = (patient_a.version, patient_a.history.version)
    with pytest.raises(NotFound):
        call(patient_a, clinician_b)
    patient_a.refresh_from_db()
    assert (patient_a.version, patient_a.history.version) == versions
    assert patient_a.weights.count() == 0
    assert patient_a.conditions.count() == 1
    assert AuditEvent.objects.count() == before
