"""`prolotrack thresholds set CLINIC FILE|--default` through the real command."""

from __future__ import annotations

import sqlite3
from importlib.resources import files

import pytest

from tests.cli.conftest import run_cli
from tests.cli.test_commands import one_error_line

__all__ = ["run_cli"]

SHIPPED = files("prolotrack.knowledge").joinpath("thresholds.toml").read_text("utf-8")


@pytest.fixture
def migrated(run_cli):
    assert run_cli("migrate", "-q").returncode == 0
    return run_cli


def stored(tmp_path):
    with sqlite3.connect(tmp_path / "data" / "prolotrack.sqlite3") as db:
        return db.execute("SELECT version FROM assessment_clinicthresholds").fetchall()


def test_set_a_clinic_override_refuse_bad_ones_and_reset(migrated, tmp_path):
    assert migrated("demo", "--patients", "1").returncode == 0
    own = SHIPPED.replace(
        'version = "prolotrack-thresholds-2026-11-r1"', 'version = "clinic-a-r1"'
    ).replace("mcid = 10\n", "mcid = 12\n", 1)
    (tmp_path / "own.toml").write_text(own)
    result = migrated("thresholds", "set", "demo-a", str(tmp_path / "own.toml"))
    assert result.returncode == 0, result.stderr
    assert "clinic-a-r1" in result.stdout
    assert stored(tmp_path) == [("clinic-a-r1",)]

    (tmp_path / "bad.toml").write_text(own.replace("mcid = 12\n", "mcid = -1\n", 1))
    bad = migrated("thresholds", "set", "demo-a", str(tmp_path / "bad.toml"))
    assert bad.returncode == 2
    assert "scores entry 1 (KOOS)" in one_error_line(bad.stderr)
    (tmp_path / "broken.toml").write_text("version =")
    broken = migrated("thresholds", "set", "demo-a", str(tmp_path / "broken.toml"))
    assert broken.returncode == 2
    assert "TOML" in one_error_line(broken.stderr)
    unknown = migrated("thresholds", "set", "no-such-clinic", str(tmp_path / "own.toml"))
    assert unknown.returncode == 2
    assert stored(tmp_path) == [("clinic-a-r1",)]  # nothing changed

    both = migrated("thresholds", "set", "demo-a", str(tmp_path / "own.toml"), "--default")
    assert both.returncode == 2
    reset = migrated("thresholds", "set", "demo-a", "--default")
    assert reset.returncode == 0, reset.stderr
    assert "prolotrack-thresholds-2026-11-r1" in reset.stdout
    assert stored(tmp_path) == []
