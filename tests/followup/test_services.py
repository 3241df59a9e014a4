"""Medication, examination and surgery services against the database: validation refuses and
saves nothing, MME is derived with the factor version, edits check the version, roles are
enforced and every write is audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from prolotrack.audit.models import AuditEvent
from prolotrack.core.errors import AccessDenied, Conflict, NotFound
from prolotrack.followup.models import Examination, MedicationUse, Surgery
from prolotrack.followup.selectors import (
    examination_series,
    medication_change,
    surgeries_of,
    surgery_free,
)
from prolotrack.followup.services import (
    examination_record,
    examination_update,
    medication_record,
    medication_update,
    surgery_record,
    surgery_update,
)
from prolotrack.knowledge.medications import medication_catalogue
from tests.conftest import actor

TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)


def record_opioid(clinician, patient, **overrides):
    values: dict[str, Any] = {
        "recorded_on": TODAY - 60 * DAY,
        "time_point": "baseline",
        "category": "opioid",
        "opioid_code": "oxycodone",
        "dose_mg_per_day": Decimal("20"),
        "days_per_week": 7,
    }
    return medication_record(actor=actor(clinician), patient=patient, **values | overrides)


def test_an_opioid_gets_its_mme_and_the_factor_version(patient_a, clinician_a):
    use = record_opioid(clinician_a, patient_a)
    use.refresh_from_db()
    assert use.mme_per_day == Decimal("30.0")
    assert use.mme_factors_version == medication_catalogue().version
    assert use.recorded_by == clinician_a
    event = AuditEvent.objects.get(action="medication.record")
    assert (event.patient_id, event.object_id) == (patient_a.id, str(use.public_id))


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"opioid_code": "heroin"}, "opioid_code"),
        ({"dose_mg_per_day": None}, "dose_mg_per_day"),
        ({"dose_mg_per_day": Decimal("-5")}, "dose_mg_per_day"),
        ({"days_per_week": 8}, "days_per_week"),
        ({"recorded_on": TODAY + DAY}, "recorded_on"),
        ({"category": "paracetamol"}, "opioid_code"),  # an opioid code on a non-opioid
        ({"category": "hyaluronic_acid_injection", "opioid_code": ""}, "side"),
        ({"category": "other", "opioid_code": "", "name": " "}, "name"),
        ({"category": "none", "opioid_code": ""}, "category"),  # "none" with a dose
    ],
)
def test_bad_medication_is_refused_and_nothing_saved(patient_a, clinician_a, overrides, field):
    with pytest.raises(ValidationError) as error:
        record_opioid(clinician_a, patient_a, **overrides)
    assert field in error.value.message_dict
    assert not MedicationUse.objects.exists()
    assert not AuditEvent.objects.filter(action="medication.record").exists()


def test_medication_edit_derives_mme_again_and_refuses_a_stale_version(patient_a, clinician_a):
    use = record_opioid(clinician_a, patient_a)
    updated = medication_update(
        actor=actor(clinician_a),
        use=use,
        expected_version=1,
        opioid_code="tramadol",
        dose_mg_per_day=Decimal("200"),
    )
    assert (updated.version, updated.mme_per_day) == (2, Decimal("40.0"))
    event = AuditEvent.objects.get(action="medication.update")
    assert sorted(event.detail["fields"]) == ["dose_mg_per_day", "mme_per_day", "opioid_code"]
    with pytest.raises(Conflict):
        medication_update(actor=actor(clinician_a), use=use, expected_version=1, days_per_week=3)
    use.refresh_from_db()
    assert (use.version, use.days_per_week) == (2, 7)
    switched = medication_update(
        actor=actor(clinician_a),
        use=use,
        expected_version=2,
        category="paracetamol",
        opioid_code="",
        dose_mg_per_day=Decimal("3000"),
    )
    assert (switched.mme_per_day, switched.mme_factors_version) == (None, "")


def test_roles_and_clinics_are_enforced(patient_a, nurse_a, front_desk_a, admin_a, clinician_b):
    assert record_opioid(nurse_a, patient_a).mme_per_day == Decimal("30.0")
    for user in (front_desk_a, admin_a):
        with pytest.raises(AccessDenied):
            record_opioid(user, patient_a)
    with pytest.raises(NotFound):
        record_opioid(clinician_b, patient_a)
    with pytest.raises(NotFound):
        surgery_record(
            actor=actor(clinician_b),
            patient=patient_a,
            side="right",
            performed_on=TODAY,
            procedure="arthroscopy",
        )
    assert MedicationUse.objects.count() == 1
    assert not Surgery.objects.exists()


def test_medication_change_from_baseline_to_latest(patient_a, clinician_a):
    who = actor(clinician_a)
    assert medication_change(patient=patient_a) is None
    record_opioid(clinician_a, patient_a)
    baseline: dict[str, Any] = {"recorded_on": TODAY - 60 * DAY, "time_point": "baseline"}
    medication_record(actor=who, patient=patient_a, category="nsaid_oral", **baseline)
    assert medication_change(patient=patient_a) is None  # a baseline alone is no change
    later: dict[str, Any] = {"recorded_on": TODAY - 5 * DAY, "time_point": "follow_up"}
    medication_record(
        actor=who, patient=patient_a, category="paracetamol", days_per_week=2, **later
    )
    medication_record(
        actor=who,
        patient=patient_a,
        category="hyaluronic_acid_injection",
        side="left",
        **later,
    )
    change = medication_change(patient=patient_a)
    assert change is not None
    assert (change.baseline_on, change.latest_on) == (TODAY - 60 * DAY, TODAY - 5 * DAY)
    assert (change.baseline_mme, change.latest_mme) == (Decimal("30.0"), Decimal("0"))
    assert change.lines == (
        "Opioids: 30 -> 0 MME/day",
        "NSAID tablets stopped",
        "Paracetamol started",
        "Hyaluronic acid injections started",
    )
    assert change.summary == "; ".join(change.lines)
    assert (change.baseline_days_per_week, change.latest_days_per_week) == (7, 2)
    right = medication_change(patient=patient_a, side="right")
    assert right is not None
    assert "Hyaluronic acid injections started" not in right.lines  # the left knee's injection


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("flexion_degrees", 166),
        ("flexion_degrees", -1),
        ("extension_degrees", -31),
        ("extension_degrees", 91),
        ("chair_stand_count", 61),
        ("timed_up_and_go_seconds", Decimal("0.5")),
        ("timed_up_and_go_seconds", Decimal("300.1")),
        ("lachman_grade", 4),
        ("effusion_grade", "4+"),
    ],
)
def test_out_of_range_examination_is_refused(patient_a, clinician_a, field, value):
    with pytest.raises(ValidationError) as error:
        examination_record(
            actor=actor(clinician_a),
            patient=patient_a,
            side="right",
            examined_on=TODAY,
            **{field: value},
        )
    assert field in error.value.message_dict
    assert not Examination.objects.exists()
    assert not AuditEvent.objects.filter(action="examination.record").exists()


def test_an_examination_needs_a_measure_and_one_per_knee_per_day(patient_a, clinician_a):
    who = actor(clinician_a)
    with pytest.raises(ValidationError, match="at least one measure"):
        examination_record(actor=who, patient=patient_a, side="right", examined_on=TODAY)
    exam = examination_record(
        actor=who,
        patient=patient_a,
        side="right",
        examined_on=TODAY,
        flexion_degrees=165,
        extension_degrees=-30,
    )
    assert AuditEvent.objects.get(action="examination.record").detail == {
        "measures": ["extension_degrees", "flexion_degrees"]
    }
    with pytest.raises(ValidationError):
        examination_record(
            actor=who, patient=patient_a, side="right", examined_on=TODAY, chair_stand_count=10
        )
    examination_record(
        actor=who, patient=patient_a, side="left", examined_on=TODAY, chair_stand_count=10
    )
    updated = examination_update(
        actor=who, examination=exam, expected_version=1, timed_up_and_go_seconds=Decimal("9.5")
    )
    assert updated.version == 2
    with pytest.raises(Conflict):
        examination_update(actor=who, examination=exam, expected_version=1, flexion_degrees=90)
    assert [e.examined_on for e in examination_series(patient=patient_a, side="right")] == [TODAY]


def test_surgery_rules_and_surgery_free_time(patient_a, clinician_a, course_a):
    course, _session, _injection = course_a  # right knee, started 30 days ago, one session done
    who = actor(clinician_a)
    free = surgery_free(course=course, today=TODAY)
    assert (free.days, free.censored, free.surgery) == (0, True, None)  # session on day 0
    with pytest.raises(ValidationError) as error:
        surgery_record(
            actor=who,
            patient=patient_a,
            side="left",
            performed_on=TODAY,
            procedure="other",
            course=course,
        )
    assert set(error.value.message_dict) == {"other_procedure", "course"}
    assert not Surgery.objects.exists()
    examination_record(
        actor=who,
        patient=patient_a,
        side="right",
        examined_on=TODAY - 10 * DAY,
        flexion_degrees=120,
    )
    free = surgery_free(course=course, today=TODAY)
    assert (free.days, free.censored, free.until) == (20, True, TODAY - 10 * DAY)
    surgery = surgery_record(
        actor=who,
        patient=patient_a,
        side="right",
        performed_on=TODAY - 5 * DAY,
        procedure="total_arthroplasty",
        course=course,
    )
    free = surgery_free(course=course, today=TODAY)
    assert (free.days, free.censored, free.surgery) == (25, False, surgery)
    assert surgeries_of(patient=patient_a) == [surgery]
    surgery_update(actor=who, surgery=surgery, expected_version=1, performed_on=TODAY - 29 * DAY)
    assert surgery_free(course=course, today=TODAY).days == 1
    assert AuditEvent.objects.filter(action__startswith="surgery.").count() == 2
    with pytest.raises(Conflict):
        surgery_update(actor=who, surgery=surgery, expected_version=1, notes="late")
