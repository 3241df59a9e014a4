"""`prolotrack respond`: the real command in a subprocess, worked examples and every bad input.

OMERACT-OARSI as clinical.md Appendix B applies it (numbers UNCONFIRMED): high = pain or
function >= 50 % and >= 20 points; moderate = 2 of 3 domains >= 20 % and >= 10 points.
"""

from __future__ import annotations

import json

import pytest

SPEC_EXAMPLE = {
    "direction": "higher_is_worse",
    "baseline": {"pain": 60, "function": 55, "global": 70},
    "followup": {"pain": 30, "function": 44, "global": 60},
}


def one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


def test_spec_example_from_stdin(run_cli):
    """Pain 60 -> 30: 50 %, 30 points (high). Function 55 -> 44: 20 %, 11 points (moderate).

    Global 70 -> 60: 14.3 %, 10 points (not moderate). Responder by high improvement, and by
    moderate improvement in pain and function.
    """
    result = run_cli("respond", stdin=json.dumps(SPEC_EXAMPLE))
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert output["omeract_oarsi"] == {
        "responder": True,
        "high_improvement": True,
        "moderate_two_of_three": True,
    }
    assert output["changes"]["pain"] == {"absolute": 30.0, "relative": 0.5}
    assert output["changes"]["function"] == {"absolute": 11.0, "relative": 0.2}
    assert output["changes"]["global"]["absolute"] == 10.0
    assert output["changes"]["global"]["relative"] == pytest.approx(1 / 7)
    assert output["excluded"] == {}
    assert output["thresholds_version"] == "prolotrack-thresholds-2026-11-r1"
    assert output["thresholds_confirmed"] is False
    assert result.stderr == ""


def test_from_a_file_with_the_dash_spelled_out(run_cli, tmp_path):
    path = tmp_path / "patient.json"
    path.write_text(json.dumps(SPEC_EXAMPLE), encoding="utf-8")
    from_file = run_cli("respond", str(path))
    from_stdin = run_cli("respond", "-", stdin=json.dumps(SPEC_EXAMPLE))
    assert from_file.returncode == from_stdin.returncode == 0
    assert from_file.stdout == from_stdin.stdout


def test_exactly_at_the_thresholds_in_koos_direction(run_cli):
    """KOOS-style scores (higher is better), worse-is-higher after 100 - score.

    Pain 67.7 -> 87.7 is 32.3 -> 12.3: exactly 20 points (19.999999999999996 in plain floats),
    61.9 %: high. Function 48.5 -> 58.8 is 51.5 -> 41.2: exactly 20 %, 10.3 points; global
    50 -> 60 is 50 -> 40: exactly 20 %, 10 points; so moderate in function and global too.
    """
    document = {
        "direction": "higher_is_better",
        "baseline": {"pain": 67.7, "function": 48.5, "global": 50},
        "followup": {"pain": 87.7, "function": 58.8, "global": 60},
    }
    result = run_cli("respond", stdin=json.dumps(document))
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert output["omeract_oarsi"] == {
        "responder": True,
        "high_improvement": True,
        "moderate_two_of_three": True,
    }
    assert output["changes"]["pain"]["absolute"] == 20.0
    assert output["changes"]["function"] == {"absolute": 10.3, "relative": 0.2}
    assert output["changes"]["global"] == {"absolute": 10.0, "relative": 0.2}


def test_just_under_the_thresholds_is_not_a_responder(run_cli):
    """Pain 40 -> 20.01: 49.975 %, 19.99 points; function 50 -> 40.01: 19.98 %, 9.99 points."""
    document = {
        "direction": "higher_is_worse",
        "baseline": {"pain": 40, "function": 50},
        "followup": {"pain": 20.01, "function": 40.01},
    }
    result = run_cli("respond", stdin=json.dumps(document))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["omeract_oarsi"]["responder"] is False


def test_missing_and_zero_baseline_domains_are_listed(run_cli):
    document = {
        "direction": "higher_is_worse",
        "baseline": {"pain": 0, "function": 50, "global": None},
        "followup": {"pain": 10, "function": 40},
    }
    result = run_cli("respond", stdin=json.dumps(document))
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert output["changes"] == {
        "pain": {"absolute": -10.0, "relative": None},
        "function": {"absolute": 10.0, "relative": 0.2},
    }
    assert output["excluded"] == {
        "pain": "baseline is 0 (the best score): it cannot improve",
        "global": "no baseline value",
    }
    assert output["omeract_oarsi"]["responder"] is False  # one moderate domain only


VALID = json.dumps(SPEC_EXAMPLE)


def with_change(**changes: object) -> str:
    return json.dumps({**SPEC_EXAMPLE, **changes})


BAD_INPUTS = [
    ("invalid JSON", '{"direction": ', "invalid JSON"),
    ("empty input", "", "invalid JSON"),
    ("not an object", "[60, 30]", "must be a JSON object"),
    ("unknown direction", with_change(direction="lower_is_better"), 'unknown "direction"'),
    ("direction missing", json.dumps({"baseline": {}, "followup": {}}), '"direction" is required'),
    ("above 100", with_change(followup={"pain": 101}), "followup.pain: 101 is outside 0-100"),
    ("below 0", with_change(baseline={"pain": -1}), "baseline.pain: -1 is outside 0-100"),
    ("NaN", VALID.replace('"pain": 60', '"pain": NaN'), "baseline.pain: nan is not a finite"),
    ("Infinity", VALID.replace('"pain": 30', '"pain": Infinity'), "followup.pain: inf"),
    ("boolean", with_change(baseline={"pain": True}), "baseline.pain: true is not a number"),
    ("string number", with_change(followup={"global": "50"}), 'followup.global: "50" is not'),
    ("list value", with_change(followup={"pain": [30]}), "followup.pain: [30] is not a number"),
    ("missing baseline", json.dumps({**SPEC_EXAMPLE, "baseline": None}), '"baseline" is required'),
    ("missing followup", VALID.replace('"followup"', '"follow_up"'), '"followup" is required'),
    ("baseline not an object", with_change(baseline=[60]), '"baseline" must be an object'),
    ("unknown domain", with_change(followup={"stiffness": 30}), "unknown domains ['stiffness']"),
    ("no domain at all", with_change(baseline={}, followup={}), "no domain has both"),
    (
        "no domain in both",
        with_change(baseline={"pain": 60}, followup={"function": 40}),
        "no domain",
    ),
]


@pytest.mark.parametrize(
    ("stdin", "expected"), [case[1:] for case in BAD_INPUTS], ids=[case[0] for case in BAD_INPUTS]
)
def test_bad_input_exits_2_with_one_line(run_cli, stdin, expected):
    result = run_cli("respond", stdin=stdin)
    assert result.returncode == 2, result.stdout
    line = one_error_line(result.stderr)
    assert line.startswith("prolotrack: error: ")
    assert expected in line
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_missing_file_exits_2_with_one_line(run_cli, tmp_path):
    result = run_cli("respond", str(tmp_path / "absent.json"))
    assert result.returncode == 2
    assert "cannot read" in one_error_line(result.stderr)
