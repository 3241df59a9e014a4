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


def test_set_clinic_suggestion_rules_and_reset(migrated, tmp_path):
    assert migrated("demo", "--patients", "1").returncode == 0
    rules = (
        'version = "clinic-rules-1"\n[[rules]]\ncode = "call"\nwhen = ["after_sessions >= 2"]\n'
        'text = "Call"\nreason = "Why"\nsource = "Clinic"\npriority = 1\n'
    )
    (tmp_path / "rules.toml").write_text(rules)
    result = migrated("suggestions", "set", "demo-a", str(tmp_path / "rules.toml"))
    assert result.returncode == 0, result.stderr
    assert "clinic-rules-1" in result.stdout
    (tmp_path / "bad.toml").write_text(rules.replace("after_sessions", "visits"))
    bad = migrated("suggestions", "set", "demo-a", str(tmp_path / "bad.toml"))
    assert bad.returncode == 2
    assert "unknown fact 'visits'" in one_error_line(bad.stderr)
    with sqlite3.connect(tmp_path / "data" / "prolotrack.sqlite3") as db:
        query = "SELECT version FROM assessment_clinicsuggestionrules"
        assert db.execute(query).fetchall() == [("clinic-rules-1",)]
    reset = migrated("suggestions", "set", "demo-a", "--default")
    assert reset.returncode == 0, reset.stderr
    assert "prolotrack-suggestions-2026-11-r1" in reset.stdout


def test_refresh_restores_missing_suggestions_of_one_clinic(migrated, tmp_path):
    assert migrated("demo", "--patients", "12").returncode == 0
    db_path = tmp_path / "data" / "prolotrack.sqlite3"

    def suggestions(slug: str) -> set[tuple[int, str, str]]:
        with sqlite3.connect(db_path) as db:
            rows = db.execute(
                "SELECT s.course_id, s.basis, s.rule_code FROM assessment_suggestion s "
                "JOIN clinics_clinic c ON c.id = s.clinic_id WHERE c.slug = ?",
                (slug,),
            )
            return set(rows.fetchall())

    loaded = {slug: suggestions(slug) for slug in ("demo-a", "demo-b")}
    assert all(loaded.values())  # the demo loader stored what the rules propose
    with sqlite3.connect(db_path) as db:  # as if an older release had stored only some
        db.execute("DELETE FROM assessment_suggestion")

    result = migrated("suggestions", "refresh", "--clinic", "demo-a")

    assert result.returncode == 0, result.stderr
    assert "Suggestions refreshed for 12 patients." in result.stdout
    assert suggestions("demo-a") == loaded["demo-a"]
    assert suggestions("demo-b") == set()  # another clinic: untouched
    unknown = migrated("suggestions", "refresh", "--clinic", "no-such-clinic")
    assert unknown.returncode == 2
    everyone = migrated("suggestions", "refresh")
    assert everyone.returncode == 0, everyone.stderr
    assert suggestions("demo-b") == loaded["demo-b"]
