"""`prolotrack thresholds set` and `prolotrack suggestions set`: a clinic's own response
thresholds and next-step rules.

Each file has exactly the structure of the shipped one (``prolotrack/knowledge/thresholds.toml``
or ``suggestions.toml``) with its own `version`; it is validated by the same loader (nothing
changes when it is refused). Suggestions made afterwards record the new version. `--default`
goes back to the shipped file.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from prolotrack.cli.main import fail, guarded, setup_django

T = TypeVar("T")

thresholds_app = typer.Typer(
    help="Response thresholds (MCID, PASS, OMERACT-OARSI) per clinic.", no_args_is_help=True
)


@thresholds_app.command("set")
def thresholds_set(
    clinic: Annotated[str, typer.Argument(help="Short name (slug) of the clinic.")],
    file: Annotated[
        Path | None,
        typer.Argument(help="Thresholds in TOML, like knowledge/thresholds.toml."),
    ] = None,
    default: Annotated[
        bool, typer.Option("--default", help="Go back to the shipped thresholds.")
    ] = False,
) -> None:
    """Give a clinic its own response thresholds (or --default for the shipped ones)."""
    definition = _read_toml(file, default, "thresholds")
    setup_django()
    from prolotrack.assessment.services import clinic_thresholds_set

    target = _clinic(clinic)
    chosen = _knowledge(lambda: clinic_thresholds_set(clinic_id=target, definition=definition))
    typer.echo(f"Clinic {clinic} now uses thresholds {chosen.version}.")


def _read_toml(file: Path | None, default: bool, what: str) -> dict[str, Any] | None:
    if (file is None) == (not default):
        fail(f"give a {what} FILE or --default, not both")
    if file is None:
        return None
    try:
        return tomllib.loads(file.read_text(encoding="utf-8"))
    except OSError as error:
        fail(f"cannot read {file}: {error.strerror}")
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        fail(f"{file} is not valid TOML: {error}")


def _clinic(slug: str) -> int:
    from prolotrack.clinics.models import Clinic

    target = Clinic.objects.filter(slug=slug).first()
    if target is None:
        fail(f"no clinic with the short name {slug!r}")
    return target.id


def _knowledge(call: Callable[[], T]) -> T:
    from prolotrack.knowledge.catalogue import KnowledgeError

    try:
        return guarded(call)
    except KnowledgeError as error:
        fail(" ".join(str(error).split()))


suggestions_app = typer.Typer(help="Next-step suggestion rules per clinic.", no_args_is_help=True)


@suggestions_app.command("set")
def suggestions_set(
    clinic: Annotated[str, typer.Argument(help="Short name (slug) of the clinic.")],
    file: Annotated[
        Path | None,
        typer.Argument(help="Rules in TOML, like knowledge/suggestions.toml."),
    ] = None,
    default: Annotated[
        bool, typer.Option("--default", help="Go back to the shipped rules.")
    ] = False,
) -> None:
    """Give a clinic its own next-step suggestion rules (or --default for the shipped ones)."""
    definition = _read_toml(file, default, "rules")
    setup_django()
    from prolotrack.assessment.services import clinic_rules_set

    target = _clinic(clinic)
    chosen = _knowledge(lambda: clinic_rules_set(clinic_id=target, definition=definition))
    typer.echo(f"Clinic {clinic} now uses suggestion rules {chosen.version}.")


@suggestions_app.command("refresh")
def suggestions_refresh(
    clinic: Annotated[
        str | None, typer.Option(help="Only this clinic (slug); every clinic by default.")
    ] = None,
) -> None:
    """Store what the current rules propose for every course (after an upgrade changes the
    shipped rules or thresholds); what is already stored is kept."""
    setup_django()
    from django.db import transaction
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from prolotrack.assessment.refresh import suggestions_refresh_many

    target = _clinic(clinic) if clinic is not None else None
    with Progress(
        TextColumn("[bold]Refreshing suggestions"),
        BarColumn(),
        MofNCompleteColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("patients", total=None)

        def step(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        with transaction.atomic():
            count = guarded(lambda: suggestions_refresh_many(clinic_id=target, progress=step))
    typer.echo(f"Suggestions refreshed for {count} patients.")


def register(app: typer.Typer) -> None:
    app.add_typer(thresholds_app, name="thresholds")
    app.add_typer(suggestions_app, name="suggestions")
