"""`prolotrack emergency allow | revoke | list`, run as the operator would, on a real database."""

from __future__ import annotations

import sqlite3
import uuid

SETUP = """
from prolotrack.clinics.models import Clinic, Membership, User
clinic = Clinic.objects.create(name="Clinic B", slug="clinic-b")
for name, role in [("dr-b", "clinician"), ("desk-b", "front_desk"), ("boss-b", "clinic_admin")]:
    user = User.objects.create_user(username=name, password="x")
    Membership.objects.create(user=user, clinic=clinic, role=role)
"""


def rows(database, query):
    with sqlite3.connect(database) as connection:
        return connection.execute(query).fetchall()


def test_allow_list_revoke_each_audited(run_cli, tmp_path):
    database = tmp_path / "data" / "prolotrack.sqlite3"
    assert run_cli("migrate", "--quiet").returncode == 0
    assert run_cli("manage", "shell", "-c", SETUP).returncode == 0

    allowed = run_cli("emergency", "allow", "dr-b", "--by", "boss-b")
    assert allowed.returncode == 0, allowed.stderr
    assert "dr-b may now activate emergency access" in allowed.stdout
    listed = run_cli("emergency", "list")
    assert "dr-b" in listed.stdout
    assert "boss-b" in listed.stdout

    again = run_cli("emergency", "allow", "dr-b", "--by", "boss-b")
    assert again.returncode == 2
    assert "already holds" in again.stderr
    front_desk = run_cli("emergency", "allow", "desk-b", "--by", "boss-b")
    assert front_desk.returncode == 2
    assert "clinicians and nurses" in front_desk.stderr
    not_an_admin = run_cli("emergency", "allow", "desk-b", "--by", "dr-b")
    assert not_an_admin.returncode == 2
    assert "neither a superuser nor a clinic administrator" in not_an_admin.stderr
    assert run_cli("emergency", "allow", "nobody", "--by", "boss-b").returncode == 2

    revoked = run_cli("emergency", "revoke", "dr-b", "--by", "boss-b")
    assert revoked.returncode == 0, revoked.stderr
    assert run_cli("emergency", "revoke", "dr-b", "--by", "boss-b").returncode == 2
    assert "dr-b" not in run_cli("emergency", "list").stdout

    ((doctor,),) = rows(database, "select public_id from clinics_user where username = 'dr-b'")
    events = rows(
        database,
        "select action, username, channel, object_id from audit_auditevent "
        "where action like 'emergency.%' order by sequence",
    )
    assert [(action, by, channel) for action, by, channel, _ in events] == [
        ("emergency.right_allow", "boss-b", "cli"),
        ("emergency.right_revoke", "boss-b", "cli"),
    ]
    assert {uuid.UUID(object_id) for *_, object_id in events} == {uuid.UUID(doctor)}
    assert rows(
        database,
        "select revoked_at is not null from emergency_emergencyaccessright",
    ) == [(1,)]
