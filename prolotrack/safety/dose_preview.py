"""The dose of one syringe while it is being typed into the injection form, and what the
session's total lidocaine would then be against the patient's maximum (clinical.md §2).

Nothing is stored: the numbers come from the pure `domain.dosing` functions with the session's
stock (its `DoseCheck`, else lidocaine 1 % plain), the shipped limits and the patient's latest
weight, as `safety.doses.dose_check` computes them once the injection is saved.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from prolotrack.domain.dosing import (
    DosingError,
    Stock,
    SyringeTarget,
    prepare,
    session_check,
    weight_is_stale,
)
from prolotrack.knowledge.dosing import dose_limits
from prolotrack.safety.clinic_settings import clinic_settings_for
from prolotrack.safety.doses import _latest_weight
from prolotrack.safety.models import DoseCheck, LidocaineStock
from prolotrack.treatment.models import Injection, Session


@dataclass(frozen=True)
class DosePreview:
    """`problem` says why a number is missing (a mix the stock cannot make)."""

    lidocaine_mg: Decimal | None
    dextrose_g: Decimal | None
    total_lidocaine_mg: Decimal | None
    max_lidocaine_mg: Decimal | None
    within_limit: bool | None
    total_dextrose_g: Decimal | None
    weight_kg: Decimal | None
    weight_stale: bool
    stock: str
    problem: str


def _stock(session: Session) -> Stock:
    check = DoseCheck.objects.filter(session_id=session.id).first()
    if check is None:
        return Stock(lidocaine_pct=Decimal(int(LidocaineStock.ONE)), epinephrine=False)
    return Stock(lidocaine_pct=Decimal(check.lidocaine_stock_pct), epinephrine=check.epinephrine)


def _targets(
    session: Session, replacing: Injection | None, syringe: SyringeTarget
) -> list[SyringeTarget]:
    """The session's other injections plus this syringe, one target per concentration pair."""
    volumes: dict[tuple[Decimal, Decimal], Decimal] = defaultdict(Decimal)
    others = session.injections.all()
    if replacing is not None:
        others = others.exclude(id=replacing.id)
    for volume, dextrose, lidocaine in others.values_list(
        "volume_ml", "dextrose_pct", "lidocaine_pct"
    ):
        volumes[(dextrose, lidocaine)] += volume
    volumes[(syringe.dextrose_pct, syringe.lidocaine_pct)] += syringe.final_volume_ml
    return [
        SyringeTarget(
            label=f"dextrose {dextrose} %, lidocaine {lidocaine} %",
            final_volume_ml=volume,
            dextrose_pct=dextrose,
            lidocaine_pct=lidocaine,
        )
        for (dextrose, lidocaine), volume in sorted(volumes.items())
    ]


def dose_preview(
    session: Session,
    *,
    volume_ml: Decimal,
    dextrose_pct: Decimal,
    lidocaine_pct: Decimal,
    replacing: Injection | None = None,
) -> DosePreview:
    """This syringe's lidocaine mg and dextrose g, and the session totals with it (replacing
    the injection being edited, if any). Reads only."""
    stock = _stock(session)
    limits = dose_limits()
    weight = _latest_weight(session)
    weight_kg = weight.weight_kg if weight else None
    max_age = clinic_settings_for(session.clinic_id).weight_max_age_days
    stale = weight_is_stale(weight.measured_on if weight else None, session.day, max_age)
    epinephrine = " with epinephrine" if stock.epinephrine else ", plain"
    described = f"lidocaine {stock.lidocaine_pct} %{epinephrine}"
    try:
        syringe = SyringeTarget(
            label="this syringe",
            final_volume_ml=volume_ml,
            dextrose_pct=dextrose_pct,
            lidocaine_pct=lidocaine_pct,
        )
        recipe = prepare(stock, syringe)
        check = session_check(
            stock, _targets(session, replacing, syringe), weight_kg=weight_kg, limits=limits
        )
    except DosingError as error:
        missing = (None,) * 6
        return DosePreview(*missing, weight_kg, stale, described, str(error))
    return DosePreview(
        lidocaine_mg=recipe.lidocaine_mg,
        dextrose_g=recipe.dextrose_g,
        total_lidocaine_mg=check.total_lidocaine_mg,
        max_lidocaine_mg=check.max_lidocaine_mg,
        within_limit=check.within_limit,
        total_dextrose_g=check.total_dextrose_g,
        weight_kg=weight_kg,
        weight_stale=stale,
        stock=described,
        problem="",
    )
