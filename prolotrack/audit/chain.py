"""Appending to the audit hash chain, and verifying it, against the database.

The hashing and the checks are pure functions in `prolotrack.domain.audit_chain`; this module
serialises appends and streams rows to the verifier.

Appends never fork the chain: the append runs inside the caller's transaction (a rolled-back
write leaves neither an audit row nor a gap) and holds the chain lock until that transaction
ends. On PostgreSQL the lock is a transaction-level advisory lock; on SQLite every write
transaction already holds the database's single write lock from its first statement
(`BEGIN IMMEDIATE`, see settings). The unique `sequence` column is the backstop: two appends
that somehow read the same head fail instead of forking.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from django.db import connection, transaction
from django.db.models import Q, Subquery
from django.utils import timezone

from prolotrack.audit.models import AuditChainHead, AuditEvent
from prolotrack.domain.audit_chain import (
    CONTENT_FIELDS,
    GENESIS_HASH,
    ChainEntry,
    ChainHead,
    Verification,
    canonical_detail,
    entry_hash,
    verify_chain,
)

# pg_advisory_xact_lock key for the audit chain ("prolotrk" in ASCII, as a bigint).
CHAIN_LOCK_KEY = 0x70726F6C6F74726B
HEAD_ID = 1
BATCH_SIZE = 2000
ENTRY_COLUMNS = ("id", "sequence", *CONTENT_FIELDS, "prev_hash", "hash")


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])


def _content(event: AuditEvent) -> dict[str, Any]:
    return {name: getattr(event, name) for name in CONTENT_FIELDS}


def chain_append(event: AuditEvent) -> AuditEvent:
    """Number, link, hash and insert an unsaved event; move the head forward.

    Three statements (read the head, insert, move the head; plus the advisory lock on
    PostgreSQL), in the caller's transaction: `savepoint=False` adds no savepoint when there
    is one, and starts one when there is not.
    """
    with transaction.atomic(savepoint=False):
        _lock_chain()
        head = AuditChainHead.objects.filter(pk=HEAD_ID).first()
        if head is not None:
            sequence, prev_hash = head.sequence + 1, head.hash
        else:  # a new database (or a head lost behind our back: carry on from the last row)
            last = AuditEvent.objects.order_by("-sequence").values("sequence", "hash").first()
            sequence = 1 if last is None else last["sequence"] + 1
            prev_hash = GENESIS_HASH if last is None else last["hash"]
        event.at = timezone.now()
        event.detail = canonical_detail(event.detail)
        event.sequence = sequence
        event.prev_hash = prev_hash
        event.hash = entry_hash(sequence, _content(event), prev_hash)
        event.save(force_insert=True)
        if head is None:
            AuditChainHead.objects.create(id=HEAD_ID, sequence=sequence, hash=event.hash)
        else:
            AuditChainHead.objects.filter(pk=HEAD_ID).update(sequence=sequence, hash=event.hash)
    return event


def chain_head() -> ChainHead | None:
    head = AuditChainHead.objects.filter(pk=HEAD_ID).first()
    return None if head is None else ChainHead(sequence=head.sequence, hash=head.hash)


def entry_from_row(row: Mapping[str, Any]) -> ChainEntry:
    values = {name: row[name] for name in ENTRY_COLUMNS if name != "id"}
    return ChainEntry(row_id=row["id"], **values)


def chain_entries(*, up_to: int | None, batch_size: int = BATCH_SIZE) -> Iterator[ChainEntry]:
    """Entries in (sequence, id) order, `batch_size` rows per query, up to sequence `up_to`.

    Keyset pagination: each batch starts after the last row seen, so memory stays flat and a
    duplicated sequence number (possible only behind the database's back) is still seen.
    """
    rows = AuditEvent.objects.order_by("sequence", "id")
    if up_to is not None:
        rows = rows.filter(sequence__lte=up_to)
    after: tuple[int, int] | None = None
    while True:
        batch = rows
        if after is not None:
            batch = rows.filter(Q(sequence__gt=after[0]) | Q(sequence=after[0], id__gt=after[1]))
        found = list(batch.values(*ENTRY_COLUMNS)[:batch_size])
        for row in found:
            yield entry_from_row(row)
        if len(found) < batch_size:
            return
        after = (found[-1]["sequence"], found[-1]["id"])


def _beyond_head() -> Iterator[ChainEntry]:
    """The first entry past the head as it is now (one statement, so appends cannot race)."""
    head_sequence = AuditChainHead.objects.filter(pk=HEAD_ID).values("sequence")[:1]
    row = (
        AuditEvent.objects.filter(sequence__gt=Subquery(head_sequence))
        .order_by("sequence", "id")
        .values(*ENTRY_COLUMNS)
        .first()
    )
    if row is not None:
        yield entry_from_row(row)


def chain_verify(
    *,
    anchors: Mapping[int, str] | None = None,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
) -> tuple[Verification, ChainHead | None]:
    """Check the chain up to its head as read now; appends made meanwhile wait for next time.

    Returns the verification and the head it was checked against.
    """
    head = chain_head()
    up_to = None if head is None else head.sequence

    def entries() -> Iterator[ChainEntry]:
        yield from chain_entries(up_to=up_to, batch_size=batch_size)
        if head is not None:
            yield from _beyond_head()

    return verify_chain(entries(), head=head, anchors=anchors, progress=progress), head
