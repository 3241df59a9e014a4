"""Lost updates through the API under real concurrency: 16 clients each read the patient and
PATCH it with the version they read, 8 times. Successes + 409s = attempts, every success was
based on a different version, the final version is 1 + successes, one audit row per success.

Runs on both databases (SQLite serialises writers with BEGIN IMMEDIATE; PostgreSQL locks the
row). Prints the figure: `pytest tests/api/test_concurrency.py -s`.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from prolotrack.audit.models import AuditEvent
from prolotrack.patients.models import Patient
from tests.api.conftest import TokenClient, issue

THREADS = 16
EDITS_PER_THREAD = 8


@pytest.mark.django_db(transaction=True)
def test_16_api_clients_patching_one_patient_lose_no_update(patient_a, clinician_a, clinic_a):
    token = issue(clinician_a, clinic_a)
    url = f"/api/v1/patients/{patient_a.public_id}"
    lock = threading.Lock()
    successes: list[tuple[int, str]] = []
    conflicts = 0
    unexpected: list[str] = []

    def edit(thread: int) -> None:
        nonlocal conflicts
        client = TokenClient(token)
        try:
            for index in range(EDITS_PER_THREAD):
                version = client.get(url).json()["version"]
                name = f"T{thread:02d}-{index}"
                response = client.patch(url, {"version": version, "family_name": name})
                with lock:
                    if response.status_code == 200:
                        successes.append((version, name))
                    elif response.status_code == 409:
                        conflicts += 1
                    else:
                        unexpected.append(f"{response.status_code}: {response.content[:200]!r}")
        finally:
            connections.close_all()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        list(pool.map(edit, range(THREADS)))
    seconds = time.perf_counter() - started

    assert unexpected == []
    attempts = THREADS * EDITS_PER_THREAD
    assert len(successes) + conflicts == attempts
    based_on = sorted(version for version, _ in successes)
    assert based_on == list(range(1, 1 + len(successes)))  # no two saves from one read
    final = Patient.objects.get(id=patient_a.id)
    assert final.version == 1 + len(successes)
    assert final.family_name == max(successes)[1]
    updates = AuditEvent.objects.filter(action="patient.update", patient=final, channel="api")
    assert updates.count() == len(successes)
    print(
        f"\n{connection.vendor}: {THREADS} API clients x {EDITS_PER_THREAD} PATCHes = {attempts}: "
        f"{len(successes)} saved, {conflicts} answered 409, 0 lost; final version "
        f"{final.version} = 1 + {len(successes)}; {seconds:.1f} s"
    )
