"""`prolotrack score`: the real command in a subprocess, JSON and CSV, and every bad input.

Worked examples (clinical.md §5): KOOS pain 1,1,1,0,0,0,0,1,1 -> 100 - 5/9 x 25 = 86.1.
WOMAC from KOOS P5-P9 = 2,1,3,0,2 (8, 40.0 %), S6-S7 = 1,2 (3, 37.5 %), A1-A17 summing to
23 (33.8 %), total 34 (35.4 %).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping

import pytest

KOOS_PAIN = dict(zip([f"P{n}" for n in range(1, 10)], [1, 1, 1, 0, 0, 0, 0, 1, 1], strict=True))
FUNCTION_ANSWERS = [1, 2, 1, 0, 3, 2, 1, 1, 0, 2, 1, 0, 2, 1, 1, 3, 2]
WOMAC_IN_KOOS = (
    dict(zip(["P5", "P6", "P7", "P8", "P9"], [2, 1, 3, 0, 2], strict=True))
    | {"S6": 1, "S7": 2}
    | {f"A{n}": value for n, value in enumerate(FUNCTION_ANSWERS, start=1)}
)


def as_json(answers: Mapping[str, object]) -> str:
    return json.dumps({"answers": answers})


def one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


def test_koos_from_stdin(run_cli):
    result = run_cli("score", "koos", stdin=as_json(KOOS_PAIN | {"S1": None}))
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert output["instrument"] == "KOOS"
    assert output["version"] == "KOOS-2012-r1"
    assert output["scores"] == {
        "pain": 86.1,
        "symptoms": None,
        "adl": None,
        "sport_rec": None,
        "qol": None,
    }
    assert output["invalid"]["qol"] == "qol: 0 of 4 items answered; at least 2 needed"
    assert "pain" not in output["invalid"]


def test_koos_from_a_file(run_cli, tmp_path):
    path = tmp_path / "answers.json"
    path.write_text(as_json(KOOS_PAIN), encoding="utf-8")
    result = run_cli("score", "KOOS", str(path))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["scores"]["pain"] == 86.1


def test_womac_from_koos(run_cli):
    result = run_cli("score", "womac", "-", "--from-koos", stdin=as_json(WOMAC_IN_KOOS))
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert output["instrument"] == "WOMAC"
    assert output["version"].endswith(" from KOOS")
    assert output["scores"] == {
        "pain": 8.0,
        "stiffness": 3.0,
        "function": 23.0,
        "total": 34.0,
        "pain_normalised": 40.0,
        "stiffness_normalised": 37.5,
        "function_normalised": 33.8,
        "total_normalised": 35.4,
    }
    assert output["invalid"] == {}


@pytest.mark.parametrize(
    ("name", "answers", "scores"),
    [
        ("visa-p", {f"Q{n}": 0 for n in range(1, 9)}, {"total": 0.0}),
        ("VISA_P", {f"Q{n}": 0 for n in range(1, 9)}, {"total": 0.0}),
        ("Knee_Pain_NRS", {"pain": 4}, {"pain": 4.0}),
        ("pgic", {"change": 2}, {"change": 2.0, "improved": 1.0}),
        ("tegner", {"current": 4, "before_injury": 9}, {"current": 4.0, "before_injury": 9.0}),
    ],
)
def test_instrument_names_ignore_case(run_cli, name, answers, scores):
    result = run_cli("score", name, stdin=as_json(answers))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["scores"] == scores


def test_needs_no_django(run_cli):
    """Production settings without a secret key stop every Django command, not this one."""
    result = run_cli(
        "score",
        "koos",
        stdin=as_json(KOOS_PAIN),
        PROLOTRACK_ENV="production",
        PROLOTRACK_SECRET_KEY="",
    )
    assert result.returncode == 0, result.stderr


def test_csv_round_trip(run_cli):
    """Each CSV row scores as the JSON path does; the id column (leading zeros and all) and
    the version come through; an invalid score is an empty cell with its reason.
    """
    ids = ["007", "p-2", "3"]
    rows: list[dict[str, int]] = [KOOS_PAIN, KOOS_PAIN | {"P1": 4, "P2": 4}, {"P1": 2}]
    header = ["id", *KOOS_PAIN]
    lines = [",".join(header)]
    for identifier, answers in zip(ids, rows, strict=True):
        lines.append(",".join([identifier] + [str(answers.get(item, "")) for item in KOOS_PAIN]))
    result = run_cli("score", "koos", "--csv", stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    scored = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [row["id"] for row in scored] == ids
    assert {row["version"] for row in scored} == {"KOOS-2012-r1"}
    for printed, answers in zip(scored, rows, strict=True):
        single = json.loads(run_cli("score", "koos", stdin=as_json(answers)).stdout)
        pain = single["scores"]["pain"]
        assert printed["pain"] == ("" if pain is None else str(pain))
        assert printed["invalid_pain"] == single["invalid"].get("pain", "")
    assert scored[0]["pain"] == "86.1"
    assert scored[1]["pain"] == "69.4"  # 4+4+1+0+0+0+0+1+1 = 11; 100 - 11/9 x 25 = 69.44
    assert scored[2]["invalid_pain"] == "pain: 1 of 9 items answered; at least 5 needed"


def test_csv_womac_from_koos(run_cli):
    header = ",".join(WOMAC_IN_KOOS)
    values = ",".join(str(value) for value in WOMAC_IN_KOOS.values())
    result = run_cli("score", "WOMAC", "--from-koos", "--csv", stdin=f"{header}\n{values}\n")
    assert result.returncode == 0, result.stderr
    (row,) = csv.DictReader(io.StringIO(result.stdout))
    assert (row["total"], row["total_normalised"], row["function_normalised"]) == (
        "34.0",
        "35.4",
        "33.8",
    )
    assert "id" not in row


@pytest.mark.parametrize(
    ("args", "stdin", "expected"),
    [
        (["score", "ikdc"], "{}", "unknown instrument 'ikdc'"),
        (["score", "koos"], "{not json", "invalid JSON"),
        (["score", "koos"], "", "invalid JSON"),
        (["score", "koos"], '{"answer": {}}', 'needs an "answers" object'),
        (["score", "koos"], "[1, 2]", 'needs an "answers" object'),
        (["score", "koos"], '{"answers": [1, 2]}', '"answers" must be an object'),
        (["score", "koos"], '{"answers": {"P10": 1}}', "KOOS has no item 'P10'"),
        (["score", "koos"], '{"answers": {"P3": 5}}', "KOOS item P3: 5 is not one of 0, 1, 2"),
        (["score", "koos"], '{"answers": {"P3": 2.5}}', "KOOS item P3: 2.5 is not a whole"),
        (["score", "koos"], '{"answers": {"P3": true}}', "KOOS item P3: True is not a number"),
        (["score", "koos"], '{"answers": {"P3": "2"}}', "KOOS item P3: '2' is not a number"),
        (["score", "koos", "/no/such/file.json"], "", "cannot read /no/such/file.json"),
        (["score", "koos", "--from-koos"], '{"answers": {}}', "--from-koos only goes with WOMAC"),
        (["score", "koos", "--csv"], "", "the CSV is empty"),
        (["score", "koos", "--csv"], "P1,P2\n1,2,3\n", "CSV row 1 has 3 field(s)"),
        (["score", "koos", "--csv"], "P1,P1\n1,2\n", "the CSV header repeats P1"),
        (["score", "koos", "--csv"], "P1,X9\n1,2\n", "KOOS has no item 'X9'"),
        (["score", "koos", "--csv"], "P1\n1\n7\n", "KOOS item P1, row 2: 7 is not one of"),
        (["score", "koos", "--csv"], "P1\n1\nmild\n", "KOOS item P1, row 2: 'mild' is not a"),
    ],
)
def test_bad_input_exits_2_with_one_line(run_cli, args, stdin, expected):
    result = run_cli(*args, stdin=stdin)
    assert result.returncode == 2, result.stdout
    line = one_error_line(result.stderr)
    assert line.startswith("prolotrack: error: ")
    assert expected in line
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_a_file_that_is_not_utf8(run_cli, tmp_path):
    path = tmp_path / "answers.json"
    path.write_bytes(b'{"answers": {"P1": 1}}\xff')
    result = run_cli("score", "koos", str(path))
    assert result.returncode == 2
    assert "is not UTF-8 text" in one_error_line(result.stderr)


def test_help(run_cli):
    result = run_cli("score", "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage: prolotrack score" in " ".join(result.stdout.split())
    assert "score" in run_cli("--help").stdout
