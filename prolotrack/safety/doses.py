"""The session's lidocaine dose check (clinical.md §2), stored on `DoseCheck`.

`dose_check` recomputes from the session's injections, grouped into syringes by concentration,
with the pure `domain.dosing.session_check`, the shipped limits (`knowledge/dosing`) and the
patient's latest weight on or before the session day. A weight that is missing or older than
the clinic's `weight_max_age_days` is stale: the check then does not pass until someone weighs
the patient or a clinician overrides it. Treatment services call it whenever injections change.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import asdict, dataclass
from decimal import ROUND_UP, Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from prolotrack.audit.services import audit_record
from prolotrack.clinics.access import SESSION_DOCUMENT_ROLES, require_role
from prolotrack.clinics.models import Role
from prolotrack.core.actor import Actor
from prolotrack.core.errors import ApplicationError
from prolotrack.core.records import record_create, record_update
from prolotrack.domain.dosing import (
    LIDOCAINE_QUANTUM_MG,
    DoseLimits,
    DosingError,
    Stock,
    SyringeTarget,
    session_check,
    weight_is_stale,
)
from prolotrack.knowledge.dosing import dose_limits
from prolotrack.patients.models import WeightMeasurement
from prolotrack.safety.clinic_settings import clinic_settings_for
from prolotrack.safety.models import OVERRIDE_REASON_MIN_CHARS, DoseCheck, LidocaineStock
from prolotrack.treatment.models import Session, SessionStatus

OVERRIDE_ROLES = frozenset({Role.CLINICIAN})


@dataclass(frozen=True)
class DoseNumbers:
    """What a check computes (the stored fields of `DoseCheck` other than the stock)."""

    weight_kg: Decimal | None
    weight_measured_on: dt.date | None
    weight_stale: bool
    total_lidocaine_mg: Decimal
    max_lidocaine_mg: Decimal | None
    within_limit: bool | None
    total_dextrose_g: Decimal
    limits_version: str
    problem: str
    notes: list[str]


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}"


def syringe_targets(session: Session) -> list[SyringeTarget]:
    """The session's injections as syringes: one per (dextrose %, lidocaine %), volumes summed."""
    volumes: dict[tuple[Decimal, Decimal], Decimal] = defaultdict(Decimal)
    for volume, dextrose, lidocaine in session.injections.values_list(
        "volume_ml", "dextrose_pct", "lidocaine_pct"
    ):
        volumes[(dextrose, lidocaine)] += volume
    return [
        SyringeTarget(
            label=f"dextrose {_number(dextrose)} %, lidocaine {_number(lidocaine)} %",
            final_volume_ml=volume,
            dextrose_pct=dextrose,
            lidocaine_pct=lidocaine,
        )
        for (dextrose, lidocaine), volume in sorted(volumes.items())
    ]


def _latest_weight(session: Session) -> WeightMeasurement | None:
    return (
        WeightMeasurement.objects.filter(
            patient_id=session.course.patient_id, measured_on__lte=session.day
        )
        .order_by("-measured_on", "-id")
        .first()
    )


def dose_numbers(session: Session, *, epinephrine: bool, lidocaine_stock_pct: int) -> DoseNumbers:
    """Compute the check for the session's current injections; no writes."""
    limits = dose_limits()
    weight = _latest_weight(session)
    weight_kg = weight.weight_kg if weight else None
    measured_on = weight.measured_on if weight else None
    max_age = clinic_settings_for(session.clinic_id).weight_max_age_days
    stale = weight_is_stale(measured_on, session.day, max_age)
    targets = syringe_targets(session)
    stock = Stock(lidocaine_pct=Decimal(lidocaine_stock_pct), epinephrine=epinephrine)
    if not targets:
        return _numbers_without_syringes(limits, weight_kg, measured_on, stale, epinephrine)
    try:
        check = session_check(stock, targets, weight_kg=weight_kg, limits=limits)
    except DosingError as error:
        return _numbers_unpreparable(limits, targets, weight, stale, epinephrine, str(error))
    notes = list(check.notes)
    if stale and weight is not None:
        notes.insert(0, f"weight from {measured_on} is older than {max_age} days: weigh again")
    return DoseNumbers(
        weight_kg=weight_kg,
        weight_measured_on=measured_on,
        weight_stale=stale,
        total_lidocaine_mg=check.total_lidocaine_mg,
        max_lidocaine_mg=check.max_lidocaine_mg,
        within_limit=check.within_limit,
        total_dextrose_g=check.total_dextrose_g,
        limits_version=limits.version,
        problem="",
        notes=notes,
    )


def _maximum(limits: DoseLimits, weight_kg: Decimal | None, epinephrine: bool) -> Decimal | None:
    if weight_kg is None:
        return None
    return limits.lidocaine_maximum(epinephrine=epinephrine).for_weight(weight_kg)


def _numbers_without_syringes(
    limits: DoseLimits,
    weight_kg: Decimal | None,
    measured_on: dt.date | None,
    stale: bool,
    epinephrine: bool,
) -> DoseNumbers:
    maximum = _maximum(limits, weight_kg, epinephrine)
    return DoseNumbers(
        weight_kg=weight_kg,
        weight_measured_on=measured_on,
        weight_stale=stale,
        total_lidocaine_mg=Decimal(0),
        max_lidocaine_mg=maximum,
        within_limit=None if maximum is None else True,
        total_dextrose_g=Decimal(0),
        limits_version=limits.version,
        problem="",
        notes=[],
    )


def _numbers_unpreparable(
    limits: DoseLimits,
    targets: list[SyringeTarget],
    weight: WeightMeasurement | None,
    stale: bool,
    epinephrine: bool,
    problem: str,
) -> DoseNumbers:
    """The totals still follow from the injections (mg = mL x % x 10, rounded up); the check
    cannot pass until the syringes can be made from the stock."""
    total_mg = sum(
        (
            (t.final_volume_ml * t.lidocaine_pct * 10).quantize(LIDOCAINE_QUANTUM_MG, ROUND_UP)
            for t in targets
        ),
        Decimal(0),
    )
    total_g = sum((t.final_volume_ml * t.dextrose_pct / 100 for t in targets), Decimal(0))
    weight_kg = weight.weight_kg if weight else None
    return DoseNumbers(
        weight_kg=weight_kg,
        weight_measured_on=weight.measured_on if weight else None,
        weight_stale=stale,
        total_lidocaine_mg=total_mg,
        max_lidocaine_mg=_maximum(limits, weight_kg, epinephrine),
        within_limit=None,
        total_dextrose_g=total_g.quantize(Decimal("0.001")),
        limits_version=limits.version,
        problem=problem[:300],
        notes=[],
    )


def _audit(actor: Actor | None, action: str, check: DoseCheck, **detail: Any) -> None:
    audit_record(
        actor=actor,
        action=action,
        clinic_id=check.clinic_id,
        patient_id=check.session.course.patient_id,
        target=check,
        detail=detail,
    )


def dose_check(*, session: Session) -> DoseCheck:
    """Recompute and store the session's dose check (created on first use).

    Call inside the transaction of the change that prompted it. When the numbers an override
    was given for change, the override no longer holds and is cleared (audited).
    """
    check = DoseCheck.objects.select_for_update(no_key=True).filter(session_id=session.id).first()
    if check is None:
        check = DoseCheck(clinic_id=session.clinic_id, session=session)
    numbers = asdict(
        dose_numbers(
            session, epinephrine=check.epinephrine, lidocaine_stock_pct=check.lidocaine_stock_pct
        )
    )
    if check.pk is None:
        return record_create(_filled(check, numbers))
    changes = {name: value for name, value in numbers.items() if getattr(check, name) != value}
    if not changes:
        return check
    voided = check.is_overridden and bool({"total_lidocaine_mg", "max_lidocaine_mg"} & set(changes))
    if voided:
        changes |= {"override_reason": "", "overridden_by": None, "overridden_at": None}
    record_update(check, changes={**changes, "checked_at": timezone.now()}, expected_version=None)
    if voided:
        _audit(None, "dose.override_void", check, fields=sorted(changes))
    return check


def _filled(check: DoseCheck, numbers: dict[str, Any]) -> DoseCheck:
    for name, value in numbers.items():
        setattr(check, name, value)
    check.checked_at = timezone.now()
    return check


def _lock_open_session(actor: Actor, session: Session, roles: frozenset[str]) -> Session:
    require_role(actor.user, session.clinic_id, roles)
    locked = (
        Session.objects.select_for_update(no_key=True).select_related("course").get(id=session.id)
    )
    if locked.status != SessionStatus.SCHEDULED:
        raise ApplicationError("The dose check is changed before a session, while it is scheduled.")
    return locked


@transaction.atomic
def dose_stock_set(
    *, actor: Actor, session: Session, lidocaine_stock_pct: int, epinephrine: bool
) -> DoseCheck:
    """Say which lidocaine stock is on the tray (1 % or 2 %, with or without epinephrine)."""
    locked = _lock_open_session(actor, session, SESSION_DOCUMENT_ROLES)
    if lidocaine_stock_pct not in LidocaineStock.values:
        raise ApplicationError("Choose a 1 % or 2 % lidocaine stock.", field="lidocaine_stock_pct")
    check = dose_check(session=locked)
    stock = {"lidocaine_stock_pct": lidocaine_stock_pct, "epinephrine": epinephrine}
    if record_update(check, changes=stock, expected_version=None):
        check = dose_check(session=locked)
        _audit(actor, "dose.stock", check, **stock)
    return check


@transaction.atomic
def dose_override(*, actor: Actor, session: Session, reason: str) -> DoseCheck:
    """A clinician proceeds despite a failed dose check, giving the reason (audited)."""
    locked = _lock_open_session(actor, session, OVERRIDE_ROLES)
    check = dose_check(session=locked)
    if check.passes:
        raise ApplicationError("The dose check passes; there is nothing to override.")
    if len(reason.strip()) < OVERRIDE_REASON_MIN_CHARS:
        raise ApplicationError(
            f"Give the reason (at least {OVERRIDE_REASON_MIN_CHARS} characters).", field="reason"
        )
    changes = {
        "override_reason": reason.strip(),
        "overridden_by": actor.user,
        "overridden_at": timezone.now(),
    }
    record_update(check, changes=changes, expected_version=None)
    _audit(
        actor,
        "dose.override",
        check,
        within_limit=check.within_limit,
        weight_stale=check.weight_stale,
    )
    return check
