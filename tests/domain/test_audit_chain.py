"""The audit hash chain on plain data: hashing is canonical, and every kind of break is named."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json

import pytest

from prolotrack.domain.audit_chain import (
    GENESIS_HASH,
    ChainEntry,
    ChainHead,
    Problem,
    canonical_bytes,
    entry_hash,
    hash_of,
    utc_timestamp,
    verify_chain,
)

START = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)


def content(number: int) -> dict[str, object]:
    return {
        "at": START + dt.timedelta(seconds=number, microseconds=7),
        "user_id": number % 3 or None,
        "username": f"user-{number % 3}",
        "clinic_id": 1,
        "patient_id": number if number % 2 else None,
        "action": "patient.view",
        "object_type": "patients.patient",
        "object_id": f"00000000-0000-4000-8000-{number:012d}",
        "outcome": "success",
        "client_address": "192.0.2.7",
        "channel": "web",
        "detail": {"results": number, "knees": ["left", "right"]},
    }


def build_chain(length: int) -> list[ChainEntry]:
    entries: list[ChainEntry] = []
    prev = GENESIS_HASH
    for sequence in range(1, length + 1):
        fields = content(sequence)
        digest = entry_hash(sequence, fields, prev)
        entries.append(
            ChainEntry(sequence=sequence, prev_hash=prev, hash=digest, row_id=sequence, **fields)  # type: ignore[arg-type]
        )
        prev = digest
    return entries


def head_of(entries: list[ChainEntry]) -> ChainHead:
    return ChainHead(sequence=entries[-1].sequence, hash=entries[-1].hash)


def test_the_hash_is_sha256_of_sorted_compact_json():
    fields = content(1)
    raw = canonical_bytes(1, fields, GENESIS_HASH)
    document = json.loads(raw)
    assert list(document) == sorted(document)
    assert document["at"] == "2026-11-29T12:00:01.000007Z"
    assert document["sequence"] == 1
    assert document["prev_hash"] == GENESIS_HASH
    assert b" " not in raw.replace(b"patient.view", b"")  # compact separators
    assert entry_hash(1, fields, GENESIS_HASH) == hashlib.sha256(raw).hexdigest()


def test_the_same_instant_in_another_zone_hashes_the_same():
    fields = content(1)
    elsewhere = dict(fields, at=fields["at"].astimezone(dt.timezone(dt.timedelta(hours=-5))))  # type: ignore[attr-defined]
    assert entry_hash(1, fields, GENESIS_HASH) == entry_hash(1, elsewhere, GENESIS_HASH)


def test_detail_key_order_does_not_matter_but_values_do():
    fields = content(1)
    reordered = dict(fields, detail={"knees": ["left", "right"], "results": 1})
    changed = dict(fields, detail={"knees": ["right", "left"], "results": 1})
    assert entry_hash(1, fields, GENESIS_HASH) == entry_hash(1, reordered, GENESIS_HASH)
    assert entry_hash(1, fields, GENESIS_HASH) != entry_hash(1, changed, GENESIS_HASH)


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        utc_timestamp(dt.datetime(2026, 1, 1))


def test_every_field_and_the_link_are_covered_by_the_hash():
    fields = content(1)
    reference = entry_hash(1, fields, GENESIS_HASH)
    assert entry_hash(2, fields, GENESIS_HASH) != reference
    assert entry_hash(1, fields, "1" * 64) != reference
    for name in fields:
        other: object = {"x": 1} if name == "detail" else "other"
        if name == "at":
            other = START
        assert entry_hash(1, dict(fields, **{name: other}), GENESIS_HASH) != reference, name


def test_an_intact_chain_verifies():
    entries = build_chain(50)
    seen: list[int] = []
    result = verify_chain(entries, head=head_of(entries), progress=seen.append)
    assert result.intact
    assert (result.checked, result.last_sequence, result.last_hash) == (50, 50, entries[-1].hash)
    assert len(seen) == 50


def test_an_empty_chain_without_head_verifies():
    result = verify_chain([], head=None)
    assert result.intact
    assert result.checked == 0


def first_break(entries: list[ChainEntry], head: ChainHead | None, **kwargs):
    result = verify_chain(entries, head=head, **kwargs)
    assert not result.intact
    assert result.broken is not None
    return result.broken


def test_changed_content_is_a_hash_mismatch_at_that_entry():
    entries = build_chain(10)
    head = head_of(entries)
    entries[4] = dataclasses.replace(entries[4], outcome="denied")
    broken = first_break(entries, head)
    assert (broken.sequence, broken.problems) == (5, (Problem.HASH_MISMATCH,))
    assert "content does not match" in broken.message


def test_a_rehashed_change_breaks_the_next_link():
    entries = build_chain(10)
    head = head_of(entries)
    forged = dataclasses.replace(entries[4], action="patient.search")
    entries[4] = dataclasses.replace(forged, hash=hash_of(forged))
    broken = first_break(entries, head)
    assert (broken.sequence, broken.problems) == (6, (Problem.PREV_HASH_MISMATCH,))


def test_a_missing_entry_is_a_gap():
    entries = build_chain(10)
    head = head_of(entries)
    del entries[3]
    broken = first_break(entries, head)
    assert (broken.sequence, broken.problems) == (4, (Problem.GAP,))
    assert "entry 4 missing" in broken.message


def test_a_truncated_end_is_a_gap_before_the_head():
    entries = build_chain(10)
    head = head_of(entries)
    broken = first_break(entries[:7], head)
    assert (broken.sequence, broken.problems) == (8, (Problem.GAP,))
    assert "entries 8 to 10 missing" in broken.message


def test_a_well_formed_entry_appended_past_the_head_is_caught():
    entries = build_chain(11)
    broken = first_break(entries, head_of(entries[:10]))
    assert (broken.sequence, broken.problems) == (11, (Problem.HEAD_MISMATCH,))


def test_a_rewritten_last_entry_disagrees_with_the_head():
    entries = build_chain(10)
    head = head_of(entries)
    forged = dataclasses.replace(entries[9], outcome="denied")
    entries[9] = dataclasses.replace(forged, hash=hash_of(forged))
    broken = first_break(entries, head)
    assert (broken.sequence, broken.problems) == (10, (Problem.HEAD_MISMATCH,))


def test_a_repeated_sequence_number_is_a_reordering():
    entries = build_chain(10)
    head = head_of(entries)
    entries.insert(5, entries[4])
    broken = first_break(entries, head)
    assert (broken.sequence, broken.problems) == (5, (Problem.REORDERED,))


def test_swapped_sequence_numbers_break_at_the_earlier_one():
    entries = build_chain(10)
    head = head_of(entries)
    third, seventh = entries[2], entries[6]
    entries[2] = dataclasses.replace(seventh, sequence=3)
    entries[6] = dataclasses.replace(third, sequence=7)
    broken = first_break(entries, head)
    assert broken.sequence == 3
    assert set(broken.problems) == {Problem.PREV_HASH_MISMATCH, Problem.HASH_MISMATCH}


def test_an_entry_stored_out_of_insertion_order_is_a_reordering():
    entries = build_chain(10)
    head = head_of(entries)
    entries[3] = dataclasses.replace(entries[3], row_id=1)
    broken = first_break(entries, head)
    assert (broken.sequence, broken.problems) == (4, (Problem.REORDERED,))


def test_rows_without_a_head_are_reported():
    entries = build_chain(3)
    broken = first_break(entries, None)
    assert broken.problems == (Problem.HEAD_MISSING,)


def test_an_anchor_catches_a_fully_rewritten_chain():
    original = build_chain(10)
    anchors = {5: original[4].hash}
    rewritten: list[ChainEntry] = []
    prev = GENESIS_HASH
    for entry in original:
        changed = dataclasses.replace(entry, prev_hash=prev, username="someone-else")
        changed = dataclasses.replace(changed, hash=hash_of(changed))
        rewritten.append(changed)
        prev = changed.hash
    assert verify_chain(rewritten, head=head_of(rewritten)).intact  # what anchors are for
    broken = first_break(rewritten, head_of(rewritten), anchors=anchors)
    assert (broken.sequence, broken.problems) == (5, (Problem.ANCHOR_MISMATCH,))


def test_an_anchor_past_the_end_is_reported():
    entries = build_chain(4)
    broken = first_break(entries, head_of(entries), anchors={9: "f" * 64})
    assert (broken.sequence, broken.problems) == (9, (Problem.ANCHOR_MISMATCH,))


def test_verification_stops_at_the_first_break():
    entries = build_chain(10)
    head = head_of(entries)
    entries[2] = dataclasses.replace(entries[2], outcome="denied")
    entries[7] = dataclasses.replace(entries[7], outcome="denied")
    result = verify_chain(entries, head=head)
    assert result.broken is not None
    assert result.broken.sequence == 3
    assert result.checked == 2
