"""Issue 4 acceptance: a serious adverse event produces an email, captured by a real local SMTP
server, and a dashboard entry the clinic admin sees until it is reviewed.

The notification goes through the real task queue: the test process runs with django-tasks'
database backend (as production does), so recording the event only queues the task; the real
`prolotrack worker` in a subprocess (as in tests/outcomes/test_worker.py) picks it up and talks
SMTP to aiosmtpd. Both ways of recording are covered: the web form and the service.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from django.urls import reverse

from prolotrack.safety.events import adverse_event_record
from prolotrack.safety.models import AdverseEvent
from tests.conftest import actor
from tests.outcomes.smtp import smtp_server
from tests.outcomes.test_worker import database_url, wait_for
from tests.web.conftest import logged_in

pytestmark = pytest.mark.django_db(transaction=True)
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
SUBJECT = "Serious adverse event to review"


def notify_tasks(status: str | None = None) -> int:
    from django_tasks_db.models import DBTaskResult

    found = DBTaskResult.objects.filter(task_path__endswith="serious_event_notify")
    return (found.filter(status=status) if status else found).count()


def start_worker(port: int, data_dir: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        DJANGO_SETTINGS_MODULE="prolotrack.settings.development",
        DATABASE_URL=database_url(),
        PROLOTRACK_DATA_DIR=data_dir,
        PROLOTRACK_EMAIL_HOST="127.0.0.1",
        PROLOTRACK_EMAIL_PORT=str(port),
        PROLOTRACK_BASE_URL="http://clinic.test",
    )
    return subprocess.Popen(
        [sys.executable, "-m", "prolotrack.cli", "worker", "--interval", "3600"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def detail(event: AdverseEvent) -> str:
    return reverse("adverse_event_detail", kwargs={"event_id": event.public_id})


def serious_infection(course, session) -> dict[str, object]:
    return {
        "course": str(course.public_id),
        "session": str(session.public_id),
        "term": "infection",
        "onset_after_hours": "48",
        "grade": "3",
        "criteria": ["hospitalisation"],
        "relatedness": "probable",
        "action_taken": "referred",
        "outcome": "recovering",
    }


def test_a_serious_event_is_emailed_by_the_worker_and_waits_on_the_dashboard(
    settings, course_a, clinician_a, admin_a, tmp_path
):
    settings.TASKS = DATABASE_TASKS
    admin_a.email = "admin-a@clinic-a.example"
    admin_a.save()
    course, session, _ = course_a
    patient = course.patient
    create_url = reverse("adverse_event_create", kwargs={"patient_id": patient.public_id})

    # Recorded through the web form: queued, not sent, until the worker runs.
    response = logged_in(clinician_a).post(create_url, serious_infection(course, session))
    assert response.status_code == 302
    from_form = AdverseEvent.objects.get()
    assert from_form.is_serious
    assert notify_tasks("READY") == 1
    assert from_form.notified_at is None

    with smtp_server() as mailbox:
        worker = start_worker(mailbox.port, str(tmp_path))
        try:
            assert wait_for(lambda: len(mailbox.messages) == 1, 60), "no email arrived"
            # Recorded through the service while the worker runs: a second email.
            from_service = adverse_event_record(
                actor=actor(clinician_a),
                patient=patient,
                course=course,
                session=session,
                term="allergic_reaction",
                grade=4,
                criteria=["life_threatening"],
                relatedness="possible",
                onset_after_hours=1,
            )
            assert wait_for(lambda: len(mailbox.messages) == 2, 60), "no second email"
            assert wait_for(lambda: notify_tasks("SUCCESSFUL") == 2, 30)
        finally:
            worker.send_signal(signal.SIGTERM)
            output, _ = worker.communicate(timeout=30)
        assert worker.returncode == 0, output

    assert [message["To"] for message in mailbox.messages] == [admin_a.email] * 2
    assert {message["Subject"] for message in mailbox.messages} == {SUBJECT}
    bodies = mailbox.bodies()
    assert "Infection or septic arthritis" in bodies[0]
    assert "Serious because: Hospitalisation" in bodies[0]
    assert str(from_form.public_id) in bodies[0]
    assert "Allergic reaction" in bodies[1]
    assert "Serious because: Life-threatening" in bodies[1]
    for body in bodies:
        for identifying in (patient.family_name, patient.given_name, patient.mrn):
            assert identifying not in body
    for event in (from_form, from_service):
        event.refresh_from_db()
        assert event.notified_at is not None

    # On the clinic admin's dashboard until reviewed, then gone.
    admin = logged_in(admin_a)
    dashboard = admin.get(reverse("dashboard")).content.decode()
    assert "Serious side effects to review" in dashboard
    assert "2 serious side effects not reviewed yet." in dashboard
    for event in (from_form, from_service):
        assert detail(event) in dashboard
    review = reverse("adverse_event_review", kwargs={"event_id": from_form.public_id})
    assert admin.post(review, {"review-version": from_form.version}).status_code == 302
    dashboard = admin.get(reverse("dashboard")).content.decode()
    assert "1 serious side effect not reviewed yet." in dashboard
    assert detail(from_form) not in dashboard
    assert detail(from_service) in dashboard
