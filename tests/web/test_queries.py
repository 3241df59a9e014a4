"""Hot pages run a fixed number of queries, however much they show (no N+1)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from prolotrack.knowledge.instruments import instrument_definitions
from prolotrack.outcomes.links import link_issue
from prolotrack.outcomes.models import Administration
from prolotrack.outcomes.services import administration_complete
from prolotrack.patients.services import weight_record
from prolotrack.treatment.models import SessionStatus
from prolotrack.treatment.services import (
    course_plan,
    injection_add,
    session_schedule,
    session_update,
)
from tests.conftest import actor
from tests.safety.conftest import screen_clean
from tests.web.conftest import logged_in, plan_course_due_now

# Measured when written: chart 17 (session, user, patient, 2 x memberships, courses, sessions,
# injections, audit insert, history, weight, conditions, header; questionnaires: open
# administrations, their links, scores, done sessions), list 7. Two spare each; the
# equal-count comparisons below are what show there is no N+1. +1: the clinic's weight age limit.
# +2: the side effects section (the patient's adverse events and the audit insert of that read).
# +5: the follow-up section (medication, examinations, surgeries, the last completed
# questionnaire per knee, and the audit insert of that read).
# +14: the response section (membership, clinic thresholds and rules, courses, their sessions,
# scores, serious adverse events, stored suggestions, audit insert of the read) and, on a view that
# stores new next-step suggestions, their insert and its audit in a savepoint (4) and marking
# older ones superseded (1). `count_queries` measures a second view (nothing new to store).
# Hash chain: +2 per audit event the chart writes (read the chain head and move it); on
# PostgreSQL +1 more per event for the chain lock.
AUDIT_EVENTS_PER_CHART = 4  # patient.view, side effects, follow-up and response reads
CHART_MAX_QUERIES = 22 + 5 + 14 + 3 * AUDIT_EVENTS_PER_CHART
LIST_MAX_QUERIES = 9


def add_documented_courses(patient, clinician, count: int) -> None:
    """`count` courses of 3 done sessions with 2 injections each."""
    start = timezone.localdate() - dt.timedelta(days=120)
    for number in range(count):
        first = dt.datetime.combine(start, dt.time(8 + number), tzinfo=dt.UTC)
        times = [first + dt.timedelta(weeks=4 * w) for w in range(3)]
        course = course_plan(
            actor=actor(clinician),
            patient=patient,
            side=("right", "left")[number % 2],
            protocol_reference=f"Protocol {number}",
            start_date=start,
            session_times=times,
        )
        weight_record(
            actor=actor(clinician), patient=patient, weight_kg=Decimal("70.0"), measured_on=start
        )
        for session in course.sessions.all():
            # The product's order: inject, screen, then mark the session done.
            for site, approach in (
                ("intra_articular", "intra_articular"),
                ("mcl_femoral", "extra_articular"),
            ):
                injection_add(
                    actor=actor(clinician),
                    session=session,
                    site_code=site,
                    approach=approach,
                    guidance="palpation",
                    needle_gauge=27,
                    volume_ml=Decimal("1.0"),
                    dextrose_pct=Decimal("15"),
                    lidocaine_pct=Decimal("0.2"),
                )
            screen_clean(session, clinician)
            session.refresh_from_db()
            session_update(
                actor=actor(clinician),
                session=session,
                expected_version=session.version,
                status=SessionStatus.DONE,
                performed_at=session.scheduled_at,
                clinician=clinician,
            )


def count_queries(client, url: str) -> int:
    client.get(url)  # the first view after a change stores new suggestions (assessment, lazy)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_chart_queries_do_not_grow_with_courses(
    clinician_a, patient_a, django_assert_max_num_queries
):
    client = logged_in(clinician_a)
    url = reverse("patient_chart", kwargs={"patient_id": patient_a.public_id})
    add_documented_courses(patient_a, clinician_a, 1)
    with_one = count_queries(client, url)
    add_documented_courses(patient_a, clinician_a, 2)  # now 3 x 3 sessions x 2 injections
    with django_assert_max_num_queries(CHART_MAX_QUERIES):
        response = client.get(url)
    assert response.content.decode().count("MCL, femoral insertion") == 9
    assert count_queries(client, url) == with_one


def test_course_page_queries_do_not_grow_with_sessions(clinician_a, patient_a):
    add_documented_courses(patient_a, clinician_a, 1)
    course = patient_a.courses.get()
    client = logged_in(clinician_a)
    url = reverse("course_detail", kwargs={"course_id": course.public_id})
    few = count_queries(client, url)
    for week in (20, 24, 28):
        session_schedule(
            actor=actor(clinician_a),
            course=course,
            scheduled_at=dt.datetime.combine(course.start_date, dt.time(9), tzinfo=dt.UTC)
            + dt.timedelta(weeks=week),
        )
    assert count_queries(client, url) == few


@pytest.mark.parametrize("patients", [3, 40])
def test_patient_list_queries_are_bounded(
    clinic_a, clinician_a, make_patient, django_assert_max_num_queries, patients
):
    for _ in range(patients):
        make_patient(clinic_a, clinician_a)
    client = logged_in(clinician_a)
    client.post(reverse("patient_list"), {"query": "Family"})
    with django_assert_max_num_queries(LIST_MAX_QUERIES):
        response = client.get(reverse("patient_list"))
    assert len(response.context["page_obj"].object_list) == min(patients, 25)


def test_dashboard_queries_do_not_grow_with_todays_sessions(clinician_a, patient_a):
    client = logged_in(clinician_a)
    now = timezone.now().replace(hour=0, minute=0) + dt.timedelta(hours=1)
    course = course_plan(
        actor=actor(clinician_a),
        patient=patient_a,
        side="right",
        protocol_reference="Rabago 2013",
        start_date=now.date(),
        session_times=[now],
    )
    one = count_queries(client, reverse("dashboard"))
    course_plan(
        actor=actor(clinician_a),
        patient=patient_a,
        side="left",
        protocol_reference="Rabago 2013",
        start_date=now.date(),
        session_times=[now + dt.timedelta(hours=1), now + dt.timedelta(hours=2)],
    )
    response = client.get(reverse("dashboard"))
    assert response.content.decode().count(patient_a.family_name) >= 3
    assert count_queries(client, reverse("dashboard")) == one
    assert course.pk


def complete_baseline(course, clinician) -> None:
    for administration in Administration.objects.filter(course=course, status="due"):
        first_item = instrument_definitions()[administration.instrument_code].items[0].id
        administration_complete(
            actor=actor(clinician),
            administration=administration,
            answers={first_item: 1},
            channel="clinic",
        )


def test_chart_queries_with_questionnaires_do_not_grow(
    clinician_a, patient_a, django_assert_max_num_queries
):
    """Due questionnaires with links, upcoming ones and score panels: a fixed number of queries."""
    client = logged_in(clinician_a)
    url = reverse("patient_chart", kwargs={"patient_id": patient_a.public_id})
    complete_baseline(plan_course_due_now(patient_a, clinician_a, side="right"), clinician_a)
    with_two_panels = count_queries(client, url)
    left = plan_course_due_now(patient_a, clinician_a, side="left")
    due = list(Administration.objects.filter(course=left, status="due"))
    link_issue(actor=actor(clinician_a), administrations=due)
    link_issue(actor=actor(clinician_a), administrations=due[:1])
    plan_course_due_now(patient_a, clinician_a, side="right")  # more due and upcoming
    with django_assert_max_num_queries(CHART_MAX_QUERIES):
        response = client.get(url)
    assert response.content.decode().count('class="score-panel"') == 2
    assert count_queries(client, url) == with_two_panels
    complete_baseline(left, clinician_a)
    response = client.get(url)
    assert response.content.decode().count('class="score-panel"') == 4
    assert count_queries(client, url) == with_two_panels
