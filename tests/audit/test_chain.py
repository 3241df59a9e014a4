"""Appending to the audit chain: numbered without gaps, linked, hashed, never forked."""

from __future__ import annotations

import datetime as dt
import itertools
import threading

import pytest
from django.db import connection, connections, transaction

from prolotrack.audit.chain import ENTRY_COLUMNS, chain_head, chain_verify, entry_from_row
from prolotrack.audit.models import AuditChainHead, AuditEvent
from prolotrack.audit.services import audit_record
from prolotrack.domain.audit_chain import GENESIS_HASH, hash_of
from tests.conftest import actor


def test_events_are_numbered_linked_and_hashed(clinician_a, patient_a):
    audit_record(
        actor=actor(clinician_a),
        action="patient.view",
        clinic_id=patient_a.clinic_id,
        patient_id=patient_a.id,
        target=patient_a,
        detail={"knees": ("left", "right")},
    )
    events = list(AuditEvent.objects.order_by("sequence"))
    assert [e.sequence for e in events] == list(range(1, len(events) + 1))
    assert events[0].prev_hash == GENESIS_HASH
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.hash
    last = events[-1]
    assert last.detail == {"knees": ["left", "right"]}  # stored as it will read back
    assert (last.user_id, last.clinic_id, last.patient_id, last.client_address) == (
        clinician_a.id,
        patient_a.clinic_id,
        patient_a.id,
        "127.0.0.1",
    )
    head = AuditChainHead.objects.get()
    assert (head.sequence, head.hash) == (last.sequence, last.hash)


def test_the_stored_hash_is_the_recomputed_hash(clinician_a, patient_a):
    verification, head = chain_verify()
    assert verification.intact, verification.broken
    assert head is not None
    assert verification.checked == AuditEvent.objects.count() == head.sequence


def test_a_rolled_back_write_leaves_no_event_and_no_gap(clinician_a):
    before = AuditEvent.objects.count()

    def failing_change() -> None:
        with transaction.atomic():
            audit_record(actor=actor(clinician_a), action="test.rolled_back")
            raise RuntimeError("the audited change failed")

    with pytest.raises(RuntimeError):
        failing_change()
    assert AuditEvent.objects.count() == before
    assert not AuditEvent.objects.filter(action="test.rolled_back").exists()
    kept = audit_record(actor=actor(clinician_a), action="test.kept")
    assert kept.sequence == before + 1
    assert chain_verify()[0].intact


def test_the_time_is_utc_and_hashed_as_stored(clinician_a):
    event = audit_record(actor=actor(clinician_a), action="test.time")
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.at == event.at
    assert stored.at.utcoffset() == dt.timedelta(0)
    row = AuditEvent.objects.filter(pk=event.pk).values(*ENTRY_COLUMNS).get()
    assert hash_of(entry_from_row(row)) == stored.hash


def test_batched_streaming_reads_every_entry(clinician_a):
    for number in range(23):
        audit_record(actor=actor(clinician_a), action="test.batch", detail={"n": number})
    seen: list[int] = []
    verification, _ = chain_verify(batch_size=5, progress=seen.append)
    assert verification.intact
    assert verification.checked == len(seen) == AuditEvent.objects.count()


THREADS = 8
APPENDS = 15


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_never_fork_the_chain(clinic_a, clinician_a):
    """8 threads (8 database connections) append at once: one gapless, intact chain."""
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []
    who = actor(clinician_a)

    def append(worker: int) -> None:
        try:
            start.wait()
            for number in range(APPENDS):
                with transaction.atomic():  # the caller's transaction, as in every service
                    audit_record(
                        actor=who, action="test.concurrent", detail={"w": worker, "n": number}
                    )
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=append, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert AuditEvent.objects.filter(action="test.concurrent").count() == THREADS * APPENDS
    sequences = list(AuditEvent.objects.order_by("sequence").values_list("sequence", flat=True))
    assert sequences == list(range(1, len(sequences) + 1))
    verification, head = chain_verify()
    assert verification.intact, verification.broken
    assert head == chain_head()
    assert connection.vendor in {"sqlite", "postgresql"}
