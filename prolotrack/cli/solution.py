"""`prolotrack solution [FILE|-]`: syringe recipes and the session's lidocaine check, no database.

Thin: parses and checks the JSON shape (numbers are read as exact decimals, never float),
calls `prolotrack.domain.dosing.session_check` with the shipped limits, prints JSON numbers.
The input format and the rounding are in the command's help. Every bad input ends with exit
code 2 and one line on stderr.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from prolotrack.cli.main import fail
from prolotrack.domain.dosing import (
    DosingError,
    SessionDoseCheck,
    Stock,
    SyringeRecipe,
    SyringeTarget,
    session_check,
)
from prolotrack.knowledge.catalogue import KnowledgeError
from prolotrack.knowledge.dosing import dose_limits

STDIN = "-"
TOP_KEYS = ("patient_weight_kg", "epinephrine", "stock", "syringes")
STOCK_KEYS = ("dextrose_pct", "lidocaine_pct")
SYRINGE_KEYS = ("label", "final_volume_ml", "dextrose_pct", "lidocaine_pct")


def solution_command(
    file: Annotated[
        str, typer.Argument(help="The JSON file to read; '-' or nothing reads stdin.")
    ] = STDIN,
) -> None:
    """Work out how to fill each syringe and check the session's lidocaine.

    Needs no database. Reads one JSON object; every key is required and
    unknown keys are refused; patient_weight_kg may be null (weight unknown):

    {"patient_weight_kg": 70, "epinephrine": false,
     "stock": {"dextrose_pct": 50, "lidocaine_pct": 1},
     "syringes": [{"label": "IA", "final_volume_ml": 6,
                   "dextrose_pct": 25, "lidocaine_pct": 0.5}]}

    Rounding of the printed numbers (the check uses the printed numbers):
    - volumes to 0.01 mL, half up; diluent = final volume minus the two
      stock volumes, so the three add up to the final volume exactly;
    - lidocaine mg UP to 0.01 mg and the maximum DOWN to 0.01 mg, so
      rounding never turns an overdose into "within";
    - dextrose g to 0.001 g, half up;
    - totals are the sums of the syringe values.

    Exactly at the maximum counts as within. max_lidocaine_mg and
    within_limit are null without a weight. The lidocaine maxima are
    UNCONFIRMED at label level: "notes" says so with every check.
    """
    document = _parse(_read_input(file))
    try:
        check = _check(document)
    except (DosingError, KnowledgeError) as error:
        fail(_one_line(str(error)))
    typer.echo(json.dumps(_payload(check), indent=2, ensure_ascii=False))


def _one_line(message: str) -> str:
    return " ".join(message.split())


def _read_input(file: str) -> str:
    try:
        return sys.stdin.read() if file == STDIN else Path(file).read_text(encoding="utf-8")
    except OSError as error:
        fail(f"cannot read {file}: {error.strerror or error}")
    except UnicodeDecodeError:
        fail(f"cannot read {file}: it is not UTF-8 text")


def _refuse_constant(name: str) -> NoReturn:
    fail(f"invalid JSON: {name} is not a number")


def _parse(text: str) -> dict[str, Any]:
    """The JSON object, with every number as an exact Decimal (0.1 stays 0.1)."""
    try:
        document = json.loads(
            text, parse_float=Decimal, parse_int=Decimal, parse_constant=_refuse_constant
        )
    except json.JSONDecodeError as error:
        fail(f"invalid JSON: {error}")
    except RecursionError:
        fail("invalid JSON: nested too deeply")
    return _object(document, TOP_KEYS, "the input")


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if value is None:
        return "null"
    names = {str: "a string", list: "a list", dict: "an object", Decimal: "a number"}
    return names.get(type(value), type(value).__name__)


def _object(value: object, keys: tuple[str, ...], where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        fail(f"{where} must be an object with {', '.join(keys)}, not {_kind(value)}")
    missing = [key for key in keys if key not in value]
    if missing:
        fail(f"{where} is missing {', '.join(missing)}")
    unknown = sorted(set(value) - set(keys))
    if unknown:
        fail(f"{where} has unknown key(s) {', '.join(unknown)}; expected {', '.join(keys)}")
    return value


def _number(value: object, where: str) -> Decimal:
    if not isinstance(value, Decimal):
        fail(f"{where} must be a number, not {_kind(value)}")
    return value


def _stock(document: dict[str, Any]) -> Stock:
    epinephrine = document["epinephrine"]
    if not isinstance(epinephrine, bool):
        fail(f"epinephrine must be true or false, not {_kind(epinephrine)}")
    stock = _object(document["stock"], STOCK_KEYS, "stock")
    return Stock(
        dextrose_pct=_number(stock["dextrose_pct"], "stock.dextrose_pct"),
        lidocaine_pct=_number(stock["lidocaine_pct"], "stock.lidocaine_pct"),
        epinephrine=epinephrine,
    )


def _targets(syringes: object) -> list[SyringeTarget]:
    if not isinstance(syringes, list) or not syringes:
        fail(f"syringes must be a non-empty list of syringe objects, not {_kind(syringes)}")
    targets = []
    for position, raw in enumerate(syringes, start=1):
        where = f"syringe {position}"
        syringe = _object(raw, SYRINGE_KEYS, where)
        label = syringe["label"]
        if not isinstance(label, str) or not label.strip():
            fail(f"{where}: label must be a non-empty string, not {_kind(label)}")
        targets.append(
            SyringeTarget(
                label=label,
                final_volume_ml=_number(syringe["final_volume_ml"], f"{where}: final_volume_ml"),
                dextrose_pct=_number(syringe["dextrose_pct"], f"{where}: dextrose_pct"),
                lidocaine_pct=_number(syringe["lidocaine_pct"], f"{where}: lidocaine_pct"),
            )
        )
    return targets


def _check(document: dict[str, Any]) -> SessionDoseCheck:
    weight = document["patient_weight_kg"]
    weight_kg = None if weight is None else _number(weight, "patient_weight_kg")
    return session_check(
        _stock(document), _targets(document["syringes"]), weight_kg=weight_kg, limits=dose_limits()
    )


def _json_number(value: Decimal) -> float:
    """Decimals with at most 3 places print as the same digits through float's shortest repr."""
    return float(value)


def _syringe(recipe: SyringeRecipe) -> dict[str, object]:
    return {
        "label": recipe.label,
        "dextrose_stock_ml": _json_number(recipe.dextrose_stock_ml),
        "lidocaine_stock_ml": _json_number(recipe.lidocaine_stock_ml),
        "diluent_ml": _json_number(recipe.diluent_ml),
        "lidocaine_mg": _json_number(recipe.lidocaine_mg),
        "dextrose_g": _json_number(recipe.dextrose_g),
    }


def _payload(check: SessionDoseCheck) -> dict[str, object]:
    maximum = check.max_lidocaine_mg
    return {
        "syringes": [_syringe(recipe) for recipe in check.recipes],
        "total_lidocaine_mg": _json_number(check.total_lidocaine_mg),
        "max_lidocaine_mg": None if maximum is None else _json_number(maximum),
        "within_limit": check.within_limit,
        "total_dextrose_g": _json_number(check.total_dextrose_g),
        "limits_version": check.limits_version,
        "notes": list(check.notes),
    }


def register(app: typer.Typer) -> None:
    app.command(name="solution")(solution_command)
