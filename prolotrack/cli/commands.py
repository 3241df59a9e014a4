"""`prolotrack migrate | demo | createuser | manage`."""

from __future__ import annotations

import getpass
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from prolotrack.cli.main import fail, guarded, setup_django

console = Console(stderr=True)


def migrate(
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing on success.")] = False,
) -> None:
    """Create or upgrade the database schema."""
    setup_django()
    from django.core.management import call_command

    guarded(lambda: call_command("migrate", interactive=False, verbosity=0 if quiet else 1))


def demo(
    patients: Annotated[
        int, typer.Option(min=1, max=100_000, help="Patients in demo clinic A.")
    ] = 200,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic cohort.")] = 42,
) -> None:
    """Load the synthetic demo clinic (two clinics, demo accounts, a seeded cohort)."""
    setup_django()
    from django.core.management import call_command

    from prolotrack.demo.services import clinic_b_size, demo_load, demo_loaded

    guarded(lambda: call_command("migrate", interactive=False, verbosity=0))
    if demo_loaded():
        fail("The demo clinic is already loaded in this database.")
    total = patients + clinic_b_size(patients)
    with Progress(
        TextColumn("[bold]Loading demo clinic"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("patients", total=total)
        summary = guarded(
            lambda: demo_load(patients=patients, seed=seed, progress=lambda n: bar.advance(task, n))
        )
    typer.echo(
        f"Loaded {summary.patients} patients, {summary.courses} courses, "
        f"{summary.sessions} sessions and {summary.injections} injections (seed {seed})."
    )
    print_demo_logins()


def print_demo_logins() -> None:
    from prolotrack.demo.services import DEMO_ACCOUNTS, demo_password

    table = Table(title="Demo logins (demo mode only)")
    table.add_column("username")
    table.add_column("clinic")
    table.add_column("role")
    for account in DEMO_ACCOUNTS:
        table.add_row(account.username, account.clinic_slug, account.role)
    Console().print(table)
    typer.echo(f"Password for every demo account: {demo_password()}")


def createuser(
    username: Annotated[str, typer.Argument(help="The login name.")],
    clinic: Annotated[
        str | None, typer.Option(help="Short name (slug) of the clinic to join.")
    ] = None,
    role: Annotated[
        str | None,
        typer.Option(help="clinician, nurse, front_desk, clinic_admin or researcher."),
    ] = None,
    email: Annotated[str, typer.Option(help="E-mail address.")] = "",
    superuser: Annotated[
        bool, typer.Option("--superuser", help="May use the Django admin site.")
    ] = False,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Create a staff account, optionally with a role in a clinic."""
    if (clinic is None) != (role is None):
        fail("give --clinic and --role together")
    setup_django()
    from prolotrack.clinics.models import Clinic
    from prolotrack.clinics.services import user_create

    target = None
    if clinic is not None:
        target = Clinic.objects.filter(slug=clinic).first()
        if target is None:
            fail(f"no clinic with the short name {clinic!r}")
    password = _read_password(password_stdin)
    user = guarded(
        lambda: user_create(
            actor=None,
            username=username,
            password=password,
            clinic=target,
            role=role,
            email=email,
            is_superuser=superuser,
        )
    )
    typer.echo(f"Created user {user.username}.")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Password (again): ") != password:
            fail("the passwords do not match")
    if not password:
        fail("the password is empty")
    return password


def manage(ctx: typer.Context) -> None:
    """Run a Django management command: prolotrack manage COMMAND [ARGS]..."""
    setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["prolotrack manage", *ctx.args])


def permissions() -> None:
    """Print the permission matrices (pages, then API routes) and the command table as
    Markdown, as docs/security.md shows them."""
    setup_django()
    from prolotrack.api.permissions import markdown as api_markdown
    from prolotrack.cli.permissions import markdown as command_table
    from prolotrack.web.permissions import markdown

    typer.echo(markdown())
    typer.echo(api_markdown())
    typer.echo(command_table(), nl=False)


def register(app: typer.Typer) -> None:
    app.command()(permissions)
    app.command()(migrate)
    app.command()(demo)
    app.command()(createuser)
    app.command(
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
        add_help_option=False,
    )(manage)
