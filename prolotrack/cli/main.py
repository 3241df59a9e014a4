"""The `prolotrack` command: thin wrappers over services and Django's management commands."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Annotated, NoReturn, TypeVar

import typer

from prolotrack import __version__

app = typer.Typer(
    name="prolotrack",
    help="prolotrack: records and outcomes for dextrose prolotherapy of the knee.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

ResultT = TypeVar("ResultT")


def fail(message: str) -> NoReturn:
    """One clear line on stderr, exit code 2 (the CLI's translation of every error)."""
    typer.echo(f"prolotrack: error: {message}", err=True)
    raise typer.Exit(code=2)


def setup_django() -> None:
    """Configure Django from the environment (PROLOTRACK_ENV picks the settings module)."""
    import django
    from django.core.exceptions import ImproperlyConfigured

    from prolotrack.settings import settings_module

    try:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module())
        django.setup()
    except (ImproperlyConfigured, ValueError) as error:
        fail(str(error))


def guarded(action: Callable[[], ResultT]) -> ResultT:
    """Run `action`, turning expected errors into one line and exit code 2."""
    from django.core.exceptions import ValidationError
    from django.db import DatabaseError

    from prolotrack.core.errors import ApplicationError

    try:
        return action()
    except ApplicationError as error:
        fail(error.message)
    except ValidationError as error:
        fail("; ".join(error.messages))
    except DatabaseError as error:
        fail(f"database: {str(error).splitlines()[0] if str(error) else type(error).__name__}")


def version_callback(value: bool) -> None:
    if value:
        typer.echo(__version__)
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=version_callback, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    """Manage and serve a prolotrack installation."""


def register() -> None:
    from prolotrack.cli import audit, backup, commands, outcomes, respond, score, serve, solution

    commands.register(app)
    serve.register(app)
    score.register(app)
    solution.register(app)
    outcomes.register(app)
    respond.register(app)
    backup.register(app)
    from prolotrack.cli import thresholds

    thresholds.register(app)
    audit.register(app)
    from prolotrack.cli import api_tokens, emergency, users

    api_tokens.register(app)
    emergency.register(app)
    users.register(app)


def run() -> None:
    register()
    app(prog_name="prolotrack")


if __name__ == "__main__":  # pragma: no cover
    run()
