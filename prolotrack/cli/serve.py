"""`prolotrack serve`: migrate, maybe load the demo clinic, run gunicorn and the task worker."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from types import FrameType
from typing import Annotated

import typer

from prolotrack.cli.main import fail, guarded, setup_django

DEMO_PATIENTS_ON_SERVE = 200


def port_is_free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def serve(
    demo: Annotated[
        bool, typer.Option("--demo", help="Load the demo clinic if the database is empty.")
    ] = False,
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    workers: Annotated[int, typer.Option(min=1, max=32, help="Web worker processes.")] = 2,
    task_worker: Annotated[bool, typer.Option(help="Also run the background task worker.")] = True,
) -> None:
    """Serve prolotrack with gunicorn (and the background task worker) until interrupted."""
    if not port_is_free(host, port):
        fail(f"cannot listen on {host}:{port}: the address is in use or not available")
    setup_django()
    from django.core.management import call_command

    guarded(lambda: call_command("migrate", interactive=False, verbosity=0))
    guarded(lambda: call_command("collectstatic", interactive=False, verbosity=0))
    if demo:
        _load_demo_if_empty()
    env = dict(os.environ, DJANGO_SETTINGS_MODULE=os.environ["DJANGO_SETTINGS_MODULE"])
    processes = [_start_gunicorn(host, port, workers, env)]
    if task_worker:
        processes.append(
            subprocess.Popen([sys.executable, "-m", "prolotrack.cli", "worker"], env=env)
        )
    typer.echo(f"prolotrack is serving on http://{host}:{port}/ (Ctrl+C stops it)")
    raise typer.Exit(code=_supervise(processes))


def _load_demo_if_empty() -> None:
    from prolotrack.cli.commands import console, print_demo_logins
    from prolotrack.demo.services import database_is_empty, demo_load, demo_loaded

    if demo_loaded():
        print_demo_logins()
        return
    if not database_is_empty():
        console.print("The database already holds data; the demo clinic was not loaded.")
        return
    console.print(f"Loading the demo clinic ({DEMO_PATIENTS_ON_SERVE} patients)...")
    guarded(lambda: demo_load(patients=DEMO_PATIENTS_ON_SERVE))
    print_demo_logins()


def _start_gunicorn(
    host: str, port: int, workers: int, env: dict[str, str]
) -> subprocess.Popen[bytes]:
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "prolotrack.settings.wsgi:application",
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--access-logfile",
        "-",
        "--graceful-timeout",
        "10",
    ]
    return subprocess.Popen(command, env=env)  # noqa: S603


def _supervise(processes: list[subprocess.Popen[bytes]]) -> int:
    """Wait until a signal arrives or a child exits; then stop the others and return a code."""
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    exit_code = 0
    while not stopping:
        finished = [p for p in processes if p.poll() is not None]
        if finished:
            exit_code = finished[0].returncode or 0
            typer.echo(f"prolotrack: a server process exited with code {exit_code}", err=True)
            exit_code = exit_code or 1
            break
        time.sleep(0.2)
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
    return exit_code


def register(app: typer.Typer) -> None:
    app.command()(serve)
