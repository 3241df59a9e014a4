"""The database refuses UPDATE and DELETE on the audit tables, whatever the code path."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from prolotrack.audit.chain import chain_verify
from prolotrack.audit.models import AuditChainHead, AuditEvent
from prolotrack.audit.services import audit_record
from prolotrack.audit.triggers import expected_triggers, installed_triggers, missing_triggers
from tests.append_only import lifted
from tests.conftest import actor


@pytest.fixture
def events(clinician_a, patient_a):
    audit_record(actor=actor(clinician_a), action="test.one", detail={"n": 1})
    audit_record(actor=actor(clinician_a), action="test.two", detail={"n": 2})
    return list(AuditEvent.objects.order_by("sequence"))


def stored() -> list[tuple[object, ...]]:
    return list(AuditEvent.objects.order_by("id").values_list("id", "sequence", "action", "hash"))


def head() -> tuple[int, str]:
    row = AuditChainHead.objects.get()
    return row.sequence, row.hash


def refused(change) -> None:
    """`change` raises a database error, and neither audit table changes."""
    before = stored(), head()
    with pytest.raises(DatabaseError, match=r"append-only|refused|head"), transaction.atomic():
        change()
    assert (stored(), head()) == before
    assert chain_verify()[0].intact


def raw(sql: str, params: list[str | int] | None = None):
    def run() -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params or [])

    return run


def test_every_trigger_is_installed(db):
    assert expected_triggers(connection)
    assert missing_triggers(connection) == []
    assert set(installed_triggers(connection)) >= set(expected_triggers(connection))


def test_orm_save_of_an_existing_event_is_refused(events):
    event = events[-1]
    event.outcome = "denied"
    refused(event.save)


def test_orm_queryset_update_is_refused(events):
    refused(lambda: AuditEvent.objects.filter(pk=events[0].pk).update(action="test.forged"))


def test_orm_delete_is_refused(events):
    refused(events[0].delete)
    refused(lambda: AuditEvent.objects.all().delete())


def test_raw_sql_update_is_refused(events):
    refused(raw("UPDATE audit_auditevent SET outcome = %s WHERE id = %s", ["denied", events[0].pk]))
    refused(raw("UPDATE audit_auditevent SET sequence = sequence + 100"))


def test_raw_sql_delete_is_refused(events):
    refused(raw("DELETE FROM audit_auditevent WHERE id = %s", [events[-1].pk]))
    refused(raw("DELETE FROM audit_auditevent"))


def test_the_head_cannot_be_deleted_or_moved_back(events):
    refused(lambda: AuditChainHead.objects.all().delete())
    refused(lambda: AuditChainHead.objects.update(sequence=1))
    refused(lambda: AuditChainHead.objects.update(hash="0" * 64))  # same sequence: refused too
    refused(raw("UPDATE audit_auditchainhead SET sequence = sequence + 5"))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's")
def test_truncate_is_refused_on_postgresql(events):
    # Run the deferred foreign-key checks of this test's transaction first: PostgreSQL refuses
    # TRUNCATE while they are pending, which would hide what the trigger does.
    raw("SET CONSTRAINTS ALL IMMEDIATE")()
    refused(raw("TRUNCATE audit_auditevent CASCADE"))
    refused(raw("TRUNCATE audit_auditchainhead"))


def test_appending_still_works_and_only_appends(events, clinician_a):
    before = stored()
    audit_record(actor=actor(clinician_a), action="test.three")
    after = stored()
    assert after[: len(before)] == before
    assert len(after) == len(before) + 1


def test_the_test_hatch_restores_the_triggers(events):
    with transaction.atomic(), lifted(connection):
        assert missing_triggers(connection) == expected_triggers(connection)
    assert missing_triggers(connection) == []
    refused(raw("DELETE FROM audit_auditevent"))
