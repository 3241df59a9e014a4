"""Tampering behind the triggers' back is always detected, at the right entry (issue 6, item 7).

Each trial lifts the append-only triggers inside a savepoint, makes one random modification,
deletion, insertion or reordering of audit rows (the attacker knows the hashing scheme and
recomputes hashes where that helps them), runs the verifier and rolls everything back, so each
trial starts from the same intact chain. Every trial must be detected, and the verifier must
name the exact first entry the tampering broke.

The figure: `PROLOTRACK_DATA_DIR=/tmp/x .venv/bin/pytest tests/audit/test_tampering.py -s`
prints "tampering: 100/100 detected ...". PROLOTRACK_TAMPER_TRIALS and PROLOTRACK_TAMPER_SEED
change the number of trials (security.md §7 asks 1,000) and the seed.
"""

from __future__ import annotations

import datetime as dt
import os
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace

import pytest
from django.db import connection, transaction
from django.utils import timezone

from prolotrack.audit.chain import ENTRY_COLUMNS, chain_verify, entry_from_row
from prolotrack.audit.models import AuditEvent
from prolotrack.audit.services import audit_record
from prolotrack.audit.triggers import missing_triggers
from prolotrack.domain.audit_chain import ChainEntry, Verification, hash_of
from tests.append_only import lifted
from tests.conftest import actor

TRIALS = int(os.environ.get("PROLOTRACK_TAMPER_TRIALS", "100"))
SEED = int(os.environ.get("PROLOTRACK_TAMPER_SEED", "20261129"))
KINDS = ("modify", "delete", "insert", "reorder")
OFFSET = 10_000_000  # renumbering goes through high numbers: `sequence` is unique


@pytest.fixture
def chain(clinician_a, admin_a, patient_a, patient_b) -> int:
    """About 40 varied events (users, patients, outcomes, details); returns the last sequence."""
    rng = random.Random(SEED)
    for number in range(36):
        audit_record(
            actor=actor(rng.choice([clinician_a, admin_a])) if number % 5 else None,
            action=rng.choice(["patient.view", "patient.search", "session.update", "web.x"]),
            clinic_id=patient_a.clinic_id if number % 3 else None,
            patient_id=patient_a.id if number % 2 else None,
            outcome=rng.choice(["success", "denied", "not_found"]),
            detail={"n": number, "nested": {"list": [number, "x"], "flag": number % 2 == 0}},
        )
    return AuditEvent.objects.count()


def rows() -> list[ChainEntry]:
    return [
        entry_from_row(row)
        for row in AuditEvent.objects.order_by("sequence").values(*ENTRY_COLUMNS)
    ]


def set_columns(sequence: int, **values: object) -> None:
    AuditEvent.objects.filter(sequence=sequence).update(**values)


def rehash(sequence: int) -> None:
    """What an attacker who knows the scheme does after a change: fix that entry's hash."""
    entry = next(e for e in rows() if e.sequence == sequence)
    set_columns(sequence, hash=hash_of(entry))


def rechain_from(sequence: int) -> None:
    """Recompute prev_hash and hash of every entry from `sequence` on (the whole tail)."""
    entries = rows()
    prev = next((e.hash for e in entries if e.sequence == sequence - 1), "0" * 64)
    for entry in entries:
        if entry.sequence < sequence:
            continue
        relinked = replace(entry, prev_hash=prev)
        prev = hash_of(relinked)
        set_columns(entry.sequence, prev_hash=relinked.prev_hash, hash=prev)


def shift_sequences(first: int, shift: int) -> None:
    high = AuditEvent.objects.filter(sequence__gte=first)
    for row_id, sequence in list(high.values_list("id", "sequence")):
        AuditEvent.objects.filter(id=row_id).update(sequence=sequence + OFFSET)
    for row_id, sequence in list(
        AuditEvent.objects.filter(sequence__gte=OFFSET).values_list("id", "sequence")
    ):
        AuditEvent.objects.filter(id=row_id).update(sequence=sequence - OFFSET + shift)


def forge(sequence: int, prev_hash: str, rng: random.Random) -> None:
    """A well-formed entry with a correct hash for its position, inserted directly."""
    template = rng.choice(rows())
    forged = replace(
        template,
        sequence=sequence,
        at=timezone.now(),
        action="patient.view",
        outcome="success",
        detail={"forged": True},
        prev_hash=prev_hash,
    )
    AuditEvent.objects.create(
        sequence=sequence,
        at=forged.at,
        user_id=forged.user_id,
        username=forged.username,
        clinic_id=forged.clinic_id,
        patient_id=forged.patient_id,
        action=forged.action,
        object_type=forged.object_type,
        object_id=forged.object_id,
        outcome=forged.outcome,
        client_address=forged.client_address,
        channel=forged.channel,
        detail=forged.detail,
        prev_hash=prev_hash,
        hash=hash_of(forged),
    )


def hash_at(sequence: int) -> str:
    return AuditEvent.objects.get(sequence=sequence).hash


# Each mutation changes the chain of `last` entries and returns the first entry it breaks.
Mutation = Callable[[random.Random, int], int]


def modify(rng: random.Random, last: int) -> int:
    target = rng.randint(1, last)
    column, value = rng.choice(
        [
            ("action", "patient.export"),
            ("outcome", "success" if rng.random() < 0.5 else "denied"),
            ("username", "someone-else"),
            ("object_id", "00000000-0000-4000-8000-000000000000"),
            ("client_address", "203.0.113.9"),
            ("channel", "cli"),
            ("patient_id", None),
            ("user_id", None),
            ("detail", {"n": -1}),
            ("at", timezone.now() - dt.timedelta(days=rng.randint(1, 400))),
        ]
    )
    current = AuditEvent.objects.filter(sequence=target).values(column).get()[column]
    if current == value:  # make sure something changes
        column, value = "username", f"changed-{target}"
    set_columns(target, **{column: value})
    way = rng.choice(["plain", "rehash", "rechain", "hash_column", "prev_column"])
    if way == "plain":
        return target
    if way == "hash_column":  # overwrite the stored hash instead
        set_columns(target, hash=f"{rng.getrandbits(256):064x}")
        return target
    if way == "prev_column":
        set_columns(target, prev_hash=f"{rng.getrandbits(256):064x}")
        return target
    if way == "rehash":
        rehash(target)
        return target + 1 if target < last else last  # the next link, or the head
    rechain_from(target)
    return last  # only the recorded head still disagrees


def delete(rng: random.Random, last: int) -> int:
    target = rng.randint(1, last)
    way = rng.choice(["one", "run", "close_gap"])
    if way == "one":
        AuditEvent.objects.filter(sequence=target).delete()
    elif way == "run":
        AuditEvent.objects.filter(sequence__gte=target, sequence__lt=target + 4).delete()
    else:  # renumber the rest so no sequence number is missing
        AuditEvent.objects.filter(sequence=target).delete()
        shift_sequences(target + 1, -1)
    return target


def insert(rng: random.Random, last: int) -> int:
    way = rng.choice(["end", "middle", "middle_rechained"])
    if way == "end":
        forge(last + 1, hash_at(last), rng)
        return last + 1
    target = rng.randint(1, last)
    prev = hash_at(target - 1) if target > 1 else "0" * 64
    shift_sequences(target, +1)
    forge(target, prev, rng)
    if way == "middle_rechained":
        rechain_from(target + 1)
    # The displaced entry was stored before the forgery that now precedes it (and, unless
    # rechained, no longer hashes or links); a forgery at the head's place disagrees with it.
    return target + 1 if target < last else last


def reorder(rng: random.Random, last: int) -> int:
    first, second = sorted(rng.sample(range(1, last + 1), 2))
    way = rng.choice(["swap", "move", "adjacent"])
    if way == "adjacent":
        first = rng.randint(1, last - 1)
        second = first + 1
    if way in {"swap", "adjacent"}:
        one = AuditEvent.objects.get(sequence=first).id
        two = AuditEvent.objects.get(sequence=second).id
        AuditEvent.objects.filter(id=one).update(sequence=OFFSET)
        AuditEvent.objects.filter(id=two).update(sequence=first)
        AuditEvent.objects.filter(id=one).update(sequence=second)
        return first
    moved = AuditEvent.objects.get(sequence=second).id  # a later entry taken to an earlier place
    AuditEvent.objects.filter(id=moved).update(sequence=OFFSET)
    for sequence in range(second - 1, first - 1, -1):
        AuditEvent.objects.filter(sequence=sequence).update(sequence=sequence + 1)
    AuditEvent.objects.filter(id=moved).update(sequence=first)
    return first


MUTATIONS: dict[str, Mutation] = {
    "modify": modify,
    "delete": delete,
    "insert": insert,
    "reorder": reorder,
}


class _Undo(Exception):
    """Rolls a trial's savepoint back."""


@dataclass
class Trial:
    kind: str
    expected: int
    verification: Verification


def run_trial(kind: str, rng: random.Random, last: int) -> Trial:
    outcome: list[Trial] = []
    try:
        with transaction.atomic():
            with lifted(connection):
                expected = MUTATIONS[kind](rng, last)
            outcome.append(Trial(kind, expected, chain_verify()[0]))
            raise _Undo
    except _Undo:
        pass
    return outcome[0]


def test_every_tampering_is_detected_at_the_first_broken_entry(chain):
    rng = random.Random(SEED)
    assert chain_verify()[0].intact
    tried: Counter[str] = Counter()
    detected: Counter[str] = Counter()
    exact: Counter[str] = Counter()
    misses: list[str] = []
    for number in range(TRIALS):
        kind = KINDS[number % len(KINDS)]
        trial = run_trial(kind, rng, chain)
        tried[kind] += 1
        broken = trial.verification.broken
        if broken is not None:
            detected[kind] += 1
            if broken.sequence == trial.expected:
                exact[kind] += 1
                continue
        misses.append(f"trial {number} ({kind}): expected {trial.expected}, got {broken}")
    by_kind = ", ".join(f"{k} {detected[k]}/{tried[k]}" for k in KINDS)
    print(
        f"\ntampering: {sum(detected.values())}/{TRIALS} detected ({by_kind}); first broken "
        f"entry named exactly in {sum(exact.values())}/{TRIALS}; {chain} entries, seed {SEED}"
    )
    assert misses == [], "\n".join(misses)
    assert sum(detected.values()) == TRIALS
    # every trial was rolled back: the chain and its triggers are as they were
    assert chain_verify()[0].intact
    assert AuditEvent.objects.count() == chain
    assert missing_triggers(connection) == []
