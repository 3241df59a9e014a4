"""Backups that prove themselves: a snapshot plus a manifest of per-table row counts and checksums.

SQLite: the online backup API (`sqlite3.Connection.backup`) copies a consistent snapshot while
the application keeps writing. PostgreSQL: `pg_dump --format=custom` on a snapshot exported by
the same transaction that computes the checksums, so the manifest describes exactly the dump.

The manifest sits beside the backup (`FILE.manifest.json`). A table's checksum is the SHA-256 of
its rows ordered by primary key, each row written as canonical text (`canonical_row`); a restore
recomputes every checksum and refuses to call itself done unless all of them match.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from prolotrack.core.errors import ApplicationError

MANIFEST_FORMAT = 1
MANIFEST_SUFFIX = ".manifest.json"
# Tables Django fills by itself on `migrate`: a database holding only these counts as empty.
BOOKKEEPING_TABLES = frozenset({"django_migrations", "django_content_type", "auth_permission"})
CHUNK_ROWS = 2000


class Cursor(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ..., /) -> Any: ...
    def fetchmany(self, size: int = ..., /) -> list[Any]: ...
    def fetchall(self) -> list[Any]: ...


@dataclass(frozen=True)
class TableSum:
    rows: int
    sha256: str


Sums = dict[str, TableSum]


@dataclass(frozen=True)
class Mismatch:
    table: str
    expected: TableSum | None
    found: TableSum | None

    def describe(self) -> str:
        def show(value: TableSum | None) -> str:
            return "absent" if value is None else f"{value.rows} rows, sha256 {value.sha256[:12]}"

        return f"{self.table}: expected {show(self.expected)}, found {show(self.found)}"


# --- canonical text and checksums --------------------------------------------------------------


def canonical_value(value: object) -> str:
    """One value as text that does not depend on the driver's Python types."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int | decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        # The same instant reads back in the session's time zone; write it in UTC.
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value.total_seconds())
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def canonical_row(row: Iterable[object]) -> bytes:
    return ("\t".join(canonical_value(value) for value in row) + "\n").encode()


def table_sum(cursor: Cursor, select_sql: str) -> TableSum:
    digest = hashlib.sha256()
    rows = 0
    cursor.execute(select_sql)
    while batch := cursor.fetchmany(CHUNK_ROWS):
        for row in batch:
            digest.update(canonical_row(row))
            rows += 1
    return TableSum(rows=rows, sha256=digest.hexdigest())


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def compare(expected: Sums, found: Sums) -> list[Mismatch]:
    return [
        Mismatch(table, expected.get(table), found.get(table))
        for table in sorted(set(expected) | set(found))
        if expected.get(table) != found.get(table)
    ]


# --- SQLite ------------------------------------------------------------------------------------


def _sqlite_quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sqlite_sums(connection: sqlite3.Connection) -> Sums:
    """Per-table row counts and checksums of every table in a SQLite database."""
    tables = [
        name
        for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    sums: Sums = {}
    for table in tables:
        columns = connection.execute(f"PRAGMA table_info({_sqlite_quote(table)})").fetchall()
        keys = [column[1] for column in sorted(columns, key=lambda c: c[5]) if column[5] > 0]
        order = keys or [column[1] for column in columns]
        # Names come from sqlite_master and are quoted; no user input reaches this text.
        select = f"SELECT * FROM {_sqlite_quote(table)} ORDER BY " + ", ".join(  # noqa: S608
            _sqlite_quote(name) for name in order
        )
        sums[table] = table_sum(connection.cursor(), select)
    return sums


def sqlite_integrity(connection: sqlite3.Connection) -> str:
    result = connection.execute("PRAGMA integrity_check").fetchall()
    return "; ".join(str(row[0]) for row in result)


def _sqlite_open(path: Path, *, readonly: bool = True) -> sqlite3.Connection:
    if readonly:
        return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=20)
    return sqlite3.connect(path, timeout=20)


def sqlite_file_sums(path: Path) -> Sums:
    connection = _sqlite_open(path)
    try:
        return sqlite_sums(connection)
    finally:
        connection.close()


def sqlite_file_integrity(path: Path) -> str:
    connection = _sqlite_open(path)
    try:
        return sqlite_integrity(connection)
    finally:
        connection.close()


def sqlite_holds_data(path: Path) -> bool:
    if not path.exists() or path.stat().st_size == 0:
        return False
    sums = sqlite_file_sums(path)
    return any(s.rows for table, s in sums.items() if table not in BOOKKEEPING_TABLES)


def sqlite_backup(source: Path, out: Path) -> dict[str, Any]:
    """Copy `source` with the online backup API into `out`; return the manifest written."""
    if not source.exists():
        raise ApplicationError(f"There is no database at {source} to back up.")
    partial = out.with_name(out.name + ".partial")
    partial.unlink(missing_ok=True)
    src = _sqlite_open(source, readonly=False)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)
            # A self-contained file: no WAL sidecars needed to read it.
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
    finally:
        src.close()
    os.chmod(partial, 0o600)
    integrity = sqlite_file_integrity(partial)
    if integrity != "ok":
        partial.unlink()
        raise ApplicationError(f"The snapshot failed PRAGMA integrity_check: {integrity}")
    sums = sqlite_file_sums(partial)
    os.replace(partial, out)
    return write_manifest(out, vendor="sqlite", sums=sums)


def sqlite_restore(backup: Path, target: Path, *, force: bool) -> list[Mismatch]:
    """Put `backup` in place of the database at `target`; return the checksum mismatches found."""
    manifest = read_manifest(backup, vendor="sqlite")
    expected = manifest_sums(manifest)
    if sqlite_holds_data(target) and not force:
        raise ApplicationError(
            f"The database at {target} is not empty; restore into a new data directory, "
            "or pass --force to replace it (a safety copy is kept)."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkstemp(dir=target.parent, prefix=".restore-", suffix=".sqlite3")[1])
    try:
        shutil.copyfile(backup, staged)
        os.chmod(staged, 0o600)
        integrity = sqlite_file_integrity(staged)
        if integrity != "ok":
            raise ApplicationError(f"The backup failed PRAGMA integrity_check: {integrity}")
        mismatches = compare(expected, sqlite_file_sums(staged))
        if mismatches:
            return mismatches
        if target.exists():
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
            os.replace(target, target.with_name(f"{target.name}.pre-restore-{stamp}"))
        # Stale WAL/SHM files would be replayed onto the restored file and corrupt it.
        for sidecar in ("-wal", "-shm"):
            target.with_name(target.name + sidecar).unlink(missing_ok=True)
        os.replace(staged, target)
    finally:
        staged.unlink(missing_ok=True)
    if (integrity := sqlite_file_integrity(target)) != "ok":
        raise ApplicationError(f"The restored database failed PRAGMA integrity_check: {integrity}")
    return compare(expected, sqlite_file_sums(target))


# --- PostgreSQL --------------------------------------------------------------------------------


def _pg_quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def postgres_sums(cursor: Cursor) -> Sums:
    """Per-table row counts and checksums of every table in the `public` schema."""
    cursor.execute(
        "SELECT c.relname, "
        "  (SELECT array_agg(a.attname ORDER BY k.ord) "
        "     FROM pg_index i "
        "     CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) "
        "     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum "
        "    WHERE i.indrelid = c.oid AND i.indisprimary) AS keys, "
        "  (SELECT array_agg(a.attname ORDER BY a.attnum) FROM pg_attribute a "
        "    WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS cols, "
        "  (SELECT array_agg(format_type(a.atttypid, NULL) ORDER BY a.attnum) FROM pg_attribute a "
        "    WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS types "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname"
    )
    tables = cursor.fetchall()
    sums: Sums = {}
    for name, keys, columns, types in tables:
        order = keys or columns
        # JSON comes back parsed or as text depending on the driver's loaders: read it as text.
        selected = ", ".join(
            f"{_pg_quote(column)}::text" if kind in ("json", "jsonb") else _pg_quote(column)
            for column, kind in zip(columns, types, strict=True)
        )
        select = (
            f"SELECT {selected} FROM public.{_pg_quote(name)} ORDER BY "  # noqa: S608
            + ", ".join(_pg_quote(column) for column in order)
        )
        sums[name] = table_sum(cursor, select)
    return sums


def postgres_environment(database: dict[str, Any]) -> dict[str, str]:
    """libpq variables for pg_dump/pg_restore from Django's DATABASES entry (none on argv)."""
    env = dict(os.environ)
    pairs = {
        "PGHOST": database.get("HOST"),
        "PGPORT": database.get("PORT"),
        "PGUSER": database.get("USER"),
        "PGPASSWORD": database.get("PASSWORD"),
        "PGDATABASE": database.get("NAME"),
    }
    for key, value in pairs.items():
        if value:
            env[key] = str(value)
    return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise ApplicationError(f"{name} is not installed (it comes with the PostgreSQL client).")
    return path


def postgres_backup(out: Path) -> dict[str, Any]:
    """pg_dump the Django database on a snapshot shared with the checksum pass."""
    from django.conf import settings
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = str(cursor.fetchone()[0])
        partial = out.with_name(out.name + ".partial")
        partial.unlink(missing_ok=True)
        result = subprocess.run(  # noqa: S603 (fixed program, no shell)
            [
                _tool("pg_dump"),
                "--format=custom",
                f"--snapshot={snapshot}",
                "--no-owner",
                f"--file={partial}",
            ],
            env=postgres_environment(settings.DATABASES["default"]),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            partial.unlink(missing_ok=True)
            raise ApplicationError(f"pg_dump failed: {result.stderr.strip()}")
        sums = postgres_sums(cursor)
    os.chmod(partial, 0o600)
    os.replace(partial, out)
    return write_manifest(out, vendor="postgresql", sums=sums)


def postgres_holds_data() -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')"
        )
        tables = [name for (name,) in cursor.fetchall() if name not in BOOKKEEPING_TABLES]
        for table in tables:
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM public.{_pg_quote(table)})")  # noqa: S608
            if cursor.fetchone()[0]:
                return True
    return False


def postgres_restore(backup: Path, *, force: bool) -> list[Mismatch]:
    from django.conf import settings
    from django.db import connection

    manifest = read_manifest(backup, vendor="postgresql")
    expected = manifest_sums(manifest)
    if postgres_holds_data() and not force:
        raise ApplicationError(
            "The database is not empty; restore into a new database, or pass --force to "
            "replace its contents."
        )
    with connection.cursor() as cursor:
        # Start from an empty public schema so the dump's tables and sequences are exact.
        cursor.execute("DROP SCHEMA public CASCADE")
        cursor.execute("CREATE SCHEMA public")
    connection.close()
    result = subprocess.run(  # noqa: S603 (fixed program, no shell)
        [
            _tool("pg_restore"),
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={settings.DATABASES['default'].get('NAME')}",
            str(backup),
        ],
        env=postgres_environment(settings.DATABASES["default"]),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise ApplicationError(f"pg_restore failed: {result.stderr.strip()}")
    with connection.cursor() as cursor:
        found = postgres_sums(cursor)
    return compare(expected, found)


# --- manifest ----------------------------------------------------------------------------------


def manifest_path(backup: Path) -> Path:
    return backup.with_name(backup.name + MANIFEST_SUFFIX)


def write_manifest(backup: Path, *, vendor: str, sums: Sums) -> dict[str, Any]:
    manifest: dict[str, Any] = {
        "format": MANIFEST_FORMAT,
        "vendor": vendor,
        "created_at": dt.datetime.now(dt.UTC).isoformat(),
        "file_sha256": file_sha256(backup),
        "tables": {
            table: {"rows": value.rows, "sha256": value.sha256}
            for table, value in sorted(sums.items())
        },
    }
    path = manifest_path(backup)
    path.write_text(json.dumps(manifest, indent=2) + "\n")
    os.chmod(path, 0o600)
    return manifest


def read_manifest(backup: Path, *, vendor: str) -> dict[str, Any]:
    if not backup.is_file():
        raise ApplicationError(f"There is no backup file at {backup}.")
    path = manifest_path(backup)
    if not path.is_file():
        raise ApplicationError(
            f"The manifest {path} is missing; a backup is not trusted without it."
        )
    try:
        manifest: dict[str, Any] = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise ApplicationError(f"The manifest {path} is not valid JSON: {error}") from error
    if manifest.get("format") != MANIFEST_FORMAT:
        raise ApplicationError(f"The manifest {path} has an unknown format.")
    if manifest.get("vendor") != vendor:
        raise ApplicationError(
            f"This is a {manifest.get('vendor')} backup; the configured database is {vendor}."
        )
    if manifest.get("file_sha256") != file_sha256(backup):
        raise ApplicationError(f"{backup} does not match its manifest: the file was changed.")
    return manifest


def manifest_sums(manifest: dict[str, Any]) -> Sums:
    tables: dict[str, dict[str, Any]] = manifest.get("tables", {})
    return {
        name: TableSum(rows=int(value["rows"]), sha256=str(value["sha256"]))
        for name, value in tables.items()
    }


# --- the audit chain ---------------------------------------------------------------------------


def audit_chain_problem() -> str | None:
    """None when the restored database's audit hash chain verifies, else its first break."""
    from prolotrack.audit.chain import chain_verify

    verification, _head = chain_verify()
    broken = verification.broken
    return None if broken is None else f"entry {broken.sequence}: {broken.message}"
