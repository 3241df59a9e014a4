"""`prolotrack instruments load-text`, `scores recompute` and `worker --once`."""

from __future__ import annotations

import json
import sqlite3

import pytest

from tests.cli.test_commands import one_error_line


@pytest.fixture
def migrated(run_cli):
    assert run_cli("migrate", "-q").returncode == 0
    return run_cli


def write(tmp_path, name, payload):
    path = tmp_path / name
    path.write_text(payload if isinstance(payload, str) else json.dumps(payload))
    return str(path)


def test_load_text_pack(migrated, tmp_path):
    pack = {
        "instrument": "koos",
        "language": "en",
        "name": "Licensed KOOS (test)",
        "items": {"P1": "Test wording one", "P2": "Test wording two"},
    }
    result = migrated("instruments", "load-text", write(tmp_path, "pack.json", pack))
    assert result.returncode == 0, result.stderr
    assert "Loaded 2" in result.stdout
    with sqlite3.connect(tmp_path / "data" / "prolotrack.sqlite3") as db:
        rows = db.execute("SELECT item_id, text FROM outcomes_instrumenttext ORDER BY item_id")
        assert rows.fetchall() == [("P1", "Test wording one"), ("P2", "Test wording two")]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ("{not json", "not valid JSON"),
        ({"instrument": "SF36", "language": "en", "items": {"Q1": "x"}}, "unknown instrument"),
        ({"instrument": "KOOS", "language": "en", "items": {"Z9": "x"}}, "no item 'Z9'"),
        ({"instrument": "KOOS", "language": "en", "items": {"P1": ""}}, "P1"),
        ({"instrument": "KOOS", "items": {"P1": "x"}}, "language"),
        ([1, 2], "JSON object"),
    ],
)
def test_bad_text_packs_exit_2_and_load_nothing(migrated, tmp_path, payload, message):
    result = migrated("instruments", "load-text", write(tmp_path, "bad.json", payload))
    assert result.returncode == 2
    assert message in one_error_line(result.stderr)
    with sqlite3.connect(tmp_path / "data" / "prolotrack.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM outcomes_instrumenttext").fetchone() == (0,)


def test_missing_pack_file(migrated, tmp_path):
    result = migrated("instruments", "load-text", str(tmp_path / "absent.json"))
    assert result.returncode == 2
    assert "cannot read" in one_error_line(result.stderr)


def test_recompute_and_worker_once(migrated):
    assert migrated("demo", "--patients", "3").returncode == 0
    recompute = migrated("scores", "recompute")
    assert recompute.returncode == 0, recompute.stderr
    assert "Recomputed 0" in recompute.stdout
    unknown = migrated("scores", "recompute", "--instrument", "SF36")
    assert unknown.returncode == 2
    once = migrated("worker", "--once")
    assert once.returncode == 0, once.stderr
    assert set(json.loads(once.stdout.strip().splitlines()[-1])) == {"invited", "reminded"}


def test_clinic_schedule_set_and_reset(migrated, tmp_path):
    assert migrated("demo", "--patients", "1").returncode == 0
    schedule = (
        'name = "short"\nversion = "short-1"\nsource = "clinic"\nconfirmed = false\n'
        '[[time_points]]\nkey = "baseline"\nanchor = "first_session"\noffset_days = 0\n'
        'days_before = 7\ndays_after = 0\ninstruments = ["KOOS"]\n'
    )
    result = migrated("schedules", "set", "--clinic", "demo-a", write(tmp_path, "s.toml", schedule))
    assert result.returncode == 0, result.stderr
    assert "short-1" in result.stdout
    unknown = schedule.replace('["KOOS"]', '["SF36"]')
    bad = migrated("schedules", "set", "--clinic", "demo-a", write(tmp_path, "b.toml", unknown))
    assert bad.returncode == 2
    assert "SF36" in one_error_line(bad.stderr)
    broken = migrated("schedules", "set", "--clinic", "demo-a", write(tmp_path, "c.toml", "x ="))
    assert broken.returncode == 2
    assert "TOML" in one_error_line(broken.stderr)
    reset = migrated("schedules", "set", "--clinic", "demo-a", "--default")
    assert reset.returncode == 0, reset.stderr
    with sqlite3.connect(tmp_path / "data" / "prolotrack.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM outcomes_clinicschedule").fetchone() == (0,)
