"""Subprocess helpers for the durability tests: the real `prolotrack` command on its own database.

PostgreSQL cases run when the suite runs on PostgreSQL (DATABASE_URL=postgres://...); each makes
its own scratch databases with createdb/dropdb-style SQL on the same server and removes them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from tests.cli.conftest import cli_environment

CliRunner = Callable[..., subprocess.CompletedProcess[str]]


def prolotrack(
    data_dir: Path, *args: str, database_url: str = "", timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    extra = {"DATABASE_URL": database_url} if database_url else {}
    return subprocess.run(
        [sys.executable, "-m", "prolotrack.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=cli_environment(data_dir, **extra),
        check=False,
    )


def on_postgres() -> bool:
    return connection.vendor == "postgresql"


def postgres_server_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    assert url.startswith(("postgres://", "postgresql://")), url
    return url


def skip_in_the_postgres_run() -> None:
    """SQLite-only cases (own subprocess databases) run once, in the SQLite run of the suite."""
    if on_postgres():
        pytest.skip("a SQLite case: it runs in the SQLite run of the suite")


def require_postgres_tools() -> None:
    """pg_dump/pg_restore must exist: skip on a developer machine without them, fail in CI."""
    missing = [tool for tool in ("pg_dump", "pg_restore") if shutil.which(tool) is None]
    if missing:
        message = f"PostgreSQL client tools missing: {', '.join(missing)}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


class ScratchDatabases:
    """Databases created on the suite's PostgreSQL server, dropped when the test ends."""

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        self.names: list[str] = []

    def _admin(self) -> psycopg.Connection[tuple[object, ...]]:
        base = self.server_url.rsplit("/", 1)[0]
        return psycopg.connect(f"{base}/postgres", autocommit=True)

    def create(self, label: str) -> str:
        name = f"durable_{label}_{uuid.uuid4().hex[:10]}"
        with self._admin() as admin:
            admin.execute(f'CREATE DATABASE "{name}"')  # name built from hex only
        self.names.append(name)
        return self.url(name)

    def url(self, name: str) -> str:
        return f"{self.server_url.rsplit('/', 1)[0]}/{name}"

    def drop_all(self) -> None:
        with self._admin() as admin:
            for name in self.names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def scratch_databases() -> Iterator[ScratchDatabases]:
    if not on_postgres():
        pytest.skip("the suite runs on SQLite; this case runs in the PostgreSQL run")
    databases = ScratchDatabases(postgres_server_url())
    try:
        yield databases
    finally:
        databases.drop_all()


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty SQLite database file to copy (running the migrations takes seconds)."""
    skip_in_the_postgres_run()
    data_dir = tmp_path_factory.mktemp("migrated")
    result = prolotrack(data_dir, "migrate", "--quiet")
    assert result.returncode == 0, result.stderr
    path = data_dir / "prolotrack.sqlite3"
    assert not path.with_name(path.name + "-wal").exists() or (
        path.with_name(path.name + "-wal").stat().st_size == 0
    )
    return path


def fresh_data_dir(template: Path, data_dir: Path) -> Path:
    """A data dir holding a copy of the migrated template database."""
    data_dir.mkdir(parents=True)
    shutil.copyfile(template, data_dir / "prolotrack.sqlite3")
    return data_dir
