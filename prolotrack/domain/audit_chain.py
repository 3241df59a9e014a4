"""The audit trail's hash chain: how an entry is hashed and how a chain is checked.

Every audit entry carries a gapless `sequence`, the `prev_hash` of the entry before it and its
own `hash`: SHA-256 over a canonical serialisation of its content and `prev_hash`. Changing,
removing, inserting or reordering an entry breaks the chain at (or right after) that entry.

The chain head (the last sequence and hash, kept in a separate row updated with every append)
is a witness for the end of the chain: without it, deleting the newest entries or appending a
well-formed forgery would leave an intact-looking chain. An anchor (a sequence and hash noted
somewhere else) catches a rewrite of the whole chain together with its head.

Pure Python (no Django): the database layer streams rows in as `ChainEntry` values.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# The hash of "the entry before the first one".
GENESIS_HASH = "0" * 64
# Bumped if the hashed fields or their serialisation ever change (old entries keep version 1).
FORMAT_VERSION = 1
# The content fields that are hashed, in this order in `ChainEntry`; `sequence` and
# `prev_hash` are hashed too. The database row id is not: it is assigned on insert.
CONTENT_FIELDS = (
    "at",
    "user_id",
    "username",
    "clinic_id",
    "patient_id",
    "action",
    "object_type",
    "object_id",
    "outcome",
    "client_address",
    "channel",
    "detail",
)


@dataclass(frozen=True)
class ChainEntry:
    """One stored audit entry as the verifier sees it."""

    sequence: int
    at: dt.datetime
    user_id: int | None
    username: str
    clinic_id: int | None
    patient_id: int | None
    action: str
    object_type: str
    object_id: str
    outcome: str
    client_address: str
    channel: str
    detail: Mapping[str, Any]
    prev_hash: str
    hash: str
    row_id: int | None = None  # insertion order in the table; a witness for reordering


@dataclass(frozen=True)
class ChainHead:
    """The last sequence number and hash, as recorded at the last append."""

    sequence: int
    hash: str


def utc_timestamp(moment: dt.datetime) -> str:
    """An aware datetime as UTC ISO 8601 with microseconds: `2026-11-29T23:59:36.123456Z`."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("audit times must be timezone-aware")
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_detail(detail: Mapping[str, Any]) -> dict[str, Any]:
    """`detail` as it comes back from a JSON column (tuples become lists, keys strings)."""
    loaded = json.loads(_dumps(detail))
    if not isinstance(loaded, dict):
        raise ValueError("audit detail must be a JSON object")
    return loaded


def canonical_bytes(sequence: int, content: Mapping[str, Any], prev_hash: str) -> bytes:
    """The exact bytes that are hashed: sorted-key compact JSON of an explicit field list."""
    missing = [name for name in CONTENT_FIELDS if name not in content]
    if missing:
        raise ValueError(f"audit content lacks {', '.join(missing)}")
    document: dict[str, Any] = {name: content[name] for name in CONTENT_FIELDS}
    document["at"] = utc_timestamp(content["at"])
    document["detail"] = canonical_detail(content["detail"])
    document["sequence"] = sequence
    document["prev_hash"] = prev_hash
    document["format"] = FORMAT_VERSION
    return _dumps(document).encode("utf-8")


def entry_hash(sequence: int, content: Mapping[str, Any], prev_hash: str) -> str:
    return hashlib.sha256(canonical_bytes(sequence, content, prev_hash)).hexdigest()


def hash_of(entry: ChainEntry) -> str:
    """The hash `entry` should carry, recomputed from its stored content and prev_hash."""
    content = {name: getattr(entry, name) for name in CONTENT_FIELDS}
    return entry_hash(entry.sequence, content, entry.prev_hash)


def _dumps(value: Any) -> str:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


class Problem(enum.StrEnum):
    HASH_MISMATCH = "hash mismatch"  # the entry's content or hash was changed
    PREV_HASH_MISMATCH = "prev_hash mismatch"  # the entry does not link to the one before it
    GAP = "gap"  # sequence numbers are missing
    REORDERED = "reordering"  # entries out of sequence or out of insertion order
    HEAD_MISMATCH = "head mismatch"  # the chain's end disagrees with the recorded head
    HEAD_MISSING = "head missing"
    ANCHOR_MISMATCH = "anchor mismatch"  # an externally noted hash differs


@dataclass(frozen=True)
class Break:
    """The first broken entry: its sequence number, what is wrong, and in words."""

    sequence: int
    problems: tuple[Problem, ...]
    message: str


@dataclass(frozen=True)
class Verification:
    checked: int  # entries whose hash was recomputed
    last_sequence: int
    last_hash: str
    broken: Break | None = None

    @property
    def intact(self) -> bool:
        return self.broken is None


@dataclass
class _Walk:
    head: ChainHead | None
    anchors: Mapping[int, str]
    checked: int = 0
    previous: ChainEntry | None = None

    @property
    def expected(self) -> int:
        return 1 if self.previous is None else self.previous.sequence + 1

    @property
    def previous_hash(self) -> str:
        return GENESIS_HASH if self.previous is None else self.previous.hash


def verify_chain(
    entries: Iterable[ChainEntry],
    *,
    head: ChainHead | None,
    anchors: Mapping[int, str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> Verification:
    """Walk `entries` (in sequence order) and report the first broken entry, if any.

    `head` is the recorded chain head (None when there is none); entries beyond it are
    forgeries or later appends the caller did not mean to include. `anchors` maps sequence
    numbers to hashes noted elsewhere. `progress(n)` is called after each entry.
    """
    walk = _Walk(head=head, anchors=anchors or {})
    for entry in entries:
        broken = _check(walk, entry)
        if broken is not None:
            return _result(walk, broken)
        walk.previous = entry
        walk.checked += 1
        if progress is not None:
            progress(1)
    return _result(walk, _check_end(walk))


def _result(walk: _Walk, broken: Break | None) -> Verification:
    previous = walk.previous
    return Verification(
        checked=walk.checked,
        last_sequence=0 if previous is None else previous.sequence,
        last_hash=GENESIS_HASH if previous is None else previous.hash,
        broken=broken,
    )


def _check(walk: _Walk, entry: ChainEntry) -> Break | None:
    expected, head = walk.expected, walk.head
    if head is not None and entry.sequence > head.sequence:
        if expected <= head.sequence:
            return _gap(expected, head.sequence, "the chain ends before its recorded head")
        return Break(
            entry.sequence,
            (Problem.HEAD_MISMATCH,),
            f"entry {entry.sequence} lies beyond the recorded head ({head.sequence}): "
            "appended behind the application's back",
        )
    if entry.sequence < expected:
        return Break(
            entry.sequence,
            (Problem.REORDERED,),
            f"entry {entry.sequence} comes after entry {expected - 1}: "
            "sequence numbers repeat or go backwards",
        )
    if entry.sequence > expected:
        return _gap(expected, entry.sequence - 1, f"next present entry is {entry.sequence}")
    problems = _entry_problems(walk, entry)
    if problems:
        return Break(entry.sequence, tuple(problems), _describe(entry.sequence, problems))
    return None


def _entry_problems(walk: _Walk, entry: ChainEntry) -> list[Problem]:
    problems: list[Problem] = []
    previous = walk.previous
    if (
        previous is not None
        and previous.row_id is not None
        and entry.row_id is not None
        and entry.row_id < previous.row_id
    ):
        problems.append(Problem.REORDERED)
    if entry.prev_hash != walk.previous_hash:
        problems.append(Problem.PREV_HASH_MISMATCH)
    if hash_of(entry) != entry.hash:
        problems.append(Problem.HASH_MISMATCH)
    head = walk.head
    if head is not None and entry.sequence == head.sequence and entry.hash != head.hash:
        problems.append(Problem.HEAD_MISMATCH)
    anchored = walk.anchors.get(entry.sequence)
    if anchored is not None and anchored != entry.hash:
        problems.append(Problem.ANCHOR_MISMATCH)
    return problems


def _check_end(walk: _Walk) -> Break | None:
    head = walk.head
    last = 0 if walk.previous is None else walk.previous.sequence
    if head is None:
        if last:
            return Break(last, (Problem.HEAD_MISSING,), "the chain head record is missing")
        return None
    if last < head.sequence:
        return _gap(last + 1, head.sequence, "the chain ends before its recorded head")
    beyond = [sequence for sequence in walk.anchors if sequence > last]
    if beyond:
        first = min(beyond)
        return Break(first, (Problem.ANCHOR_MISMATCH,), f"anchored entry {first} is missing")
    return None


def _gap(first: int, last: int, why: str) -> Break:
    missing = f"entry {first}" if first == last else f"entries {first} to {last}"
    return Break(first, (Problem.GAP,), f"{missing} missing ({why})")


_EXPLANATIONS = {
    Problem.REORDERED: "it was stored after the entry that precedes it",
    Problem.PREV_HASH_MISMATCH: "it does not link to the hash of the entry before it",
    Problem.HASH_MISMATCH: "its content does not match its hash",
    Problem.HEAD_MISMATCH: "its hash differs from the recorded chain head",
    Problem.ANCHOR_MISMATCH: "its hash differs from the anchor given",
}


def _describe(sequence: int, problems: list[Problem]) -> str:
    reasons = "; ".join(_EXPLANATIONS[problem] for problem in problems)
    return f"entry {sequence}: {reasons}"
