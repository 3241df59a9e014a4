"""`prolotrack worker`, `prolotrack scores recompute`, `prolotrack instruments load-text`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from prolotrack.cli.main import fail, guarded, setup_django

scores_app = typer.Typer(help="Questionnaire scores.", no_args_is_help=True)
instruments_app = typer.Typer(help="Questionnaire instruments.", no_args_is_help=True)
schedules_app = typer.Typer(help="Questionnaire schedules per clinic.", no_args_is_help=True)


def worker(
    interval: Annotated[
        int, typer.Option(min=5, max=86_400, help="Seconds between two sweeps.")
    ] = 300,
    once: Annotated[
        bool, typer.Option("--once", help="Run one sweep in this process and exit.")
    ] = False,
) -> None:
    """Run background tasks: questionnaire windows, invitations and reminders."""
    setup_django()
    from prolotrack.outcomes.tasks import sweep

    if once:
        summary = guarded(lambda: sweep.call())
        typer.echo(json.dumps(summary))
        return
    runner = subprocess.Popen([sys.executable, "-m", "django", "db_worker"], env=dict(os.environ))
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    next_sweep = 0.0
    while not stopping and runner.poll() is None:
        if time.monotonic() >= next_sweep:
            guarded(lambda: sweep.enqueue())
            next_sweep = time.monotonic() + interval
        time.sleep(0.2)
    if runner.poll() is None:
        runner.terminate()
        runner.wait(timeout=30)
    raise typer.Exit(code=0 if stopping else 1)


@scores_app.command("recompute")
def recompute(
    instrument: Annotated[
        str | None, typer.Option(help="Only this instrument (e.g. KOOS).")
    ] = None,
) -> None:
    """Re-score completed questionnaires whose scoring definition has changed."""
    setup_django()
    from prolotrack.outcomes.services import scores_recompute

    changed = guarded(
        lambda: scores_recompute(instrument_code=instrument.upper() if instrument else None)
    )
    typer.echo(f"Recomputed {changed} questionnaire(s).")


@instruments_app.command("load-text")
def load_text(
    file: Annotated[Path, typer.Argument(help="A JSON text pack.")],
) -> None:
    """Load the official item wording of an instrument from a licensed JSON text pack.

    The pack: {"instrument": "KOOS", "language": "en", "name": "...", "items": {"P1": "...", ...}}.
    It replaces any text loaded before for that instrument and language; all or nothing.
    """
    try:
        pack = json.loads(file.read_text(encoding="utf-8"))
    except OSError as error:
        fail(f"cannot read {file}: {error.strerror}")
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        fail(f"{file} is not valid JSON: {error}")
    setup_django()
    from prolotrack.outcomes.texts import text_pack_load

    count = guarded(lambda: text_pack_load(pack, source=file.name))
    typer.echo(f"Loaded {count} item texts.")


@schedules_app.command("set")
def schedule_set(
    clinic: Annotated[str, typer.Option(help="Short name (slug) of the clinic.")],
    file: Annotated[
        Path | None,
        typer.Argument(help="A schedule in TOML, like knowledge/schedules/default.toml."),
    ] = None,
    default: Annotated[
        bool, typer.Option("--default", help="Go back to the shipped default schedule.")
    ] = False,
) -> None:
    """Give a clinic its own questionnaire schedule (time points, windows, instruments)."""
    if (file is None) == (not default):
        fail("give a schedule FILE or --default, not both")
    definition = None
    if file is not None:
        import tomllib

        try:
            definition = tomllib.loads(file.read_text(encoding="utf-8"))
        except OSError as error:
            fail(f"cannot read {file}: {error.strerror}")
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            fail(f"{file} is not valid TOML: {error}")
    setup_django()
    from prolotrack.clinics.models import Clinic
    from prolotrack.knowledge.catalogue import KnowledgeError
    from prolotrack.outcomes.services import clinic_schedule_set

    target = Clinic.objects.filter(slug=clinic).first()
    if target is None:
        fail(f"no clinic with the short name {clinic!r}")
    try:
        schedule = guarded(lambda: clinic_schedule_set(clinic_id=target.id, definition=definition))
    except KnowledgeError as error:
        fail(str(error))
    typer.echo(f"Clinic {clinic} now uses schedule {schedule.name} ({schedule.version}).")


def register(app: typer.Typer) -> None:
    app.command()(worker)
    app.add_typer(scores_app, name="scores")
    app.add_typer(instruments_app, name="instruments")
    app.add_typer(schedules_app, name="schedules")
