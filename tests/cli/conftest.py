"""Run the real `prolotrack` command in a subprocess with its own SQLite data directory."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

RunCli = Callable[..., subprocess.CompletedProcess[str]]


def cli_environment(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}
    }
    env.update({"PROLOTRACK_DATA_DIR": str(data_dir), "PROLOTRACK_ENV": "development"})
    env.update(extra)
    env.pop("PROLOTRACK_DEMO_PASSWORD", None)
    return env


@pytest.fixture
def run_cli(tmp_path: Path) -> RunCli:
    def run(*args: str, stdin: str = "", timeout: float = 120, **env: str):
        return subprocess.run(
            [sys.executable, "-m", "prolotrack.cli", *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=cli_environment(tmp_path / "data", **env),
            check=False,
        )

    return run


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
