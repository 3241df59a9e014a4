"""Conflicting writers: no "database is locked", no lost update, exact final counts (§7)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import OperationalError, connection, connections, transaction

from prolotrack.audit.models import AuditEvent
from prolotrack.core.errors import Conflict
from prolotrack.core.retry import MAX_RETRIES, is_retryable, retrying_atomic
from prolotrack.patients.models import Patient
from prolotrack.patients.services import patient_update
from tests.cli.conftest import cli_environment
from tests.conftest import actor
from tests.durability.conftest import fresh_data_dir, on_postgres

pytestmark = pytest.mark.slow

PROCESSES = 8
WRITES_PER_PROCESS = 250
THREADS = 32
UPDATES_PER_THREAD = 100


def writer(data_dir: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.durability.sqlite_writer", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_environment(data_dir),
    )


def test_sqlite_8_processes_x_250_conflicting_writes_lose_nothing(tmp_path, migrated_sqlite):
    data_dir = fresh_data_dir(migrated_sqlite, tmp_path / "data")
    made = subprocess.run(
        [sys.executable, "-m", "tests.durability.sqlite_writer", "setup"],
        capture_output=True,
        text=True,
        env=cli_environment(data_dir),
        check=False,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    public_id = made.stdout.strip().splitlines()[-1]
    database = data_dir / "prolotrack.sqlite3"
    with sqlite3.connect(database) as check:
        (start_version,) = check.execute("SELECT version FROM patients_patient").fetchone()
    check.close()
    start_file = tmp_path / "start"
    workers = [
        writer(data_dir, "write", public_id, str(n), str(WRITES_PER_PROCESS), str(start_file))
        for n in range(PROCESSES)
    ]
    for process in workers:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ready"
    start_file.touch()  # all eight start together, so every write contends
    summaries = []
    for process in workers:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, (out, err)
        summaries.append(json.loads(out.strip().splitlines()[-1]))

    assert sum(s["done"] for s in summaries) == PROCESSES * WRITES_PER_PROCESS
    assert [e for s in summaries for e in s["errors"]] == []
    with sqlite3.connect(database) as check:
        (version,) = check.execute("SELECT version FROM patients_patient").fetchone()
        (audited,) = check.execute(
            "SELECT count(*) FROM audit_auditevent WHERE action = 'patient.update'"
        ).fetchone()
        (integrity,) = check.execute("PRAGMA integrity_check").fetchone()
    check.close()
    # Each update read the version and wrote version + 1: any lost update shows here.
    assert version - start_version == PROCESSES * WRITES_PER_PROCESS == 2000
    assert audited == 2000
    assert integrity == "ok"


@pytest.fixture
def postgres_only() -> None:
    if not on_postgres():
        pytest.skip("the suite runs on SQLite; this case runs in the PostgreSQL run")


@pytest.mark.django_db(transaction=True)
def test_postgres_32_threads_on_one_versioned_record_never_overwrite_silently(
    postgres_only, patient_a, clinician_a
):
    start = Patient.objects.get(id=patient_a.id).version
    lock = threading.Lock()
    successes: list[tuple[int, str]] = []
    conflicts = 0
    failures: list[str] = []

    def edit(thread: int) -> None:
        nonlocal conflicts
        try:
            for index in range(UPDATES_PER_THREAD):
                seen = Patient.objects.get(id=patient_a.id)
                name = f"T{thread}-{index}"
                try:
                    patient_update(
                        actor=actor(clinician_a),
                        patient=seen,
                        expected_version=seen.version,
                        family_name=name,
                    )
                except Conflict:
                    with lock:
                        conflicts += 1
                else:
                    with lock:
                        successes.append((seen.version, name))
        except Exception as error:
            with lock:
                failures.append(f"{type(error).__name__}: {error}")
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        list(pool.map(edit, range(THREADS)))

    assert failures == []
    assert len(successes) + conflicts == THREADS * UPDATES_PER_THREAD == 3200
    final = Patient.objects.get(id=patient_a.id)
    # Every success started from a different version: no two saves were based on the same read.
    based_on = sorted(version for version, _ in successes)
    assert based_on == list(range(start, start + len(successes)))
    assert final.version == start + len(successes)
    # The last saved change is the one on the screen, and every save was audited.
    assert final.family_name == max(successes)[1]
    assert AuditEvent.objects.filter(action="patient.update", patient=final).count() == len(
        successes
    )
    assert conflicts > 0


def raise_sqlstate(code: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DO $$ BEGIN RAISE EXCEPTION 'forced' USING ERRCODE = '{code}'; END $$")


@pytest.mark.django_db(transaction=True)
def test_serialization_failures_are_retried_and_rolled_back(postgres_only, patient_a):
    calls = []

    @retrying_atomic
    def flaky() -> int:
        calls.append(1)
        Patient.objects.filter(id=patient_a.id).update(phone=f"+1 555 0100 {len(calls):04d}")
        if len(calls) <= MAX_RETRIES:
            raise_sqlstate("40001" if len(calls) % 2 else "40P01")
        return len(calls)

    assert flaky() == MAX_RETRIES + 1
    assert Patient.objects.get(id=patient_a.id).phone == f"+1 555 0100 {MAX_RETRIES + 1:04d}"


@pytest.mark.django_db(transaction=True)
def test_retries_stop_after_the_limit_and_other_errors_are_not_retried(postgres_only, patient_a):
    calls = []

    @retrying_atomic
    def always(code: str) -> None:
        calls.append(code)
        Patient.objects.filter(id=patient_a.id).update(phone="+1 555 0199 0000")
        raise_sqlstate(code)

    with pytest.raises(OperationalError) as raised:
        always("40001")
    assert is_retryable(raised.value)
    assert len(calls) == MAX_RETRIES + 1
    calls.clear()
    with pytest.raises(OperationalError) as other:
        always("55P03")  # lock_not_available: not a "try again" error
    assert not is_retryable(other.value)
    assert len(calls) == 1
    assert Patient.objects.get(id=patient_a.id).phone != "+1 555 0199 0000"


@pytest.mark.django_db(transaction=True)
def test_a_nested_call_joins_the_outer_transaction_without_retrying(patient_a):
    calls = []

    @retrying_atomic
    def inner() -> None:
        calls.append(1)
        raise OperationalError("inner failure")

    with pytest.raises(OperationalError), transaction.atomic():
        inner()
    assert calls == [1]
