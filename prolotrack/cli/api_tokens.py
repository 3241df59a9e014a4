"""`prolotrack api-token create | revoke | list`: bearer tokens for the JSON and FHIR APIs.

The token is printed once, on standard output, and never stored; creating and revoking are
audited (channel "cli").
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from prolotrack.cli.main import fail, guarded, setup_django

api_token_app = typer.Typer(help="API tokens for /api/v1/ and /fhir/r4/.", no_args_is_help=True)


@api_token_app.command("create")
def create(
    user: Annotated[str, typer.Option(help="Username of the token's owner.")],
    clinic: Annotated[str, typer.Option(help="Short name (slug) of the clinic it is bound to.")],
    scope: Annotated[
        list[str],
        typer.Option(help="A scope, e.g. user/Patient.read (repeat for more); see docs/api.md."),
    ],
    days: Annotated[int, typer.Option(help="Days until it expires (1-365).")] = 30,
    name: Annotated[str, typer.Option(help="What it is for (shown in lists).")] = "",
) -> None:
    """Create a token; it is shown once."""
    setup_django()
    from prolotrack.api.tokens import api_token_create
    from prolotrack.clinics.models import Clinic, User

    owner = User.objects.filter(username=user).first()
    if owner is None:
        fail(f"no user {user!r}")
    target = Clinic.objects.filter(slug=clinic).first()
    if target is None:
        fail(f"no clinic with the short name {clinic!r}")
    token, raw = guarded(
        lambda: api_token_create(
            actor=None, user=owner, clinic=target, scopes=scope, days=days, name=name
        )
    )
    typer.echo(raw)
    typer.echo(
        f"Token {token.prefix} for {owner.username} in {target.slug}, scopes "
        f"{' '.join(token.scopes)}, expires {token.expires_at:%Y-%m-%d %H:%M} UTC. "
        "It is shown only now: store it safely.",
        err=True,
    )


@api_token_app.command("revoke")
def revoke(prefix: Annotated[str, typer.Argument(help="The token's prefix (ptk_...).")]) -> None:
    """Revoke a token at once."""
    setup_django()
    from prolotrack.api.tokens import api_token_revoke

    token = guarded(lambda: api_token_revoke(actor=None, prefix=prefix))
    typer.echo(f"Revoked token {token.prefix}.")


@api_token_app.command("list")
def list_tokens(
    clinic: Annotated[str | None, typer.Option(help="Only this clinic (slug).")] = None,
) -> None:
    """Tokens with their owner, clinic, scopes and state (never the token itself)."""
    setup_django()
    from django.utils import timezone

    from prolotrack.api.models import ApiToken

    tokens = ApiToken.objects.select_related("user", "clinic").order_by("-created_at")
    if clinic is not None:
        tokens = tokens.filter(clinic__slug=clinic)
    table = Table(title="API tokens")
    for column in ("prefix", "user", "clinic", "scopes", "expires (UTC)", "state", "last used"):
        table.add_column(column, no_wrap=column == "prefix")
    now = timezone.now()
    for token in tokens:
        state = (
            "revoked" if token.revoked_at else "expired" if token.expires_at <= now else "active"
        )
        table.add_row(
            token.prefix,
            token.user.username,
            token.clinic.slug,
            " ".join(token.scopes),
            f"{token.expires_at:%Y-%m-%d %H:%M}",
            state,
            f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "",
        )
    Console().print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(api_token_app, name="api-token")
