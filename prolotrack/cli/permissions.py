"""Who may run each `prolotrack` command, and what it does with patient data.

The command runs on the server with the rights of whoever can start it there: the deployment's
operator (shell access to the host and its database), not a clinic role. So the table states,
per command, whether it needs that access at all (`anyone` for the calculators that open no
database), whether it reads or writes patient data, and which audit action it writes.
`tests/cli/test_permissions.py` walks the Typer app and fails when a command has no row (or a
row no command); `prolotrack permissions` prints this table after the route matrix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Who = Literal["operator", "anyone"]
Data = Literal["none", "reads", "writes"]


@dataclass(frozen=True)
class CommandRule:
    who: Who
    data: Data
    audit: str
    note: str


def _op(data: Data, audit: str, note: str) -> CommandRule:
    return CommandRule("operator", data, audit, note)


COMMANDS: dict[str, CommandRule] = {
    "permissions": CommandRule("anyone", "none", "—", "prints the permission tables"),
    "score": CommandRule("anyone", "none", "—", "scores answers given on the command line"),
    "solution": CommandRule("anyone", "none", "—", "syringe arithmetic from the arguments"),
    "respond": CommandRule("anyone", "none", "—", "OMERACT-OARSI on numbers given"),
    "migrate": _op("none", "—", "schema only"),
    "demo": _op("writes", "`demo.load`", "synthetic patients; refused in production"),
    "createuser": _op("none", "`user.create`, `membership.grant`", "staff accounts"),
    "manage": _op("writes", "what the Django command writes", "full database access"),
    "serve": _op("none", "per request", "starts the web server and the worker"),
    "worker": _op("writes", "per task", "questionnaire windows, links, reminders"),
    "backup": _op("reads", "`backup.create`", "copies every record into a file"),
    "restore": _op("writes", "verification output", "replaces an empty database"),
    "scores recompute": _op("writes", "`score.recompute`", "re-scores stored answers"),
    "instruments load-text": _op("none", "`instrument_text.load`", "licensed wording"),
    "schedules set": _op("none", "`schedule.set`", "a clinic's questionnaire schedule"),
    "thresholds set": _op("writes", "`thresholds.set`, `suggestion.create`", "clinic MCIDs"),
    "suggestions set": _op("writes", "`suggestion_rules.set`, `suggestion.create`", "rules"),
    "suggestions refresh": _op("writes", "`suggestion.create`", "after an upgrade"),
    "audit verify": _op("reads", "`audit.verify`", "checks the hash chain"),
    "emergency allow": _op("none", "`emergency.right_allow`", "break-glass right, `--by` an admin"),
    "emergency revoke": _op("none", "`emergency.right_revoke`", "ends running grants too"),
    "emergency list": _op("none", "—", "who holds the right"),
    "api-token create": _op("none", "`api_token.create`", "shown once; stored as SHA-256"),
    "api-token revoke": _op("none", "`api_token.revoke`", "by prefix"),
    "api-token list": _op("none", "—", "prefixes, scopes, expiry; never the token"),
    "users reset-2fa": _op(
        "none", "`auth.2fa_reset`", "removes a lost authenticator; ends sessions"
    ),
}


def markdown() -> str:
    """The command table as Markdown (docs/security.md embeds it after the route matrix)."""
    lines = [
        "| command | who | patient data | audit action | note |",
        "|---|---|---|---|---|",
    ]
    for name in sorted(COMMANDS):
        rule = COMMANDS[name]
        lines.append(
            f"| `prolotrack {name}` | {rule.who} | {rule.data} | {rule.audit} | {rule.note} |"
        )
    return "\n".join(lines) + "\n"
