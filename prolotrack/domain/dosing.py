"""Solution preparation and the lidocaine dose check of one session (clinical.md §2).

Pure: stocks, syringe targets and a weight in, recipes and a check out. Inputs and results
are `Decimal`, never float, so 0.1 + 0.2 is 0.3. In between, the divisions of the dilution
rule are carried as exact `fractions.Fraction` (Decimal would round 1/3 at 28 digits, and a
twice-rounded volume can land on the wrong side of a half), so the only rounding is the final
one below. The limits are data (`prolotrack.knowledge.dosing`); this module applies them.

Percentages are weight per volume (w/v): 1 % is 1 g per 100 mL, so lidocaine 1 % = 10 mg/mL
and D50W = 0.5 g/mL. The knowledge loader checks that the shipped stock facts agree.

Rounding (of the results only):
- stock and diluent volumes to 0.01 mL, half up. The diluent is the final volume minus the
  two rounded stock volumes, so the three always add up to the final volume exactly;
- lidocaine doses UP to 0.01 mg and the maximum DOWN to 0.01 mg, so rounding can only
  make a check stricter, and `within_limit` agrees with the printed numbers;
- dextrose grams to 0.001 g, half up.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Literal

VOLUME_QUANTUM_ML = Decimal("0.01")
LIDOCAINE_QUANTUM_MG = Decimal("0.01")
DEXTROSE_QUANTUM_G = Decimal("0.001")

LIDOCAINE_MG_PER_ML_PER_PCT = Decimal(10)  # w/v: 1 % = 1 g/100 mL = 10 mg/mL
DEXTROSE_G_PER_ML_PER_PCT = Decimal("0.01")  # w/v: 50 % = 0.5 g/mL

# Sanity bounds, not clinical limits: beyond them the number is a typo. Bounding the digits
# also keeps the exact arithmetic small (1E-999999999 would be a billion-digit fraction).
MAX_PERCENT = Decimal(100)
MAX_VOLUME_ML = Decimal(1000)
MAX_WEIGHT_KG = Decimal(1000)
FINEST = Decimal("0.000000001")  # percentages and weights: 9 decimal places at most


class DosingError(ValueError):
    """A solution that cannot be made, or an input that cannot be used for a dose check."""


def _number(
    value: object,
    name: str,
    where: str,
    *,
    positive: bool,
    maximum: Decimal,
    quantum: Decimal,
    unit: str,
) -> Decimal:
    """`value` as a bounded, finite Decimal; ints are exact, floats and bools are refused."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise DosingError(f"{where}: {name} must be a Decimal, not {type(value).__name__}")
    number = Decimal(value)
    if not number.is_finite():
        raise DosingError(f"{where}: {name} must be a finite number, got {number}")
    if positive and number <= 0:
        raise DosingError(f"{where}: {name} must be above 0, got {number}")
    if number < 0:
        raise DosingError(f"{where}: {name} must not be negative, got {number}")
    if number > maximum:
        raise DosingError(f"{where}: {name} must not be above {maximum} {unit}, got {number}")
    if number != number.quantize(quantum):
        raise DosingError(f"{where}: {name} {number} is finer than {quantum:f} {unit}")
    return number.copy_abs() if number.is_zero() else number  # -0 would print as -0.0


def _percent(value: object, name: str, where: str) -> Decimal:
    return _number(
        value, name, where, positive=False, maximum=MAX_PERCENT, quantum=FINEST, unit="%"
    )


def _set(instance: object, name: str, value: object) -> None:
    object.__setattr__(instance, name, value)  # normalising a frozen dataclass in __post_init__


@dataclass(frozen=True, slots=True, kw_only=True)
class Stock:
    """The stock solutions on the tray: dextrose (D50W = 50 %) and lidocaine (1 % or 2 %).

    ``lidocaine_pct = 0`` means no lidocaine stock. ``epinephrine`` says whether the lidocaine
    stock contains epinephrine, which picks the higher maximum dose.
    """

    dextrose_pct: Decimal = Decimal(50)
    lidocaine_pct: Decimal
    epinephrine: bool

    def __post_init__(self) -> None:
        _set(self, "dextrose_pct", _percent(self.dextrose_pct, "dextrose_pct", "stock"))
        _set(self, "lidocaine_pct", _percent(self.lidocaine_pct, "lidocaine_pct", "stock"))
        if not isinstance(self.epinephrine, bool):
            raise DosingError("stock: epinephrine must be true or false")


@dataclass(frozen=True, slots=True, kw_only=True)
class SyringeTarget:
    """What one syringe should hold: its final volume and concentrations."""

    label: str
    final_volume_ml: Decimal
    dextrose_pct: Decimal
    lidocaine_pct: Decimal

    def __post_init__(self) -> None:
        if not isinstance(self.label, str) or not self.label.strip():
            raise DosingError("a syringe needs a label")
        where = f"syringe {self.label!r}"
        volume = _number(
            self.final_volume_ml,
            "final_volume_ml",
            where,
            positive=True,
            maximum=MAX_VOLUME_ML,
            quantum=VOLUME_QUANTUM_ML,
            unit="mL",
        )
        _set(self, "final_volume_ml", volume.quantize(VOLUME_QUANTUM_ML))
        _set(self, "dextrose_pct", _percent(self.dextrose_pct, "dextrose_pct", where))
        _set(self, "lidocaine_pct", _percent(self.lidocaine_pct, "lidocaine_pct", where))


@dataclass(frozen=True, slots=True)
class SyringeRecipe:
    """How to fill one syringe, and what it then contains (rounded as the module says)."""

    label: str
    dextrose_stock_ml: Decimal
    lidocaine_stock_ml: Decimal
    diluent_ml: Decimal
    lidocaine_mg: Decimal
    dextrose_g: Decimal
    final_volume_ml: Decimal
    dextrose_pct: Decimal
    lidocaine_pct: Decimal


def _lidocaine_mg(volume_ml: Decimal, lidocaine_pct: Decimal) -> Fraction:
    """mg = mL x % x 10 (clinical.md §2: 6 mL of 0.5 % = 30 mg), exact."""
    return Fraction(volume_ml) * Fraction(lidocaine_pct) * Fraction(LIDOCAINE_MG_PER_ML_PER_PCT)


def _dextrose_g(volume_ml: Decimal, dextrose_pct: Decimal) -> Fraction:
    """g = mL x % / 100 (clinical.md §2, glucose load), exact."""
    return Fraction(volume_ml) * Fraction(dextrose_pct) * Fraction(DEXTROSE_G_PER_ML_PER_PCT)


_Rounding = Literal["half_up", "up", "down"]


def _rounded(value: Fraction, quantum: Decimal, rounding: _Rounding) -> Decimal:
    """`value` (>= 0) to a multiple of `quantum`, rounded once, from the exact value."""
    steps = value / Fraction(quantum)
    if rounding == "up":
        whole = math.ceil(steps)
    elif rounding == "down":
        whole = math.floor(steps)
    else:
        whole = math.floor(steps + Fraction(1, 2))
    return Decimal(whole) * quantum  # exact: `whole` has far fewer than 28 digits


def _stock_volume(
    wanted_pct: Decimal, stock_pct: Decimal, volume_ml: Decimal, substance: str, where: str
) -> Fraction:
    """C1 V1 = C2 V2, so V(stock) = C(final) x V(final) / C(stock), exact."""
    if wanted_pct == 0:
        return Fraction(0)
    if stock_pct == 0:
        raise DosingError(
            f"{where}: {wanted_pct} % {substance} is wanted but there is no {substance} stock (0 %)"
        )
    if wanted_pct > stock_pct:
        raise DosingError(
            f"{where}: {wanted_pct} % {substance} cannot be made from a {stock_pct} % stock"
        )
    return Fraction(wanted_pct) * Fraction(volume_ml) / Fraction(stock_pct)


def prepare(stock: Stock, target: SyringeTarget) -> SyringeRecipe:
    """The stock volumes and diluent for one syringe, and the lidocaine and dextrose in it."""
    where = f"syringe {target.label!r}"
    volume = target.final_volume_ml
    dextrose_ml = _stock_volume(target.dextrose_pct, stock.dextrose_pct, volume, "dextrose", where)
    lidocaine_ml = _stock_volume(
        target.lidocaine_pct, stock.lidocaine_pct, volume, "lidocaine", where
    )
    if dextrose_ml + lidocaine_ml > volume:
        raise DosingError(
            f"{where}: {_rounded(dextrose_ml, VOLUME_QUANTUM_ML, 'half_up')} mL dextrose stock "
            f"and {_rounded(lidocaine_ml, VOLUME_QUANTUM_ML, 'half_up')} mL lidocaine stock "
            f"add up to more than the final {volume} mL"
        )
    dextrose_rounded = _rounded(dextrose_ml, VOLUME_QUANTUM_ML, "half_up")
    # Both volumes rounding up can overshoot the final volume by 0.01 mL when the exact
    # diluent is under 0.01 mL; then the lidocaine volume is rounded down instead.
    lidocaine_rounded = min(
        _rounded(lidocaine_ml, VOLUME_QUANTUM_ML, "half_up"), volume - dextrose_rounded
    )
    return SyringeRecipe(
        label=target.label,
        dextrose_stock_ml=dextrose_rounded,
        lidocaine_stock_ml=lidocaine_rounded,
        diluent_ml=volume - dextrose_rounded - lidocaine_rounded,
        lidocaine_mg=_rounded(
            _lidocaine_mg(volume, target.lidocaine_pct), LIDOCAINE_QUANTUM_MG, "up"
        ),
        dextrose_g=_rounded(
            _dextrose_g(volume, target.dextrose_pct), DEXTROSE_QUANTUM_G, "half_up"
        ),
        final_volume_ml=volume,
        dextrose_pct=target.dextrose_pct,
        lidocaine_pct=target.lidocaine_pct,
    )


# --- limits and the session check ---


@dataclass(frozen=True, slots=True)
class LidocaineMaximum:
    """Adult maximum for local infiltration: ``mg_per_kg`` x weight, at most ``ceiling_mg``."""

    mg_per_kg: Decimal
    ceiling_mg: Decimal
    source: str
    confirmed: bool
    note: str = ""

    def for_weight(self, weight_kg: Decimal) -> Decimal:
        """The maximum in mg for this weight, rounded DOWN to 0.01 mg (clinical.md §2)."""
        exact = min(Fraction(self.mg_per_kg) * Fraction(weight_kg), Fraction(self.ceiling_mg))
        return _rounded(exact, LIDOCAINE_QUANTUM_MG, "down")

    def describe(self) -> str:
        return f"{self.mg_per_kg} mg/kg, at most {self.ceiling_mg} mg"


@dataclass(frozen=True, slots=True)
class StockStrength:
    """A labelled stock fact: D50W holds 0.5 g/mL; lidocaine 1 % holds 10 mg/mL."""

    substance: Literal["dextrose", "lidocaine"]
    percent: Decimal
    amount_per_ml: Decimal
    unit: Literal["g", "mg"]
    source: str
    confirmed: bool
    note: str = ""

    def agrees_with_weight_per_volume(self) -> bool:
        """Whether the labelled amount is what the w/v arithmetic of this module assumes."""
        per_pct = DEXTROSE_G_PER_ML_PER_PCT if self.unit == "g" else LIDOCAINE_MG_PER_ML_PER_PCT
        return Fraction(self.amount_per_ml) == Fraction(self.percent) * Fraction(per_pct)


@dataclass(frozen=True, slots=True)
class DoseLimits:
    """The editable dosing facts, with the version stored with every check."""

    version: str
    without_epinephrine: LidocaineMaximum
    with_epinephrine: LidocaineMaximum
    caution: str
    stock_strengths: tuple[StockStrength, ...]
    weight_max_age_days: int
    weight_note: str = ""

    def lidocaine_maximum(self, *, epinephrine: bool) -> LidocaineMaximum:
        return self.with_epinephrine if epinephrine else self.without_epinephrine


@dataclass(frozen=True, slots=True)
class SessionDoseCheck:
    """The recipes of one session, the totals, and the lidocaine check against the maximum.

    ``max_lidocaine_mg`` and ``within_limit`` are None when the weight is unknown. Exactly at
    the maximum counts as within.
    """

    recipes: tuple[SyringeRecipe, ...]
    total_lidocaine_mg: Decimal
    max_lidocaine_mg: Decimal | None
    within_limit: bool | None
    total_dextrose_g: Decimal
    limits_version: str
    weight_kg: Decimal | None
    epinephrine: bool
    notes: tuple[str, ...] = field(default=())


def session_check(
    stock: Stock,
    targets: Sequence[SyringeTarget],
    *,
    weight_kg: Decimal | None,
    limits: DoseLimits,
) -> SessionDoseCheck:
    """Prepare every syringe and check the session's total lidocaine against the maximum."""
    if not targets:
        raise DosingError("a session needs at least one syringe")
    labels = [target.label for target in targets]
    repeated = sorted({label for label in labels if labels.count(label) > 1})
    if repeated:
        raise DosingError(f"syringe labels repeat: {', '.join(repeated)}")
    weight = None if weight_kg is None else _weight(weight_kg)
    recipes = tuple(prepare(stock, target) for target in targets)
    total_mg = sum((recipe.lidocaine_mg for recipe in recipes), Decimal(0))
    maximum = limits.lidocaine_maximum(epinephrine=stock.epinephrine)
    max_mg = None if weight is None else maximum.for_weight(weight)
    return SessionDoseCheck(
        recipes=recipes,
        total_lidocaine_mg=total_mg,
        max_lidocaine_mg=max_mg,
        within_limit=None if max_mg is None else total_mg <= max_mg,
        total_dextrose_g=sum((recipe.dextrose_g for recipe in recipes), Decimal(0)),
        limits_version=limits.version,
        weight_kg=weight,
        epinephrine=stock.epinephrine,
        notes=_notes(
            maximum, limits, epinephrine=stock.epinephrine, weight_known=weight is not None
        ),
    )


def _weight(weight_kg: Decimal) -> Decimal:
    return _number(
        weight_kg,
        "weight_kg",
        "patient",
        positive=True,
        maximum=MAX_WEIGHT_KG,
        quantum=FINEST,
        unit="kg",
    )


def _notes(
    maximum: LidocaineMaximum, limits: DoseLimits, *, epinephrine: bool, weight_known: bool
) -> tuple[str, ...]:
    kind = "with" if epinephrine else "without"
    notes: list[str] = []
    if not weight_known:
        notes.append(
            f"weight unknown: the lidocaine maximum ({maximum.describe()}, {kind} "
            "epinephrine) was not computed"
        )
    if not maximum.confirmed:
        notes.append(
            f"lidocaine maximum {kind} epinephrine ({maximum.describe()}): "
            + (maximum.note or "UNCONFIRMED")
        )
    if limits.caution:
        notes.append(limits.caution)
    return tuple(notes)


def weight_is_stale(measured_on: dt.date | None, today: dt.date, max_age_days: int) -> bool:
    """Whether a weight is too old to dose by: unknown, or older than ``max_age_days`` days.

    A weight measured exactly ``max_age_days`` ago is still current. A date after ``today``
    is refused: it is a typo, and would otherwise never go stale.
    """
    if isinstance(max_age_days, bool) or not isinstance(max_age_days, int) or max_age_days < 0:
        raise DosingError(f"max_age_days must be a whole number of days >= 0, got {max_age_days}")
    if measured_on is None:
        return True
    if measured_on > today:
        raise DosingError(f"the weight was measured on {measured_on}, after today ({today})")
    return (today - measured_on).days > max_age_days
