"""`prolotrack score INSTRUMENT [FILE|-] [--from-koos] [--csv]`: score answers, no database.

JSON in (``{"answers": {"P1": 2, "P2": null}}``), JSON out; or with ``--csv`` a CSV of many
administrations in (header = item ids, optional ``id`` column) and a CSV of scores out.
Scores are printed rounded to 1 decimal with Python's ``round`` (an exact half goes to the
even digit); the domain functions return them unrounded. Other keys of the JSON object are
ignored. Every bad input ends with exit code 2 and one line on stderr.
"""

from __future__ import annotations

import csv as csv_module
import io
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from prolotrack.cli.main import fail
from prolotrack.domain.instruments import (
    InstrumentDefinition,
    InstrumentError,
    score,
    womac_from_koos,
)
from prolotrack.knowledge import KnowledgeError, instrument_definition

if TYPE_CHECKING:
    import pandas as pd

STDIN = "-"
ID_COLUMN = "id"
DECIMALS = 1


def score_command(
    instrument: Annotated[
        str,
        typer.Argument(
            help="KOOS, WOMAC, KNEE_PAIN_NRS, PGIC, VISA_P, LYSHOLM or TEGNER (any case)."
        ),
    ],
    file: Annotated[
        str, typer.Argument(help="The JSON (or CSV) file to read; '-' or nothing reads stdin.")
    ] = STDIN,
    from_koos: Annotated[
        bool, typer.Option("--from-koos", help="WOMAC only: score WOMAC from KOOS answers.")
    ] = False,
    csv: Annotated[
        bool,
        typer.Option("--csv", help="Read a CSV (one administration a row), write a CSV of scores."),
    ] = False,
) -> None:
    """Score questionnaire answers (no database needed)."""
    try:
        definition = instrument_definition(instrument)
        if from_koos and definition.code != "WOMAC":
            fail(f"--from-koos only goes with WOMAC, not {definition.code}")
        text = _read_input(file)
        scorer = _score_csv if csv else _score_json
        output = scorer(definition, text, from_koos)
    except (InstrumentError, KnowledgeError) as error:
        fail(_one_line(str(error)))
    typer.echo(output, nl=False)


def _one_line(message: str) -> str:
    return " ".join(message.split())


def _read_input(file: str) -> str:
    try:
        return sys.stdin.read() if file == STDIN else Path(file).read_text(encoding="utf-8")
    except OSError as error:
        fail(f"cannot read {file}: {error.strerror or error}")
    except UnicodeDecodeError:
        fail(f"cannot read {file}: it is not UTF-8 text")


def _answers(text: str) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        fail(f"invalid JSON: {error}")
    if not isinstance(document, dict) or "answers" not in document:
        fail('the input needs an "answers" object: {"answers": {"P1": 2, ...}}')
    answers = document["answers"]
    if not isinstance(answers, dict):
        fail('"answers" must be an object of item id to number or null')
    return answers


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, DECIMALS)


def _score_json(definition: InstrumentDefinition, text: str, from_koos: bool) -> str:
    answers = _answers(text)
    result = womac_from_koos(answers, womac=definition) if from_koos else score(definition, answers)
    payload = {
        "instrument": result.instrument,
        "version": result.version,
        "scores": {key: _rounded(value) for key, value in result.scores.items()},
        "invalid": result.invalid,
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def _read_csv(text: str) -> pd.DataFrame:
    """The CSV as a frame: numbers where cells hold numbers, NaN for empty cells.

    Parsed with the csv module rather than pandas so that a row with too many or too few
    fields is an error, not silently truncated. A cell that is not a number stays text, so
    the domain names it (with its row) in the error. Rows are numbered 1, 2, ... after the
    header, so an error says which data row is wrong.
    """
    import pandas as pd

    try:
        rows = [row for row in csv_module.reader(io.StringIO(text)) if row]
    except csv_module.Error as error:
        fail(f"cannot parse the CSV: {_one_line(str(error))}")
    if not rows:
        fail("the CSV is empty: it needs a header of item ids")
    header, *records = rows
    header = [name.strip() for name in header]
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        fail(f"the CSV header repeats {', '.join(repeated)}")
    for number, record in enumerate(records, start=1):
        if len(record) != len(header):
            fail(f"CSV row {number} has {len(record)} field(s); the header has {len(header)}")
    index = pd.RangeIndex(1, len(records) + 1)
    cells = pd.DataFrame(records, columns=header, index=index, dtype=object)
    return pd.DataFrame(
        {name: cells[name] if name == ID_COLUMN else _numbers(cells[name]) for name in header},
        index=index,
    )


def _numbers(cells: pd.Series) -> pd.Series:
    import pandas as pd

    text = cells.str.strip()
    numbers = pd.to_numeric(text.where(text != ""), errors="coerce")
    not_numbers = numbers.isna() & (text != "")
    if not not_numbers.any():
        return numbers
    return numbers.astype(object).where(~not_numbers, text)


def _score_csv(definition: InstrumentDefinition, text: str, from_koos: bool) -> str:
    import pandas as pd

    from prolotrack.domain.instruments.batch import score_frame, womac_from_koos_frame

    frame = _read_csv(text)
    ids = frame.pop(ID_COLUMN) if ID_COLUMN in frame.columns else None
    if from_koos:
        scored = womac_from_koos_frame(frame, womac=definition)
    else:
        scored = score_frame(definition, frame)
    output = pd.DataFrame(index=frame.index)
    if ids is not None:
        output["id"] = ids
    output["version"] = scored.attrs["version"]
    for column in scored.columns:
        is_score = pd.api.types.is_float_dtype(scored[column].dtype)
        output[column] = scored[column].map(_round_cell) if is_score else scored[column]
    return output.to_csv(index=False, lineterminator="\n")


def _round_cell(value: float) -> float:
    return value if value != value else round(value, DECIMALS)  # NaN stays NaN


def register(app: typer.Typer) -> None:
    app.command(name="score")(score_command)
