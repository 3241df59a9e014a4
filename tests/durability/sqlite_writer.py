"""One writer process for the SQLite concurrency test (run as `python -m tests.durability...`).

`setup`: create a clinic, a clinician and one patient; print the patient's public id.
`write PUBLIC_ID WORKER COUNT START_FILE`: print "ready", wait for START_FILE, then make COUNT
read-modify-write updates of that patient through `patient_update` (each one bumps the version);
print a JSON summary and exit 1 if any update failed.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    from prolotrack.cli.main import setup_django

    setup_django()
    from prolotrack.clinics.models import Clinic, Membership, Role, User
    from prolotrack.core.actor import Actor
    from prolotrack.patients.models import Patient
    from prolotrack.patients.services import patient_create, patient_update

    if argv[0] == "setup":
        clinic = Clinic.objects.create(name="Concurrency", slug="concurrency")
        user = User.objects.create_user(username="writer", password="x" * 20)
        Membership.objects.create(user=user, clinic=clinic, role=Role.CLINICIAN)
        patient = patient_create(
            actor=Actor(user=user, channel="test"),
            clinic=clinic,
            mrn="CONC-1",
            given_name="Given",
            family_name="Start",
            date_of_birth=dt.date(1960, 1, 1),
            sex="female",
            knees="right",
        )
        print(patient.public_id)
        return 0

    _, public_id, worker, count, start_file = argv
    user = User.objects.get(username="writer")
    actor = Actor(user=user, client_address="127.0.0.1", channel="test")
    print("ready", flush=True)
    while not Path(start_file).exists():
        time.sleep(0.005)
    done = 0
    errors: list[str] = []
    for index in range(int(count)):
        try:
            patient = Patient.objects.get(public_id=public_id)
            patient_update(
                actor=actor,
                patient=patient,
                expected_version=None,
                family_name=f"W{worker}-{index}",
            )
            done += 1
        except Exception as error:  # every failure is reported, none is hidden
            errors.append(f"{type(error).__name__}: {error}")
    print(json.dumps({"done": done, "errors": errors}), flush=True)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
