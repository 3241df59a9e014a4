"""`prolotrack` subcommands: help everywhere, exit code 2 with one line on bad input."""

from __future__ import annotations

import sqlite3

import pytest

COMMANDS = ["serve", "demo", "migrate", "createuser"]


def one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


def test_top_level_help_lists_every_command(run_cli):
    result = run_cli("--help")
    assert result.returncode == 0
    for command in [*COMMANDS, "manage"]:
        assert command in result.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(run_cli, command):
    result = run_cli(command, "--help")
    assert result.returncode == 0, result.stderr
    assert f"Usage: prolotrack {command}" in " ".join(result.stdout.split())


def test_manage_passes_help_through_to_django(run_cli):
    result = run_cli("manage", "help", "migrate")
    assert result.returncode == 0, result.stderr
    assert "app_label" in result.stdout


def test_unknown_command_exits_2(run_cli):
    assert run_cli("frobnicate").returncode == 2


def test_version(run_cli):
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip()[0].isdigit()


def test_production_without_secret_key_refuses_to_start(run_cli):
    result = run_cli("migrate", PROLOTRACK_ENV="production", PROLOTRACK_SECRET_KEY="")
    assert result.returncode == 2
    assert "PROLOTRACK_SECRET_KEY" in one_error_line(result.stderr)


def test_unknown_environment_is_an_error(run_cli):
    result = run_cli("migrate", PROLOTRACK_ENV="staging")
    assert result.returncode == 2
    assert "PROLOTRACK_ENV" in one_error_line(result.stderr)


def test_demo_loads_then_refuses_a_second_load(run_cli, tmp_path):
    result = run_cli("demo", "--patients", "6", "--seed", "5")
    assert result.returncode == 0, result.stderr
    assert "Loaded 11 patients" in result.stdout  # 6 in clinic A, 5 in clinic B
    assert "demo-clinician" in result.stdout
    assert "prolotrack-demo-2026" in result.stdout
    database = tmp_path / "data" / "prolotrack.sqlite3"
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        count = connection.execute("SELECT count(*) FROM patients_patient").fetchone()[0]
    assert count == 11
    again = run_cli("demo", "--patients", "6")
    assert again.returncode == 2
    assert "already loaded" in one_error_line(again.stderr)


@pytest.mark.parametrize("patients", ["0", "-3", "200001", "many"])
def test_demo_rejects_bad_patient_counts(run_cli, patients):
    result = run_cli("demo", "--patients", patients)
    assert result.returncode == 2
    assert "--patients" in result.stderr


def test_createuser_flow(run_cli, tmp_path):
    assert run_cli("demo", "--patients", "1").returncode == 0
    clinic_only = run_cli("createuser", "dr-new", "--clinic", "demo-a")
    assert clinic_only.returncode == 2
    assert "--clinic and --role" in one_error_line(clinic_only.stderr)
    no_clinic = run_cli("createuser", "dr-new", "--clinic", "nowhere", "--role", "clinician")
    assert no_clinic.returncode == 2
    assert "nowhere" in one_error_line(no_clinic.stderr)
    bad_role = run_cli(
        "createuser",
        "dr-new",
        "--clinic",
        "demo-a",
        "--role",
        "surgeon",
        "--password-stdin",
        stdin="Granite-Harbour-Violet-77\n",
    )
    assert bad_role.returncode == 2
    assert "surgeon" in one_error_line(bad_role.stderr)
    weak = run_cli(
        "createuser",
        "dr-new",
        "--clinic",
        "demo-a",
        "--role",
        "clinician",
        "--password-stdin",
        stdin="password\n",
    )
    assert weak.returncode == 2
    assert "password" in one_error_line(weak.stderr).lower()
    created = run_cli(
        "createuser",
        "dr-new",
        "--clinic",
        "demo-a",
        "--role",
        "clinician",
        "--password-stdin",
        stdin="Granite-Harbour-Violet-77\n",
    )
    assert created.returncode == 0, created.stderr
    taken = run_cli("createuser", "DR-NEW", "--password-stdin", stdin="Granite-Harbour-Violet-77\n")
    assert taken.returncode == 2
    with sqlite3.connect(tmp_path / "data" / "prolotrack.sqlite3") as connection:
        role = connection.execute(
            "SELECT m.role FROM clinics_membership m JOIN clinics_user u ON u.id = m.user_id "
            "JOIN clinics_clinic c ON c.id = m.clinic_id "
            "WHERE u.username = 'dr-new' AND c.slug = 'demo-a'"
        ).fetchone()
    assert role == ("clinician",)


def test_production_settings_pass_the_deploy_checklist(run_cli):
    result = run_cli(
        "manage",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        PROLOTRACK_ENV="production",
        PROLOTRACK_SECRET_KEY="k" * 20 + "-a-long-random-production-key-for-the-check-" + "z" * 10,
        PROLOTRACK_ALLOWED_HOSTS="clinic.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
