"""`prolotrack respond [FILE|-]`: the OMERACT-OARSI responder rule on one patient, no database.

JSON in::

    {"direction": "higher_is_worse",
     "baseline": {"pain": 60, "function": 55, "global": 70},
     "followup": {"pain": 30, "function": 40, "global": 50}}

Domains are 0-100 on the scale `direction` describes; a domain may be left out or null.
JSON out: the rule's verdict, each domain's change (improvement positive, relative to the
worse-is-higher baseline, null at a baseline of 0), the domains that did not count and why,
and the version of the thresholds used (clinical.md Appendix B; numbers UNCONFIRMED, so
``thresholds_confirmed`` is printed too). Other keys of the input object are ignored. Every
bad input ends with exit code 2 and one line on stderr.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from prolotrack.cli.main import fail
from prolotrack.domain.response import (
    DOMAIN_NAMES,
    ORIENTATIONS,
    Domains,
    Orientation,
    ResponseError,
    change,
    omeract_oarsi,
)
from prolotrack.domain.thresholds import ThresholdSet
from prolotrack.knowledge.catalogue import KnowledgeError
from prolotrack.knowledge.thresholds import default_thresholds

STDIN = "-"
EXAMPLE = '{"direction": "higher_is_worse", "baseline": {"pain": 60}, "followup": {"pain": 30}}'


def respond_command(
    file: Annotated[
        str, typer.Argument(help="The JSON file to read; '-' or nothing reads stdin.")
    ] = STDIN,
) -> None:
    """Apply the OMERACT-OARSI responder rule to baseline and follow-up (0-100 scales)."""
    try:
        document = _parse(_read_input(file))
        output = _respond(document, default_thresholds())
    except (ResponseError, KnowledgeError) as error:
        fail(" ".join(str(error).split()))
    typer.echo(output, nl=False)


def _read_input(file: str) -> str:
    try:
        return sys.stdin.read() if file == STDIN else Path(file).read_text(encoding="utf-8")
    except OSError as error:
        fail(f"cannot read {file}: {error.strerror or error}")
    except UnicodeDecodeError:
        fail(f"cannot read {file}: it is not UTF-8 text")


def _parse(text: str) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        fail(f"invalid JSON: {error}")
    if not isinstance(document, dict):
        fail(f"the input must be a JSON object like {EXAMPLE}")
    return document


def _direction(document: dict[str, Any]) -> Orientation:
    direction = document.get("direction")
    if direction == "higher_is_worse":
        return "higher_is_worse"
    if direction == "higher_is_better":
        return "higher_is_better"
    if direction is None:
        fail('"direction" is required: "higher_is_worse" or "higher_is_better"')
    fail(f'unknown "direction" {json.dumps(direction)}; expected {" or ".join(ORIENTATIONS)}')


def _domains(document: dict[str, Any], key: str) -> Domains:
    values = document.get(key)
    if values is None:
        fail(f'"{key}" is required: an object of pain, function and global (0-100)')
    if not isinstance(values, dict):
        fail(f'"{key}" must be an object of pain, function and global (0-100)')
    unknown = sorted(set(values) - set(DOMAIN_NAMES))
    if unknown:
        fail(f'"{key}" has unknown domains {unknown}; expected {", ".join(DOMAIN_NAMES)}')
    numbers = {name: _number(values.get(name), f"{key}.{name}") for name in DOMAIN_NAMES}
    return Domains(numbers["pain"], numbers["function"], numbers["global"])


def _number(value: object, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        fail(f"{where}: {json.dumps(value)} is not a number")
    if not math.isfinite(value):
        fail(f"{where}: {value} is not a finite number")
    if not 0 <= value <= 100:
        fail(f"{where}: {value} is outside 0-100")
    return float(value)


def _respond(document: dict[str, Any], thresholds: ThresholdSet) -> str:
    direction = _direction(document)
    baseline = _domains(document, "baseline")
    followup = _domains(document, "followup")
    pairs = [
        (name, start, end)
        for name in DOMAIN_NAMES
        if (start := baseline.value(name)) is not None and (end := followup.value(name)) is not None
    ]
    if not pairs:
        fail("no domain has both a baseline and a follow-up value")
    result = omeract_oarsi(
        baseline, followup, orientation=direction, thresholds=thresholds.omeract_oarsi
    )
    changes = {}
    for name, start, end in pairs:
        domain_change = change(start, end, orientation=direction)
        changes[name] = {"absolute": domain_change.absolute, "relative": domain_change.relative}
    payload = {
        "omeract_oarsi": {
            "responder": result.responder,
            "high_improvement": result.high_improvement,
            "moderate_two_of_three": result.moderate_two_of_three,
        },
        "changes": changes,
        "excluded": {domain.domain: domain.message for domain in result.excluded},
        "thresholds_version": thresholds.version,
        "thresholds_confirmed": thresholds.omeract_oarsi.confirmed,
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def register(app: typer.Typer) -> None:
    app.command(name="respond")(respond_command)
