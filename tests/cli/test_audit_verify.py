"""`prolotrack audit verify` on a real database file, before and after tampering with it."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import cli_environment

PASSWORD = "correct-horse-battery-staple-42"


def run(data_dir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "prolotrack.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=180,
        env=cli_environment(data_dir),
        check=False,
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated database with a few audited actions (built once: migrating takes a while)."""
    data_dir = tmp_path_factory.mktemp("audit-cli") / "data"
    assert run(data_dir, "migrate", "--quiet").returncode == 0
    for name in ("alice", "bob", "carol"):
        created = run(data_dir, "createuser", name, "--password-stdin", stdin=PASSWORD + "\n")
        assert created.returncode == 0, created.stderr
    return data_dir


@pytest.fixture
def data_dir(built: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(built, copy)
    return copy


def database(data_dir: Path) -> sqlite3.Connection:
    return sqlite3.connect(data_dir / "prolotrack.sqlite3", isolation_level=None)


def behind_the_triggers(data_dir: Path, *statements: str) -> None:
    """Run `statements` with the audit triggers dropped, then put the triggers back."""
    db = database(data_dir)
    triggers = db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name LIKE 'audit_%'"
    ).fetchall()
    assert len(triggers) == 4
    db.execute("BEGIN")
    for name, _ in triggers:
        db.execute(f'DROP TRIGGER "{name}"')
    for statement in statements:
        db.execute(statement)
    for _, sql in triggers:
        db.execute(sql)
    db.execute("COMMIT")
    db.close()


def test_an_intact_chain_exits_0_with_the_count_and_an_anchor(data_dir):
    result = run(data_dir, "audit", "verify")
    assert result.returncode == 0, result.stderr
    assert "Audit chain intact: 3 entries verified (1 to 3)." in result.stdout
    assert "--anchor 3:" in result.stdout
    again = run(data_dir, "audit", "verify")  # the first check was itself recorded
    assert "4 entries verified" in again.stdout
    db = database(data_dir)
    assert db.execute(
        "SELECT action, channel, outcome FROM audit_auditevent WHERE sequence = 4"
    ).fetchone() == ("audit.verify", "cli", "success")


def test_the_database_refuses_updates_and_deletes(data_dir):
    db = database(data_dir)
    for statement in (
        "UPDATE audit_auditevent SET outcome = 'denied' WHERE sequence = 2",
        "DELETE FROM audit_auditevent WHERE sequence = 3",
        "DELETE FROM audit_auditchainhead",
    ):
        with pytest.raises(sqlite3.IntegrityError):
            db.execute(statement)
    assert db.execute("SELECT count(*) FROM audit_auditevent").fetchone() == (3,)


def test_a_changed_entry_exits_1_and_names_it(data_dir):
    behind_the_triggers(
        data_dir, "UPDATE audit_auditevent SET username = 'mallory' WHERE sequence = 2"
    )
    result = run(data_dir, "audit", "verify", "--no-record")
    assert result.returncode == 1, result.stderr
    assert "Audit chain BROKEN at entry 2: hash mismatch." in result.stdout
    assert "1 entries before it verified" in result.stdout


def test_a_deleted_entry_is_a_gap(data_dir):
    behind_the_triggers(data_dir, "DELETE FROM audit_auditevent WHERE sequence = 2")
    result = run(data_dir, "audit", "verify", "--no-record")
    assert result.returncode == 1
    assert "BROKEN at entry 2: gap." in result.stdout


def test_a_deleted_last_entry_is_caught_by_the_head(data_dir):
    behind_the_triggers(data_dir, "DELETE FROM audit_auditevent WHERE sequence = 3")
    result = run(data_dir, "audit", "verify", "--no-record")
    assert result.returncode == 1
    assert "BROKEN at entry 3: gap." in result.stdout
    assert "before its recorded head" in result.stdout


def test_swapped_entries_are_caught(data_dir):
    behind_the_triggers(
        data_dir,
        "UPDATE audit_auditevent SET sequence = 100 WHERE sequence = 1",
        "UPDATE audit_auditevent SET sequence = 1 WHERE sequence = 3",
        "UPDATE audit_auditevent SET sequence = 3 WHERE sequence = 100",
    )
    result = run(data_dir, "audit", "verify", "--no-record")
    assert result.returncode == 1
    assert "BROKEN at entry 1: prev_hash mismatch, hash mismatch." in result.stdout


def test_missing_triggers_exit_1(data_dir):
    db = database(data_dir)
    db.execute("DROP TRIGGER audit_event_no_delete")
    db.close()
    result = run(data_dir, "audit", "verify", "--no-record")
    assert result.returncode == 1
    assert "Audit chain intact" in result.stdout
    assert "Append-only triggers missing: audit_event_no_delete." in result.stdout


def test_an_anchor_must_match(data_dir):
    first = run(data_dir, "audit", "verify", "--no-record")
    anchor = first.stdout.split("--anchor ")[1].strip()
    assert run(data_dir, "audit", "verify", "--anchor", anchor).returncode == 0
    wrong = anchor.split(":")[0] + ":" + "0" * 64
    result = run(data_dir, "audit", "verify", "--no-record", "--anchor", wrong)
    assert result.returncode == 1
    assert "anchor mismatch" in result.stdout


@pytest.mark.parametrize("anchor", ["3", "3:xyz", "0:" + "0" * 64, "a:" + "0" * 64])
def test_a_malformed_anchor_is_one_error_line_and_exit_2(data_dir, anchor):
    result = run(data_dir, "audit", "verify", "--anchor", anchor)
    assert result.returncode == 2
    assert result.stderr.strip().startswith("prolotrack: error: --anchor takes SEQUENCE:HASH")
    assert len(result.stderr.strip().splitlines()) == 1
