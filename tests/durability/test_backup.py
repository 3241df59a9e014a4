"""Backup -> restore gives back the same database, checked table by table (security.md §7)."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from pathlib import Path

import psycopg
import pytest

from prolotrack.core import backup as backups
from tests.durability.conftest import (
    ScratchDatabases,
    prolotrack,
    require_postgres_tools,
    skip_in_the_postgres_run,
)

DEMO_PATIENTS = "15"


def sqlite_path(data_dir: Path) -> Path:
    return data_dir / "prolotrack.sqlite3"


@pytest.fixture(scope="module")
def demo_source(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """One data dir with the demo clinic loaded and a backup of it (migrating takes seconds)."""
    skip_in_the_postgres_run()
    base = tmp_path_factory.mktemp("backup-source")
    source = base / "source"
    loaded = prolotrack(source, "demo", "--patients", DEMO_PATIENTS)
    assert loaded.returncode == 0, loaded.stderr
    out = base / "backup.sqlite3"
    made = prolotrack(source, "backup", "--out", str(out))
    assert made.returncode == 0, made.stderr
    return source, out


@pytest.fixture
def demo_backup(tmp_path: Path, demo_source: tuple[Path, Path]) -> tuple[Path, Path]:
    """The shared source and a private copy of its backup and manifest (tests may change it)."""
    source, out = demo_source
    copy = tmp_path / out.name
    shutil.copyfile(out, copy)
    shutil.copyfile(backups.manifest_path(out), backups.manifest_path(copy))
    return source, copy


def test_sqlite_backup_restores_into_a_fresh_data_dir_with_identical_checksums(
    tmp_path, demo_backup
):
    source, out = demo_backup
    manifest = json.loads(backups.manifest_path(out).read_text())
    assert manifest["tables"]["patients_patient"]["rows"] == 15 + 5
    with sqlite3.connect(out) as copy_db:  # the backup itself is audited, inside the copy
        (action,) = copy_db.execute(
            "SELECT action FROM audit_auditevent ORDER BY id DESC LIMIT 1"
        ).fetchone()
    copy_db.close()
    assert action == "backup.create"
    target = tmp_path / "restored"

    restored = prolotrack(target, "restore", str(out))

    assert restored.returncode == 0, restored.stderr
    assert "row counts and checksums match" in restored.stdout
    original = backups.sqlite_file_sums(sqlite_path(source))
    copy = backups.sqlite_file_sums(sqlite_path(target))
    assert copy == original
    assert copy == backups.manifest_sums(manifest)
    assert backups.sqlite_file_integrity(sqlite_path(target)) == "ok"
    assert (sqlite_path(target).stat().st_mode & 0o777) == 0o600
    assert_chain_verifies_as_before(restored.stdout, source, target)
    # The restored installation works: the demo loader sees its clinic.
    again = prolotrack(target, "demo", "--patients", "1")
    assert again.returncode == 2
    assert "already loaded" in again.stderr


def audit_verify(data_dir: Path, *args: str, database_url: str = "") -> tuple[int, str]:
    """`prolotrack audit verify --no-record` (a check that adds no entry): exit code, output."""
    verified = prolotrack(
        data_dir, "audit", "verify", "--no-record", *args, database_url=database_url
    )
    return verified.returncode, verified.stdout + verified.stderr


def assert_chain_verifies_as_before(
    restore_output: str, source: Path, target: Path, database_url: tuple[str, str] = ("", "")
) -> None:
    """Restore said the chain verifies, and `audit verify` on the copy, anchored to the
    original's last hash, agrees entry for entry."""
    assert "Audit chain verifies." in restore_output
    code, original = audit_verify(source, database_url=database_url[0])
    assert code == 0, original
    anchor = re.search(r"--anchor (\d+:[0-9a-f]{64})", original)
    assert anchor is not None, original
    code, copy = audit_verify(target, "--anchor", anchor.group(1), database_url=database_url[1])
    assert code == 0, copy
    entries = re.search(r"intact: (\d+) entries verified", original)
    assert entries is not None
    assert int(entries.group(1)) > 0
    assert f"intact: {entries.group(1)} entries verified" in copy


def test_restore_refuses_a_database_that_holds_data_unless_forced(tmp_path, demo_backup):
    _, out = demo_backup
    other = tmp_path / "other"
    assert prolotrack(other, "restore", str(out)).returncode == 0
    with sqlite3.connect(sqlite_path(other)) as edit:
        edit.execute("DELETE FROM outcomes_score")
    edit.close()
    before = backups.sqlite_file_sums(sqlite_path(other))

    refused = prolotrack(other, "restore", str(out))

    assert refused.returncode == 2
    assert "not empty" in refused.stderr
    assert backups.sqlite_file_sums(sqlite_path(other)) == before

    forced = prolotrack(other, "restore", "--force", str(out))

    assert forced.returncode == 0, forced.stderr
    assert backups.sqlite_file_sums(sqlite_path(other)) == backups.manifest_sums(
        json.loads(backups.manifest_path(out).read_text())
    )
    safety = list(other.glob("prolotrack.sqlite3.pre-restore-*"))
    assert len(safety) == 1
    assert backups.sqlite_file_sums(safety[0]) == before


def test_a_backup_whose_rows_differ_from_its_manifest_fails_verification(tmp_path, demo_backup):
    """Rows changed inside the file (file digest re-signed): restore exits 1, target untouched."""
    _, out = demo_backup
    with sqlite3.connect(out) as edit:
        edit.execute("UPDATE patients_patient SET family_name = 'Changed' WHERE id = 1")
    edit.close()
    manifest_file = backups.manifest_path(out)
    manifest = json.loads(manifest_file.read_text())
    manifest["file_sha256"] = backups.file_sha256(out)
    manifest_file.write_text(json.dumps(manifest))
    target = tmp_path / "restored"

    result = prolotrack(target, "restore", str(out))

    assert result.returncode == 1
    assert "patients_patient" in result.stderr
    assert not sqlite_path(target).exists()


def test_a_changed_backup_file_or_a_missing_manifest_is_refused(tmp_path, demo_backup):
    _, out = demo_backup
    with out.open("ab") as handle:
        handle.write(b"\0")
    changed = prolotrack(tmp_path / "t1", "restore", str(out))
    assert changed.returncode == 2
    assert "does not match its manifest" in changed.stderr
    backups.manifest_path(out).unlink()
    missing = prolotrack(tmp_path / "t2", "restore", str(out))
    assert missing.returncode == 2
    assert "manifest" in missing.stderr


def test_backup_will_not_overwrite_a_file(tmp_path, demo_backup):
    source, out = demo_backup
    result = prolotrack(source, "backup", "--out", str(out))
    assert result.returncode == 2
    assert "already exists" in result.stderr


def test_canonical_text_is_stable_across_driver_types():
    import datetime as dt
    import decimal
    import uuid

    assert backups.canonical_row([None, True, 3, decimal.Decimal("1.50")]) == b"\\N\tt\t3\t1.50\n"
    assert backups.canonical_value(dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC)) == (
        "2026-01-02T03:04:00+00:00"
    )
    assert backups.canonical_value({"b": 1, "a": [1]}) == '{"a":[1],"b":1}'
    assert backups.canonical_value("a\tb\nc") == "a\\tb\\nc"
    assert backups.canonical_value(uuid.UUID(int=1)) == str(uuid.UUID(int=1))
    assert backups.canonical_value(memoryview(b"\x01\xff")) == "01ff"


def postgres_sums(url: str) -> backups.Sums:
    with psycopg.connect(url) as conn, conn.cursor() as cursor:
        return backups.postgres_sums(cursor)


def test_postgres_backup_restores_into_a_fresh_database_with_identical_checksums(
    tmp_path, scratch_databases: ScratchDatabases
):
    require_postgres_tools()
    source = scratch_databases.create("src")
    target = scratch_databases.create("dst")
    data = tmp_path / "data"
    loaded = prolotrack(data, "demo", "--patients", DEMO_PATIENTS, database_url=source)
    assert loaded.returncode == 0, loaded.stderr
    out = tmp_path / "backup.dump"
    made = prolotrack(data, "backup", "--out", str(out), database_url=source)
    assert made.returncode == 0, made.stderr

    restored = prolotrack(data, "restore", str(out), database_url=target)

    assert restored.returncode == 0, restored.stderr
    original = postgres_sums(source)
    assert original["patients_patient"].rows == 20
    assert postgres_sums(target) == original
    assert_chain_verifies_as_before(restored.stdout, data, data, (source, target))
    assert backups.manifest_sums(json.loads(backups.manifest_path(out).read_text())) == original
    refused = prolotrack(data, "restore", str(out), database_url=target)
    assert refused.returncode == 2
    assert "not empty" in refused.stderr
    forced = prolotrack(data, "restore", "--force", str(out), database_url=target)
    assert forced.returncode == 0, forced.stderr
    assert postgres_sums(target) == original
