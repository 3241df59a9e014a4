"""The database triggers that make the audit tables append-only, per database vendor.

Installed by migration 0006, which calls `install` here: change this SQL only together with a
new migration that installs the new version. Nothing in the application drops or disables
them; the test suite lifts them only around its own table flushes (see tests/append_only.py).

`missing_triggers` lets `prolotrack audit verify` notice when they are gone, for example after
a SQLite table rebuild by a later migration: SQLite drops a table's triggers with the table,
so a migration that alters the audit tables must install them again.
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

EVENT_TABLE = "audit_auditevent"
HEAD_TABLE = "audit_auditchainhead"

SQLITE_TRIGGERS = {
    "audit_event_no_update": (
        f"CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON {EVENT_TABLE} "
        "BEGIN SELECT RAISE(ABORT, 'audit events are append-only: UPDATE refused'); END"
    ),
    "audit_event_no_delete": (
        f"CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON {EVENT_TABLE} "
        "BEGIN SELECT RAISE(ABORT, 'audit events are append-only: DELETE refused'); END"
    ),
    "audit_head_no_delete": (
        f"CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON {HEAD_TABLE} "
        "BEGIN SELECT RAISE(ABORT, 'the audit chain head cannot be deleted'); END"
    ),
    "audit_head_forward_only": (
        f"CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON {HEAD_TABLE} "
        "WHEN NEW.sequence <> OLD.sequence + 1 OR NEW.id <> OLD.id "
        "BEGIN SELECT RAISE(ABORT, 'the audit chain head only moves forward by one'); END"
    ),
}

POSTGRESQL_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% on % refused: the audit trail is append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END
$$
"""
POSTGRESQL_TRIGGERS = {
    "audit_event_no_update": (
        f"CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON {EVENT_TABLE} "
        "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()"
    ),
    "audit_event_no_delete": (
        f"CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON {EVENT_TABLE} "
        "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()"
    ),
    "audit_event_no_truncate": (
        f"CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON {EVENT_TABLE} "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()"
    ),
    "audit_head_no_delete": (
        f"CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON {HEAD_TABLE} "
        "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()"
    ),
    "audit_head_no_truncate": (
        f"CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON {HEAD_TABLE} "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()"
    ),
    "audit_head_forward_only": (
        f"CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON {HEAD_TABLE} "
        "FOR EACH ROW WHEN (NEW.sequence <> OLD.sequence + 1 OR NEW.id <> OLD.id) "
        "EXECUTE FUNCTION audit_refuse_change()"
    ),
}


def expected_triggers(connection: BaseDatabaseWrapper) -> list[str]:
    if connection.vendor == "sqlite":
        return sorted(SQLITE_TRIGGERS)
    if connection.vendor == "postgresql":
        return sorted(POSTGRESQL_TRIGGERS)
    return []


def installed_triggers(connection: BaseDatabaseWrapper) -> list[str]:
    """Names of the enabled triggers on the two audit tables."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN (%s, %s)",
                [EVENT_TABLE, HEAD_TABLE],
            )
        elif connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D' "
                "AND tgrelid IN (%s::regclass, %s::regclass)",
                [EVENT_TABLE, HEAD_TABLE],
            )
        else:
            return []
        return sorted(str(row[0]) for row in cursor.fetchall())


def missing_triggers(connection: BaseDatabaseWrapper) -> list[str]:
    installed = set(installed_triggers(connection))
    return [name for name in expected_triggers(connection) if name not in installed]


def install(connection: BaseDatabaseWrapper) -> None:
    """Create the triggers (migration 0006; nothing else in the application calls this)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for statement in SQLITE_TRIGGERS.values():
                cursor.execute(statement)
        elif connection.vendor == "postgresql":
            cursor.execute(POSTGRESQL_FUNCTION)
            for statement in POSTGRESQL_TRIGGERS.values():
                cursor.execute(statement)


def drop(connection: BaseDatabaseWrapper) -> None:
    """Remove the triggers: only for reversing migration 0006."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        elif connection.vendor == "postgresql":
            for name in POSTGRESQL_TRIGGERS:
                table = HEAD_TABLE if name.startswith("audit_head") else EVENT_TABLE
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            cursor.execute("DROP FUNCTION IF EXISTS audit_refuse_change()")
