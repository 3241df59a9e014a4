"""The session's lidocaine dose check: grouping into syringes, weight, limits, overrides.

Reference values are hand-worked from clinical.md §2: mg = mL x % x 10; g = mL x % / 100;
maximum = min(4.5 mg/kg, 300 mg) without epinephrine, min(7 mg/kg, 500 mg) with it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from prolotrack.audit.models import AuditEvent
from prolotrack.clinics.models import Clinic
from prolotrack.core.errors import AccessDenied, ApplicationError
from prolotrack.safety.clinic_settings import clinic_settings_update
from prolotrack.safety.doses import dose_check, dose_override, dose_stock_set
from prolotrack.safety.selectors import dose_overrides
from prolotrack.treatment.models import Session
from prolotrack.treatment.services import course_plan, injection_add
from tests.conftest import actor, make_user
from tests.safety.conftest import RABAGO_EA, RABAGO_IA, first_session, weigh

REASON = "Weighed last month on the ward; unchanged"
BIG_IA = {**RABAGO_IA, "volume_ml": Decimal("20"), "lidocaine_pct": Decimal("1")}  # 200 mg


def free_session(patient, clinician) -> Session:
    """The first session of a free-text course (no protocol, so no deviations), 3 days ago."""
    start = timezone.localdate() - dt.timedelta(days=3)
    course = course_plan(
        actor=actor(clinician),
        patient=patient,
        side="right",
        protocol_reference="Own plan",
        start_date=start,
        session_times=[dt.datetime.combine(start, dt.time(9), tzinfo=dt.UTC)],
    )
    return first_session(course)


def test_injections_are_grouped_into_syringes_by_concentration(patient_a, clinician_a):
    """IA 6 mL 25 %/0.5 % = 30 mg, 1.5 g; EA 3 x 0.5 mL 15 %/0.5 % = 7.5 mg, 0.225 g."""
    session = free_session(patient_a, clinician_a)
    weigh(patient_a, clinician_a, session.day, kg="70.0")
    injection_add(actor=actor(clinician_a), session=session, **RABAGO_IA)
    for site in ("mcl_femoral", "mcl_tibial", "pes_anserinus"):
        injection_add(actor=actor(clinician_a), session=session, **{**RABAGO_EA, "site_code": site})
    check = dose_check(session=session)
    assert check.total_lidocaine_mg == Decimal("37.5")
    assert check.total_dextrose_g == Decimal("1.725")
    assert check.max_lidocaine_mg == Decimal("300")  # 4.5 x 70 = 315, capped at 300 mg
    assert (check.within_limit, check.weight_stale, check.passes) == (True, False, True)
    assert (check.weight_kg, check.weight_measured_on) == (Decimal("70.0"), session.day)
    assert check.limits_version == "dose-limits-2026-11-r1"
    assert any("UNCONFIRMED" in note for note in check.notes)


def test_over_the_maximum_and_epinephrine(patient_a, clinician_a, nurse_a):
    """40 kg: max 4.5 x 40 = 180 mg; with epinephrine 7 x 40 = 280 mg. 20 mL of 1 % = 200 mg."""
    session = free_session(patient_a, clinician_a)
    weigh(patient_a, clinician_a, session.day, kg="40.0")
    injection_add(actor=actor(clinician_a), session=session, **BIG_IA)
    check = dose_check(session=session)
    assert check.problem.startswith("syringe")  # 25 % + 1 % cannot be made from a 1 % stock
    assert check.total_lidocaine_mg == Decimal("200")
    assert not check.passes
    check = dose_stock_set(
        actor=actor(nurse_a), session=session, lidocaine_stock_pct=2, epinephrine=False
    )
    assert (check.problem, check.max_lidocaine_mg, check.within_limit) == ("", Decimal(180), False)
    check = dose_stock_set(
        actor=actor(nurse_a), session=session, lidocaine_stock_pct=2, epinephrine=True
    )
    assert (check.max_lidocaine_mg, check.within_limit, check.passes) == (Decimal(280), True, True)
    with pytest.raises(ApplicationError):
        dose_stock_set(
            actor=actor(nurse_a), session=session, lidocaine_stock_pct=3, epinephrine=True
        )


def test_missing_and_stale_weights_are_flagged(patient_a, clinician_a, admin_a):
    session = free_session(patient_a, clinician_a)
    injection_add(actor=actor(clinician_a), session=session, **RABAGO_IA)
    missing = dose_check(session=session)
    assert (missing.weight_kg, missing.weight_stale, missing.within_limit) == (None, True, None)
    assert not missing.passes
    weigh(patient_a, clinician_a, session.day - dt.timedelta(days=100))
    stale = dose_check(session=session)
    assert (stale.weight_kg, stale.weight_stale, stale.within_limit) == (Decimal("70"), True, True)
    assert not stale.passes
    assert "older than 90 days" in stale.notes[0]
    clinic = Clinic.objects.get(id=session.clinic_id)
    clinic_settings_update(actor=actor(admin_a), clinic=clinic, weight_max_age_days=120)
    assert dose_check(session=session).passes


def test_no_lidocaine_passes_without_a_weight(patient_a, clinician_a):
    session = free_session(patient_a, clinician_a)
    injection_add(
        actor=actor(clinician_a), session=session, **{**RABAGO_IA, "lidocaine_pct": Decimal(0)}
    )
    check = dose_check(session=session)
    assert (check.total_lidocaine_mg, check.uses_lidocaine, check.passes) == (
        Decimal(0),
        False,
        True,
    )


def test_dose_override_by_a_clinician_with_a_reason(patient_a, clinician_a, nurse_a):
    session = free_session(patient_a, clinician_a)
    injection_add(actor=actor(clinician_a), session=session, **RABAGO_IA)
    with pytest.raises(AccessDenied):
        dose_override(actor=actor(nurse_a), session=session, reason=REASON)
    with pytest.raises(ApplicationError) as error:
        dose_override(actor=actor(clinician_a), session=session, reason="fine")
    assert error.value.field == "reason"
    check = dose_override(actor=actor(clinician_a), session=session, reason=REASON)
    assert (check.passes, check.overridden_by, check.override_reason) == (True, clinician_a, REASON)
    assert AuditEvent.objects.filter(action="dose.override").count() == 1
    assert list(dose_overrides(actor=actor(clinician_a))) == [check]
    injection_add(actor=actor(clinician_a), session=session, **RABAGO_IA)  # 60 mg now
    check.refresh_from_db()
    assert not check.is_overridden
    assert not check.passes
    assert AuditEvent.objects.filter(action="dose.override_void").exists()


def test_nothing_to_override_when_the_check_passes(patient_a, clinician_a):
    session = free_session(patient_a, clinician_a)
    weigh(patient_a, clinician_a, session.day)
    injection_add(actor=actor(clinician_a), session=session, **RABAGO_IA)
    with pytest.raises(ApplicationError):
        dose_override(actor=actor(clinician_a), session=session, reason=REASON)


def test_injections_keep_the_check_current(patient_a, clinician_a):
    session = free_session(patient_a, clinician_a)
    injection_add(actor=actor(clinician_a), session=session, **RABAGO_IA)
    session.refresh_from_db()
    assert session.dose_check.total_lidocaine_mg == Decimal(30)


def test_clinic_settings_are_for_clinic_admins(clinic_a, clinician_a):
    with pytest.raises(AccessDenied):
        clinic_settings_update(actor=actor(clinician_a), clinic=clinic_a, weight_max_age_days=30)
    other_admin = make_user("admin-a2", clinic_a, "clinic_admin")
    with pytest.raises(ValidationError):
        clinic_settings_update(actor=actor(other_admin), clinic=clinic_a, weight_max_age_days=0)
    updated = clinic_settings_update(
        actor=actor(other_admin), clinic=clinic_a, weight_max_age_days=30
    )
    assert (updated.weight_max_age_days, updated.updated_by) == (30, other_admin)
