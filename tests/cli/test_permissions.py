"""Every `prolotrack` command has a row in the command table, and the docs carry it."""

from __future__ import annotations

from pathlib import Path

import typer
from typer.core import TyperGroup

from prolotrack.cli import permissions
from prolotrack.cli.main import app, register


def command_names() -> set[str]:
    register()
    root = typer.main.get_command(app)
    assert isinstance(root, TyperGroup)
    names: set[str] = set()

    def walk(group: TyperGroup, prefix: str) -> None:
        for name, command in group.commands.items():
            if isinstance(command, TyperGroup):
                walk(command, f"{prefix}{name} ")
            else:
                names.add(f"{prefix}{name}")

    walk(root, "")
    return names


def test_every_command_has_a_row_and_every_row_a_command():
    names = command_names()
    assert len(names) >= 19
    assert names - set(permissions.COMMANDS) == set(), "add a row to prolotrack/cli/permissions.py"
    assert set(permissions.COMMANDS) - names == set(), "a row names no command"


def test_only_the_calculators_run_without_the_operators_access():
    anyone = {name for name, rule in permissions.COMMANDS.items() if rule.who == "anyone"}
    assert anyone == {"permissions", "score", "solution", "respond"}
    assert all(permissions.COMMANDS[name].data == "none" for name in anyone)


def test_docs_security_carries_the_current_command_table():
    docs = Path(__file__).resolve().parents[2] / "docs" / "security.md"
    assert permissions.markdown() in docs.read_text(encoding="utf-8"), (
        "regenerate the tables in docs/security.md: prolotrack permissions"
    )
