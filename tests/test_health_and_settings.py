"""The health endpoint, and the settings the environment controls."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
from django.db.utils import OperationalError

from prolotrack import __version__
from prolotrack.core import health
from tests.cli.conftest import cli_environment


def test_health_ok_without_login(client, db):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "version": __version__}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_health_503_when_the_database_fails(client, db, monkeypatch):
    class BrokenConnection:
        def cursor(self):
            raise OperationalError("connection refused")

    monkeypatch.setattr(health, "connection", BrokenConnection())
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["database"] == "error"


def test_health_refuses_post(client, db):
    assert client.post("/health/").status_code == 405


PROBE = """
import django, json, os
from django.test import Client
django.setup()
from django.db import connection
response = Client(HTTP_HOST="127.0.0.1").get("/health/")
info = {"status": response.status_code, "body": response.json()}
if response.status_code == 200 and connection.vendor == "sqlite":
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        info["journal_mode"] = cursor.fetchone()[0]
        cursor.execute("PRAGMA synchronous")
        info["synchronous"] = cursor.fetchone()[0]
        cursor.execute("PRAGMA busy_timeout")
        info["busy_timeout"] = cursor.fetchone()[0]
    info["transaction_mode"] = connection.transaction_mode
    info["name"] = str(connection.settings_dict["NAME"])
print(json.dumps(info))
"""


def run_probe(tmp_path, **env: str) -> dict[str, Any]:
    environment = cli_environment(
        tmp_path, DJANGO_SETTINGS_MODULE="prolotrack.settings.development", **env
    )
    if not env.get("DATABASE_URL"):
        subprocess.run(
            [sys.executable, "-m", "prolotrack.cli", "migrate", "-q"],
            env=environment,
            check=True,
            timeout=120,
        )
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def test_sqlite_in_data_dir_with_wal_full_sync_and_immediate_writers(tmp_path):
    info = run_probe(tmp_path)
    assert info["status"] == 200
    assert info["name"] == str(tmp_path / "prolotrack.sqlite3")
    assert info["journal_mode"] == "wal"
    assert info["synchronous"] == 2  # FULL
    assert info["busy_timeout"] == 20000
    assert info["transaction_mode"] == "IMMEDIATE"


def test_health_503_when_postgres_is_unreachable(tmp_path):
    # Port 9 (discard) on loopback has no PostgreSQL: the connection is refused at once.
    info = run_probe(tmp_path, DATABASE_URL="postgres://nobody@127.0.0.1:9/none")
    assert info["status"] == 503
    assert info["body"]["database"] == "error"


@pytest.mark.parametrize(
    ("url", "engine"),
    [
        ("postgres://u:p@db.internal:5433/prolo", "django.db.backends.postgresql"),
        ("", "django.db.backends.sqlite3"),
    ],
)
def test_database_url_selects_the_engine(monkeypatch, url, engine):
    from prolotrack.settings import base

    monkeypatch.setenv("DATABASE_URL", url)
    config = base.database_from_environment()
    assert config["ENGINE"] == engine
    if url:
        assert (config["HOST"], config["PORT"], config["NAME"]) == ("db.internal", 5433, "prolo")
        assert config["CONN_MAX_AGE"] == 600
