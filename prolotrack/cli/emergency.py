"""`prolotrack emergency allow | revoke | list`: who may break the glass, set up in advance."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from prolotrack.cli.main import fail, guarded, setup_django

if TYPE_CHECKING:
    from prolotrack.clinics.models import User
    from prolotrack.core.actor import Actor

emergency_app = typer.Typer(help="Break-glass emergency access rights.", no_args_is_help=True)
By = Annotated[
    str,
    typer.Option(
        "--by",
        help="Username of the superuser or clinic administrator authorising the change.",
    ),
]


def _actor(by: str) -> Actor:
    from prolotrack.clinics.models import Membership, Role, User
    from prolotrack.core.actor import Actor

    authoriser = User.objects.filter(username=by, is_active=True).first()
    if authoriser is None:
        fail(f"no active user {by!r}")
    is_admin = Membership.objects.filter(
        user=authoriser, role=Role.CLINIC_ADMIN, is_active=True
    ).exists()
    if not (authoriser.is_superuser or is_admin):
        fail(f"{by} is neither a superuser nor a clinic administrator")
    return Actor(user=authoriser, channel="cli")


def _user(username: str) -> User:
    from prolotrack.clinics.models import User

    user = User.objects.filter(username=username).first()
    if user is None:
        fail(f"no user {username!r}")
    return user


@emergency_app.command("allow")
def allow(username: Annotated[str, typer.Argument(help="Who gets the right.")], by: By) -> None:
    """Let USERNAME activate emergency access (audited as a privilege change)."""
    setup_django()
    from prolotrack.emergency.services import emergency_right_allow

    actor, user = _actor(by), _user(username)
    guarded(lambda: emergency_right_allow(actor=actor, user=user))
    typer.echo(f"{username} may now activate emergency access.")


@emergency_app.command("revoke")
def revoke(username: Annotated[str, typer.Argument(help="Whose right ends.")], by: By) -> None:
    """Take the right away; USERNAME's running emergency accesses stop at once (audited)."""
    setup_django()
    from prolotrack.emergency.services import emergency_right_revoke

    actor, user = _actor(by), _user(username)
    guarded(lambda: emergency_right_revoke(actor=actor, user=user))
    typer.echo(f"{username} may no longer activate emergency access.")


@emergency_app.command("list")
def list_rights() -> None:
    """Everyone who holds the right now, and who granted it when."""
    setup_django()
    from prolotrack.emergency.models import EmergencyAccessRight

    table = Table(title="Emergency access rights")
    for column in ("user", "granted at (UTC)", "granted by"):
        table.add_column(column)
    rights = EmergencyAccessRight.objects.filter(revoked_at__isnull=True).select_related(
        "user", "granted_by"
    )
    for right in rights.order_by("user__username"):
        by = right.granted_by.get_username() if right.granted_by else ""
        table.add_row(right.user.get_username(), f"{right.granted_at:%Y-%m-%d %H:%M}", by)
    Console().print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(emergency_app, name="emergency")
