"""`prolotrack thresholds set CLINIC FILE`: a clinic's own response thresholds.

The file has exactly the structure of ``prolotrack/knowledge/thresholds.toml`` with its own
`version`; it is validated by the same loader (nothing changes when it is refused). Suggestions
made afterwards record the new version. `--default` goes back to the shipped thresholds.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated

import typer

from prolotrack.cli.main import fail, guarded, setup_django

thresholds_app = typer.Typer(help="Response thresholds (MCID, PASS, OMERACT-OARSI) per clinic.")


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
    if (file is None) == (not default):
        fail("give a thresholds FILE or --default, not both")
    definition = None
    if file is not None:
        try:
            definition = tomllib.loads(file.read_text(encoding="utf-8"))
        except OSError as error:
            fail(f"cannot read {file}: {error.strerror}")
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            fail(f"{file} is not valid TOML: {error}")
    setup_django()
    from prolotrack.assessment.services import clinic_thresholds_set
    from prolotrack.clinics.models import Clinic
    from prolotrack.knowledge.catalogue import KnowledgeError

    target = Clinic.objects.filter(slug=clinic).first()
    if target is None:
        fail(f"no clinic with the short name {clinic!r}")
    try:
        chosen = guarded(lambda: clinic_thresholds_set(clinic_id=target.id, definition=definition))
    except KnowledgeError as error:
        fail(" ".join(str(error).split()))
    typer.echo(f"Clinic {clinic} now uses thresholds {chosen.version}.")


def register(app: typer.Typer) -> None:
    app.add_typer(thresholds_app, name="thresholds")
