"""Test-only escape hatch around the audit tables' append-only triggers.

The application never lifts the triggers. The test suite must, in two places:
- Django's table flush between transactional tests (`TransactionTestCase`, pytest-django's
  `transactional_db` and `live_server`) deletes every row (SQLite: DELETE; PostgreSQL:
  TRUNCATE), which the triggers refuse. `install_flush_hatch()` (called from tests/conftest.py)
  wraps the flush so the triggers are lifted for that one statement list and restored in the
  same transaction.
- Tampering tests modify audit rows behind the triggers' back on purpose (`lifted`).

SQLite: the triggers' own CREATE statements are read from sqlite_master, dropped and re-run.
PostgreSQL: `ALTER TABLE ... DISABLE/ENABLE TRIGGER USER` on the two audit tables.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.operations import BaseDatabaseOperations

from prolotrack.audit.triggers import EVENT_TABLE, HEAD_TABLE


@contextmanager
def lifted(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """The audit tables without their triggers for the duration of the block."""
    if connection.vendor == "postgresql":
        _alter_postgresql_triggers(connection, "DISABLE")
        try:
            yield
        finally:
            _alter_postgresql_triggers(connection, "ENABLE")
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN (%s, %s)",
            [EVENT_TABLE, HEAD_TABLE],
        )
        saved = cursor.fetchall()
        for name, _ in saved:
            cursor.execute(f'DROP TRIGGER "{name}"')
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for _, sql in saved:
                cursor.execute(sql)


def _alter_postgresql_triggers(connection: BaseDatabaseWrapper, verb: str) -> None:
    with connection.cursor() as cursor:
        # ALTER TABLE refuses to run while deferred foreign-key checks are pending in this
        # transaction: run them now, then defer them again as Django declares them.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table in (EVENT_TABLE, HEAD_TABLE):
            cursor.execute(f"ALTER TABLE {table} {verb} TRIGGER USER")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


_original_flush = BaseDatabaseOperations.execute_sql_flush


def _flush_with_triggers_lifted(self: BaseDatabaseOperations, sql_list: Iterable[str]) -> None:
    with transaction.atomic(using=self.connection.alias), lifted(self.connection):
        _original_flush(self, sql_list)


def install_flush_hatch() -> None:
    BaseDatabaseOperations.execute_sql_flush = _flush_with_triggers_lifted  # type: ignore[method-assign]
