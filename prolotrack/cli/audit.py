"""`prolotrack audit verify`: check the audit trail's hash chain and its database triggers."""

from __future__ import annotations

import re
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from prolotrack.cli.main import fail, guarded, setup_django

audit_app = typer.Typer(help="The audit trail.", no_args_is_help=True)
console = Console(stderr=True)
ANCHOR = re.compile(r"^(?P<sequence>[1-9][0-9]{0,18}):(?P<hash>[0-9a-f]{64})$")


def parse_anchors(values: list[str]) -> dict[int, str]:
    anchors: dict[int, str] = {}
    for value in values:
        match = ANCHOR.match(value.strip().lower())
        if match is None:
            fail(f"--anchor takes SEQUENCE:HASH (a number, a colon, 64 hex digits), not {value!r}")
        anchors[int(match["sequence"])] = match["hash"]
    return anchors


@audit_app.command("verify")
def verify(
    anchor: Annotated[
        list[str] | None,
        typer.Option(
            help="SEQUENCE:HASH printed by an earlier run and kept elsewhere; repeatable. "
            "Catches a rewrite of the whole chain together with its head."
        ),
    ] = None,
    batch_size: Annotated[
        int, typer.Option(min=100, max=100_000, help="Entries read per query.")
    ] = 2000,
    record: Annotated[
        bool,
        typer.Option(
            "--record/--no-record", help="Write the check itself to the audit trail (default)."
        ),
    ] = True,
) -> None:
    """Recompute the audit trail's hash chain; exit 1 and name the first broken entry if any."""
    anchors = parse_anchors(anchor or [])
    setup_django()
    from django.db import connection

    from prolotrack.audit.chain import chain_head, chain_verify
    from prolotrack.audit.models import Outcome
    from prolotrack.audit.services import audit_record
    from prolotrack.audit.triggers import missing_triggers

    head = guarded(chain_head)
    with Progress(
        TextColumn("[bold]Verifying audit chain"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as bar:
        task = bar.add_task("entries", total=head.sequence if head is not None else None)
        verification, head = guarded(
            lambda: chain_verify(
                anchors=anchors, batch_size=batch_size, progress=lambda n: bar.advance(task, n)
            )
        )
    missing = guarded(lambda: missing_triggers(connection))
    broken = verification.broken
    if record:
        guarded(
            lambda: audit_record(
                actor=None,
                action="audit.verify",
                outcome=Outcome.SUCCESS if broken is None and not missing else Outcome.FAILED,
                channel="cli",
                detail={
                    "checked": verification.checked,
                    "first_broken": None if broken is None else broken.sequence,
                    "problems": [] if broken is None else [str(p) for p in broken.problems],
                    "missing_triggers": missing,
                },
            )
        )
    if broken is not None:
        typer.echo(
            f"Audit chain BROKEN at entry {broken.sequence}: "
            f"{', '.join(str(problem) for problem in broken.problems)}."
        )
        typer.echo(f"  {broken.message}")
        typer.echo(f"  {verification.checked} entries before it verified.")
    else:
        typer.echo(
            f"Audit chain intact: {verification.checked} entries verified"
            + (f" (1 to {verification.last_sequence})." if verification.checked else ".")
        )
        if verification.checked:
            typer.echo(
                "  Keep this anchor somewhere else and pass it to later checks: "
                f"--anchor {verification.last_sequence}:{verification.last_hash}"
            )
    if missing:
        typer.echo(
            f"Append-only triggers missing: {', '.join(missing)}. Reinstall them with "
            "`prolotrack manage migrate audit 0005` then `prolotrack migrate`."
        )
    if broken is not None or missing:
        raise typer.Exit(code=1)


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
