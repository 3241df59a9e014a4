"""With the real worker running: an invitation when a questionnaire falls due, a reminder after
three days, and no reminder once the questionnaire is completed (issue 3 acceptance)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable

import pytest
from django.db import connection
from django.utils import timezone

from prolotrack.outcomes import services
from prolotrack.outcomes.models import AccessLink, Administration
from prolotrack.treatment.services import course_plan
from tests.conftest import actor
from tests.outcomes.smtp import smtp_server

pytestmark = pytest.mark.django_db(transaction=True)
SWEEP_SECONDS = 5


def database_url() -> str:
    config = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{config['NAME']}"
    user = config["USER"] or "postgres"
    host = config["HOST"] or "127.0.0.1"
    return f"postgres://{user}@{host}:{config['PORT'] or 5432}/{config['NAME']}"


def wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.5)
    return condition()


def sweeps_finished() -> int:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path__endswith="sweep", status="SUCCESSFUL").count()


def test_reminders_stop_after_completion(patient_a, clinician_a, tmp_path):
    first = timezone.localdate() + dt.timedelta(days=3)
    times = [dt.datetime.combine(first, dt.time(10), tzinfo=dt.UTC)]
    course_plan(
        actor=actor(clinician_a),
        patient=patient_a,
        side="right",
        protocol_reference="Rabago 2013",
        start_date=first,
        session_times=times,
    )
    with smtp_server() as mailbox:
        env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
        env.update(
            DJANGO_SETTINGS_MODULE="prolotrack.settings.development",
            DATABASE_URL=database_url(),
            PROLOTRACK_DATA_DIR=str(tmp_path),
            PROLOTRACK_EMAIL_HOST="127.0.0.1",
            PROLOTRACK_EMAIL_PORT=str(mailbox.port),
            PROLOTRACK_BASE_URL="http://clinic.test",
        )
        worker = subprocess.Popen(
            [sys.executable, "-m", "prolotrack.cli", "worker", "--interval", str(SWEEP_SECONDS)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            assert wait_for(lambda: len(mailbox.messages) == 1, 60), "no invitation arrived"
            invitation = mailbox.messages[0]
            assert invitation["To"] == patient_a.email
            assert "http://clinic.test/q/" in mailbox.bodies()[0]
            assert patient_a.family_name not in mailbox.bodies()[0]
            link = AccessLink.objects.get()
            assert link.invited_at is not None

            # Three days pass without an answer: the first reminder goes out.
            AccessLink.objects.filter(id=link.id).update(
                invited_at=timezone.now() - dt.timedelta(days=3, minutes=1)
            )
            assert wait_for(lambda: len(mailbox.messages) == 2, 60), "no reminder arrived"
            assert "Reminder" in mailbox.messages[1]["Subject"]

            # The patient answers; a week after the invitation no second reminder follows.
            for administration in Administration.objects.filter(links=link):
                services.administration_complete(
                    actor=None,
                    administration=administration,
                    answers={item: 1 for item in _items(administration.instrument_code)},
                    channel="home",
                )
            AccessLink.objects.filter(id=link.id).update(
                invited_at=timezone.now() - dt.timedelta(days=7, minutes=1)
            )
            finished = sweeps_finished()
            assert wait_for(lambda: sweeps_finished() >= finished + 2, 60), "worker stopped"
            assert len(mailbox.messages) == 2
        finally:
            worker.send_signal(signal.SIGTERM)
            output, _ = worker.communicate(timeout=30)
        assert worker.returncode == 0, output


def _items(code: str) -> list[str]:
    from prolotrack.knowledge.instruments import instrument_definitions

    return [item.id for item in instrument_definitions()[code].items]
