"""`prolotrack backup --out FILE` and `prolotrack restore FILE`: checked database snapshots."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from prolotrack.cli.main import fail, guarded, setup_django


def _vendor() -> tuple[str, Path | None]:
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        return "sqlite", Path(str(database["NAME"]))
    if database["ENGINE"] == "django.db.backends.postgresql":
        return "postgresql", None
    fail(f"backups are not supported for {database['ENGINE']}")


def backup(
    out: Annotated[Path, typer.Option("--out", help="The backup file to write.")],
) -> None:
    """Snapshot the database into FILE and write FILE.manifest.json (row counts, checksums)."""
    setup_django()
    from prolotrack.core import backup as backups

    if out.exists():
        fail(f"{out} already exists; choose a new file name")
    if not out.parent.is_dir():
        fail(f"the folder {out.parent} does not exist")
    vendor, path = _vendor()
    from prolotrack.audit.services import audit_record

    # A backup copies every patient's record: the export is audited, inside the copy too.
    guarded(
        lambda: audit_record(
            actor=None, action="backup.create", channel="cli", detail={"file": out.name}
        )
    )
    if vendor == "sqlite":
        assert path is not None
        manifest = guarded(lambda: backups.sqlite_backup(path, out))
    else:
        manifest = guarded(lambda: backups.postgres_backup(out))
    tables = manifest["tables"]
    rows = sum(int(table["rows"]) for table in tables.values())
    typer.echo(
        f"Backed up {len(tables)} tables ({rows} rows) to {out}; "
        f"manifest {backups.manifest_path(out)}."
    )


def restore(
    file: Annotated[Path, typer.Argument(help="A file written by `prolotrack backup`.")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace a database that already holds data.")
    ] = False,
) -> None:
    """Restore FILE into the configured database and verify every table against the manifest.

    Exit 1 when a row count or checksum differs after the restore, 2 on any other error.
    """
    setup_django()
    from prolotrack.core import backup as backups

    vendor, path = _vendor()
    if vendor == "sqlite":
        assert path is not None
        mismatches = guarded(lambda: backups.sqlite_restore(file, path, force=force))
    else:
        mismatches = guarded(lambda: backups.postgres_restore(file, force=force))
    if mismatches:
        for mismatch in mismatches:
            typer.echo(f"prolotrack: mismatch: {mismatch.describe()}", err=True)
        typer.echo(f"prolotrack: restore verification failed ({len(mismatches)} tables)", err=True)
        raise typer.Exit(code=1)
    manifest = backups.read_manifest(file, vendor=vendor)
    typer.echo(
        f"Restored {file}: {len(manifest['tables'])} tables, row counts and checksums match."
    )
    problem = guarded(backups.audit_chain_problem)
    if problem is not None:
        typer.echo(f"prolotrack: audit chain broken after restore: {problem}", err=True)
        raise typer.Exit(code=1)
    typer.echo("Audit chain verifies.")


def register(app: typer.Typer) -> None:
    app.command()(backup)
    app.command()(restore)
