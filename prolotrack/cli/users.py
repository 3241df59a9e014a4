"""`prolotrack users reset-2fa USERNAME`: the operator's answer to a lost phone."""

from __future__ import annotations

from typing import Annotated

import typer

from prolotrack.cli.main import fail, guarded, setup_django

users_app = typer.Typer(help="User accounts.", no_args_is_help=True)


@users_app.command("reset-2fa")
def reset_two_factor(
    username: Annotated[str, typer.Argument(help="The account whose phone was lost.")],
) -> None:
    """Remove the account's authenticator and recovery codes and end its sessions (audited).

    The user signs in with the password again and sets up two-factor anew (forced when it is
    required). Check the person's identity before running this.
    """
    setup_django()
    from prolotrack.clinics.models import User
    from prolotrack.signin.sessions import sessions_end
    from prolotrack.signin.two_factor import two_factor_reset

    user = User.objects.filter(username__iexact=username).first()
    if user is None:
        fail(f"no account named {username!r}")
    removed = guarded(lambda: two_factor_reset(user=user, channel="cli"))
    ended = sessions_end(user.pk)
    typer.echo(
        f"Two-factor reset for {user.get_username()}: {removed} device(s) removed, "
        f"{ended} session(s) ended."
    )


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
