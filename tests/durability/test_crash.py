"""Crash during an import: SIGKILL at a random point leaves the database as it was (§7).

The importer is the demo loader (one transaction for the whole cohort). Each of 20 trials
kills it once the write-ahead log has grown past a random size, i.e. at a random point of
the load, then checks that every table's rows and checksums equal the state before and that
`PRAGMA integrity_check` says ok. A kill that lands after the commit (the log can grow at
commit time) does not count as a trial: the database must then hold the complete load, never
part of it, and is put back to the empty copy before the next attempt. A last load runs to
the end and succeeds.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from prolotrack.core import backup as backups
from tests.cli.conftest import cli_environment
from tests.durability.conftest import fresh_data_dir

pytestmark = pytest.mark.slow

TRIALS = 20
PATIENTS = 150  # 165 with clinic B: about 4 MB of write-ahead log before the commit
KILL_BETWEEN_BYTES = (4_096, 1_500_000)
MAX_ATTEMPTS = 40


def database_state(path: Path) -> tuple[backups.Sums, str]:
    """Sums and integrity as the next process sees them (opening recovers the WAL)."""
    connection = sqlite3.connect(path, timeout=20)
    try:
        return backups.sqlite_sums(connection), backups.sqlite_integrity(connection)
    finally:
        connection.close()


def wal_size(path: Path) -> int:
    wal = path.with_name(path.name + "-wal")
    return wal.stat().st_size if wal.exists() else 0


def test_sigkill_at_a_random_point_of_the_demo_load_leaves_the_database_unchanged(
    tmp_path, migrated_sqlite
):
    data_dir = fresh_data_dir(migrated_sqlite, tmp_path / "data")
    database = data_dir / "prolotrack.sqlite3"
    before, integrity = database_state(database)
    assert integrity == "ok"
    assert before["patients_patient"].rows == 0
    rng = random.Random(int.from_bytes(os.urandom(4)))
    forker = subprocess.Popen(
        [sys.executable, "-m", "tests.durability.demo_forker", str(PATIENTS)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=cli_environment(data_dir),
    )
    assert forker.stdin is not None
    assert forker.stdout is not None
    killed_at: list[int] = []
    after_commit = 0
    try:
        for attempt in range(MAX_ATTEMPTS):
            if len(killed_at) == TRIALS:
                break
            threshold = rng.randint(*KILL_BETWEEN_BYTES)
            start_size = wal_size(database)
            forker.stdin.write("go\n")
            forker.stdin.flush()
            child = int(forker.stdout.readline())
            deadline = time.monotonic() + 120
            while wal_size(database) - start_size < threshold:
                assert time.monotonic() < deadline, f"attempt {attempt}: the load never got there"
                time.sleep(0.002)
            os.kill(child, signal.SIGKILL)
            at_kill = wal_size(database) - start_size
            status = int(forker.stdout.readline())
            assert os.WIFSIGNALED(status), f"attempt {attempt}: the load ended before the kill"
            assert os.WTERMSIG(status) == signal.SIGKILL

            after, integrity = database_state(database)

            assert integrity == "ok", f"attempt {attempt}"
            if after != before:
                # Only the complete load may be there: the kill came after the commit.
                assert after["patients_patient"].rows == PATIENTS + 15, backups.compare(
                    before, after
                )
                after_commit += 1
                for suffix in ("", "-wal", "-shm"):
                    database.with_name(database.name + suffix).unlink(missing_ok=True)
                shutil.copyfile(migrated_sqlite, database)
                continue
            killed_at.append(at_kill)

        # After the crashes a load still runs to the end.
        forker.stdin.write("go\n")
        forker.stdin.flush()
        forker.stdout.readline()
        status = int(forker.stdout.readline())
        assert os.WIFEXITED(status)
        assert os.WEXITSTATUS(status) == 0
    finally:
        forker.stdin.close()
        forker.wait(timeout=60)
    loaded, integrity = database_state(database)
    assert integrity == "ok"
    assert loaded["patients_patient"].rows == PATIENTS + 15
    assert len(killed_at) == TRIALS, f"{after_commit} of the kills came after the commit"
    assert len(set(killed_at)) > 1  # the kills happened at different points
