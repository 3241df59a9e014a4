"""`prolotrack solution`: the real command in a subprocess, the spec example and every bad input.

Reference values (clinical.md §2): Rabago IA 6 mL of 25 % / 0.5 % from D50W and 1 % lidocaine
= 3 mL + 3 mL, 30 mg, 1.5 g; Dumais IA 20 % / 0.5 % from 2 % lidocaine in 10 mL = 4 mL D50W +
2.5 mL lidocaine + 3.5 mL diluent; 70 kg without epinephrine: 4.5 x 70 = 315, capped at 300 mg.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

SPEC_EXAMPLE: dict[str, Any] = {
    "patient_weight_kg": 70,
    "epinephrine": False,
    "stock": {"dextrose_pct": 50, "lidocaine_pct": 1},
    "syringes": [
        {"label": "IA", "final_volume_ml": 6, "dextrose_pct": 25, "lidocaine_pct": 0.5},
        {"label": "EA", "final_volume_ml": 22.5, "dextrose_pct": 15, "lidocaine_pct": 0},
    ],
}


def changed(**top: Any) -> str:
    return json.dumps(SPEC_EXAMPLE | top)


def with_syringe(**fields: Any) -> str:
    syringe = SPEC_EXAMPLE["syringes"][0] | fields
    return json.dumps(SPEC_EXAMPLE | {"syringes": [syringe]})


def raw_weight(number: str) -> str:
    """A weight written as JSON text that Python's float could not hold (1e-999 would be 0)."""
    return changed(patient_weight_kg="@").replace('"@"', number)


def without(key: str) -> str:
    return json.dumps({k: v for k, v in SPEC_EXAMPLE.items() if k != key})


def one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


def test_spec_example(run_cli):
    result = run_cli("solution", stdin=json.dumps(SPEC_EXAMPLE))
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert output["syringes"] == [
        {
            "label": "IA",
            "dextrose_stock_ml": 3.0,
            "lidocaine_stock_ml": 3.0,
            "diluent_ml": 0.0,
            "lidocaine_mg": 30.0,
            "dextrose_g": 1.5,
        },
        {
            "label": "EA",
            "dextrose_stock_ml": 6.75,
            "lidocaine_stock_ml": 0.0,
            "diluent_ml": 15.75,
            "lidocaine_mg": 0.0,
            "dextrose_g": 3.375,
        },
    ]
    assert output["total_lidocaine_mg"] == 30
    assert output["max_lidocaine_mg"] == 300
    assert output["within_limit"] is True
    assert output["total_dextrose_g"] == 4.875  # Rabago maximum glucose load, §2
    assert output["limits_version"] == "dose-limits-2026-11-r1"
    assert any("UNCONFIRMED" in note for note in output["notes"])
    assert result.stderr == ""


def test_numbers_are_json_numbers_not_strings(run_cli):
    result = run_cli("solution", stdin=json.dumps(SPEC_EXAMPLE))
    output = json.loads(result.stdout)
    numbers = [output["total_lidocaine_mg"], output["max_lidocaine_mg"], output["total_dextrose_g"]]
    numbers += [value for s in output["syringes"] for key, value in s.items() if key != "label"]
    assert all(isinstance(value, int | float) for value in numbers)


def test_from_a_file_with_epinephrine_and_2_percent_lidocaine(run_cli, tmp_path):
    """Dumais IA, 10 mL of 20 % / 0.5 % from 2 % lidocaine; 80 kg with epinephrine -> 500 mg."""
    path = tmp_path / "session.json"
    document = {
        "patient_weight_kg": 80,
        "epinephrine": True,
        "stock": {"dextrose_pct": 50, "lidocaine_pct": 2},
        "syringes": [
            {"label": "IA", "final_volume_ml": 10, "dextrose_pct": 20, "lidocaine_pct": 0.5}
        ],
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    result = run_cli("solution", str(path))
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    (ia,) = output["syringes"]
    assert (ia["dextrose_stock_ml"], ia["lidocaine_stock_ml"], ia["diluent_ml"]) == (4, 2.5, 3.5)
    assert output["max_lidocaine_mg"] == 500


def test_unknown_weight_gives_null_maximum(run_cli):
    result = run_cli("solution", stdin=changed(patient_weight_kg=None))
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert output["max_lidocaine_mg"] is None
    assert output["within_limit"] is None
    assert output["notes"][0].startswith("weight unknown")


def test_over_the_maximum_is_reported_not_refused(run_cli):
    """50 kg: maximum 225 mg; 22.6 mL of 1 % is 226 mg (a result, exit 0, within_limit false)."""
    syringe = {"label": "L", "final_volume_ml": 22.6, "dextrose_pct": 0, "lidocaine_pct": 1}
    result = run_cli("solution", stdin=changed(patient_weight_kg=50, syringes=[syringe]))
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert (output["total_lidocaine_mg"], output["max_lidocaine_mg"]) == (226, 225)
    assert output["within_limit"] is False


def test_decimal_input_is_exact(run_cli):
    """0.1 + 0.2 mL of 1 % lidocaine: 3 mg, not 3.0000000000000004."""
    syringes = [
        {"label": "a", "final_volume_ml": 0.1, "dextrose_pct": 0, "lidocaine_pct": 1},
        {"label": "b", "final_volume_ml": 0.2, "dextrose_pct": 0, "lidocaine_pct": 1},
    ]
    result = run_cli("solution", stdin=changed(syringes=syringes))
    assert result.returncode == 0, result.stderr
    assert '"total_lidocaine_mg": 3.0,' in result.stdout


@pytest.mark.parametrize(
    ("args", "stdin", "expected"),
    [
        ([], "{not json", "invalid JSON"),
        ([], "", "invalid JSON"),
        ([], "[1, 2]", "the input must be an object"),
        ([], without("stock"), "the input is missing stock"),
        ([], without("patient_weight_kg"), "the input is missing patient_weight_kg"),
        ([], without("epinephrine"), "the input is missing epinephrine"),
        ([], changed(patient=1), "the input has unknown key(s) patient"),
        ([], changed(patient_weight_kg="70"), "patient_weight_kg must be a number, not a string"),
        ([], changed(patient_weight_kg=True), "patient_weight_kg must be a number, not true/false"),
        ([], changed(patient_weight_kg=0), "patient: weight_kg must be above 0, got 0"),
        ([], changed(patient_weight_kg=-70), "patient: weight_kg must be above 0"),
        ([], raw_weight("1e-999"), "patient: weight_kg 1E-999 is finer than"),
        ([], raw_weight("1e999999999"), "patient: weight_kg must not be above 1000 kg"),
        ([], '{"patient_weight_kg": NaN}', "invalid JSON: NaN is not a number"),
        ([], changed(epinephrine=0), "epinephrine must be true or false, not a number"),
        ([], changed(epinephrine="no"), "epinephrine must be true or false, not a string"),
        ([], changed(stock=[50, 1]), "stock must be an object with dextrose_pct, lidocaine_pct"),
        ([], changed(stock={"dextrose_pct": 50}), "stock is missing lidocaine_pct"),
        ([], changed(stock={"dextrose_pct": 50, "lidocaine_pct": True}), "stock.lidocaine_pct"),
        ([], changed(stock={"dextrose_pct": -50, "lidocaine_pct": 1}), "must not be negative"),
        ([], changed(syringes=[]), "syringes must be a non-empty list"),
        ([], changed(syringes={"label": "IA"}), "syringes must be a non-empty list"),
        ([], changed(syringes=[7]), "syringe 1 must be an object"),
        ([], with_syringe(label=""), "syringe 1: label must be a non-empty string"),
        ([], with_syringe(label=3), "syringe 1: label must be a non-empty string, not a number"),
        ([], with_syringe(final_volume_ml="6"), "syringe 1: final_volume_ml must be a number"),
        ([], with_syringe(final_volume_ml=None), "final_volume_ml must be a number, not null"),
        ([], with_syringe(dextrose_pct=False), "dextrose_pct must be a number, not true/false"),
        ([], with_syringe(lidocaine_pct=[1]), "lidocaine_pct must be a number, not a list"),
        ([], with_syringe(volume=6), "syringe 1 has unknown key(s) volume"),
        ([], with_syringe(final_volume_ml=0), "syringe 'IA': final_volume_ml must be above 0"),
        (
            [],
            with_syringe(final_volume_ml=1e40),
            "final_volume_ml must not be above 1000 mL, got 1E+40",
        ),
        ([], with_syringe(dextrose_pct=60), "syringe 'IA': 60 % dextrose cannot be made from a 50"),
        ([], with_syringe(lidocaine_pct=1.5), "syringe 'IA': 1.5 % lidocaine cannot be made"),
        ([], with_syringe(dextrose_pct=40, final_volume_ml=10), "add up to more than the final"),
        (
            [],
            changed(stock={"dextrose_pct": 50, "lidocaine_pct": 0}),
            "syringe 'IA': 0.5 % lidocaine is wanted but there is no lidocaine stock (0 %)",
        ),
        (
            [],
            changed(syringes=[SPEC_EXAMPLE["syringes"][0]] * 2),
            "syringe labels repeat: IA",
        ),
        (["/no/such/file.json"], "", "cannot read /no/such/file.json"),
    ],
)
def test_bad_input_exits_2_with_one_line(run_cli, args, stdin, expected):
    result = run_cli("solution", *args, stdin=stdin)
    assert result.returncode == 2, result.stdout
    line = one_error_line(result.stderr)
    assert line.startswith("prolotrack: error: ")
    assert expected in line
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_a_file_that_is_not_utf8(run_cli, tmp_path):
    path = tmp_path / "session.json"
    path.write_bytes(json.dumps(SPEC_EXAMPLE).encode() + b"\xff")
    result = run_cli("solution", str(path))
    assert result.returncode == 2
    assert "is not UTF-8 text" in one_error_line(result.stderr)


def test_needs_no_django(run_cli):
    """Production settings without a secret key stop every Django command, not this one."""
    result = run_cli(
        "solution",
        stdin=json.dumps(SPEC_EXAMPLE),
        PROLOTRACK_ENV="production",
        PROLOTRACK_SECRET_KEY="",
    )
    assert result.returncode == 0, result.stderr


def test_help_says_how_numbers_are_rounded(run_cli):
    result = run_cli("solution", "--help")
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert "Usage: prolotrack solution" in text
    assert "0.01 mL, half up" in text
    assert "UP to 0.01 mg" in text
    assert "solution" in run_cli("--help").stdout
