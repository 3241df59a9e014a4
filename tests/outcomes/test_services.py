"""Questionnaire scheduling, answering, scoring and recomputation against the database."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from prolotrack.audit.models import AuditEvent
from prolotrack.core.errors import AccessDenied, ApplicationError, NotFound
from prolotrack.outcomes import services
from prolotrack.outcomes.models import Administration, Score
from prolotrack.treatment.services import course_plan, course_update
from tests.conftest import actor

KOOS_PAIN_ITEMS = [f"P{n}" for n in range(1, 10)]


def plan(patient, clinician, first_day: dt.date, weeks=(0, 4, 8)):
    times = [
        dt.datetime.combine(first_day + dt.timedelta(weeks=w), dt.time(10), tzinfo=dt.UTC)
        for w in weeks
    ]
    return course_plan(
        actor=actor(clinician),
        patient=patient,
        side="right",
        protocol_reference="Rabago 2013",
        start_date=first_day,
        session_times=times,
    )


def test_planning_a_course_schedules_the_default_questionnaires(patient_a, clinician_a):
    first = timezone.localdate() + dt.timedelta(days=30)
    course = plan(patient_a, clinician_a, first)
    rows = list(course.administrations.order_by("target_date", "time_point", "instrument_code"))
    points = {(row.time_point, row.instrument_code) for row in rows}
    assert ("baseline", "KOOS") in points
    assert ("pre_session_2", "KNEE_PAIN_NRS") in points
    assert ("pre_session_3", "PGIC") in points
    for key, days in [
        ("week_6", 42),
        ("month_3", 91),
        ("month_6", 183),
        ("month_12", 365),
        ("month_24", 730),
    ]:
        koos = course.administrations.get(time_point=key, instrument_code="KOOS")
        assert koos.target_date == first + dt.timedelta(days=days)
        assert koos.due_from <= koos.target_date <= koos.due_until
    baseline = course.administrations.get(time_point="baseline", instrument_code="KOOS")
    assert (baseline.due_from, baseline.due_until) == (first - dt.timedelta(days=14), first)
    assert {row.side for row in rows} == {"right"}
    assert {row.status for row in rows} == {"scheduled"}


def test_planning_is_idempotent_and_follows_moved_sessions(patient_a, clinician_a):
    first = timezone.localdate() + dt.timedelta(days=30)
    course = plan(patient_a, clinician_a, first)
    count = course.administrations.count()
    assert services.administrations_plan(actor=actor(clinician_a), course=course) == []
    assert course.administrations.count() == count


def test_windows_open_and_close(patient_a, clinician_a):
    first = timezone.localdate() + dt.timedelta(days=5)
    course = plan(patient_a, clinician_a, first)
    baseline = course.administrations.get(time_point="baseline", instrument_code="KOOS")
    assert baseline.status == "due"  # the 14-day window before the first session is open
    services.administrations_refresh(today=first + dt.timedelta(days=1))
    baseline.refresh_from_db()
    assert baseline.status == "missed"


def test_stopping_the_course_cancels_open_questionnaires(patient_a, clinician_a):
    course = plan(patient_a, clinician_a, timezone.localdate() + dt.timedelta(days=5))
    course_update(
        actor=actor(clinician_a),
        course=course,
        expected_version=course.version,
        status="stopped",
        stop_reason="Moved away",
    )
    statuses = set(course.administrations.values_list("status", flat=True))
    assert statuses == {"cancelled"}


@pytest.fixture
def due_koos(patient_a, clinician_a):
    course = plan(patient_a, clinician_a, timezone.localdate() + dt.timedelta(days=3))
    return course.administrations.get(time_point="baseline", instrument_code="KOOS")


def test_partial_answers_are_saved_and_merged(due_koos, clinician_a):
    services.answers_save(
        actor=actor(clinician_a),
        administration=due_koos,
        answers={"P1": 1, "P2": 2},
        channel="clinic",
    )
    services.answers_save(
        actor=actor(clinician_a),
        administration=due_koos,
        answers={"P2": None, "P3": 4},
        channel="clinic",
    )
    due_koos.refresh_from_db()
    assert due_koos.answers == {"P1": 1, "P3": 4}
    assert due_koos.status == "due"
    assert due_koos.started_at is not None


def test_bad_answers_are_refused_and_change_nothing(due_koos, clinician_a):
    for answers in ({"P1": 5}, {"X9": 1}, {"P1": True}, {"P1": 1.5}):
        with pytest.raises(ApplicationError):
            services.answers_save(
                actor=actor(clinician_a), administration=due_koos, answers=answers, channel="clinic"
            )
    due_koos.refresh_from_db()
    assert due_koos.answers == {}


def test_completion_scores_with_the_definition_version(due_koos, clinician_a):
    """KOOS pain with P1..P9 = 1,1,1,0,0,0,0,1,1: sum 5 over 9 items -> 100 - 5/9*25 = 86.11.

    Symptoms with 4 of 7 items answered (all 2) is scored: 100 - 2*25 = 50. ADL with 8 of 17
    answered is not (9 needed, clinical.md §5, 2012 rule).
    """
    answers = dict(zip(KOOS_PAIN_ITEMS, [1, 1, 1, 0, 0, 0, 0, 1, 1], strict=True))
    answers.update({"S1": 2, "S2": 2, "S3": 2, "S4": 2})
    answers.update({f"A{n}": 0 for n in range(1, 9)})
    done = services.administration_complete(
        actor=actor(clinician_a), administration=due_koos, answers=answers, channel="paper"
    )
    assert done.status == "completed"
    assert done.instrument_version.startswith("KOOS")
    scores = {s.scale: s for s in Score.objects.filter(administration=done)}
    assert scores["pain"].value == pytest.approx(100 - 5 / 9 * 25)
    assert scores["symptoms"].value == 50
    assert scores["adl"].value is None
    assert "9" in scores["adl"].invalid_reason
    assert {s.definition_version for s in scores.values()} == {done.instrument_version}
    with pytest.raises(ApplicationError):
        services.answers_save(
            actor=actor(clinician_a), administration=done, answers={"P1": 0}, channel="clinic"
        )
    assert AuditEvent.objects.filter(
        action="administration.complete", patient_id=done.patient_id
    ).exists()


def test_recompute_rescores_only_stale_versions(due_koos, clinician_a):
    done = services.administration_complete(
        actor=actor(clinician_a),
        administration=due_koos,
        answers={p: 2 for p in KOOS_PAIN_ITEMS},
        channel="clinic",
    )
    assert services.scores_recompute() == 0
    Administration.objects.filter(id=done.id).update(instrument_version="KOOS-old")
    Score.objects.filter(administration=done, scale="pain").update(value=1.0)
    assert services.scores_recompute(instrument_code="KOOS") == 1
    assert Score.objects.get(administration=done, scale="pain").value == 50
    with pytest.raises(ApplicationError):
        services.scores_recompute(instrument_code="NOPE")


def test_other_clinic_and_front_desk_cannot_answer(due_koos, clinician_b, front_desk_a):
    with pytest.raises(NotFound):
        services.answers_save(
            actor=actor(clinician_b), administration=due_koos, answers={"P1": 1}, channel="clinic"
        )
    with pytest.raises(AccessDenied):
        services.administration_complete(
            actor=actor(front_desk_a), administration=due_koos, answers={"P1": 1}, channel="clinic"
        )
    due_koos.refresh_from_db()
    assert (due_koos.answers, due_koos.status) == ({}, "due")


def test_a_clinic_schedule_replaces_the_default(patient_a, clinician_a, clinic_a):
    services.clinic_schedule_set(
        clinic_id=clinic_a.id,
        definition={
            "name": "nrs-only",
            "version": "nrs-1",
            "source": "clinic",
            "confirmed": False,
            "time_points": [
                {
                    "key": "baseline",
                    "anchor": "first_session",
                    "offset_days": 0,
                    "days_before": 7,
                    "days_after": 0,
                    "instruments": ["KNEE_PAIN_NRS"],
                }
            ],
        },
    )
    course = plan(patient_a, clinician_a, timezone.localdate() + dt.timedelta(days=20))
    rows = list(
        course.administrations.values_list("time_point", "instrument_code", "schedule_version")
    )
    assert rows == [("baseline", "KNEE_PAIN_NRS", "nrs-1")]
    with pytest.raises(ApplicationError, match="SF36"):
        services.clinic_schedule_set(
            clinic_id=clinic_a.id,
            definition={
                "name": "x",
                "version": "x",
                "source": "c",
                "confirmed": False,
                "time_points": [
                    {
                        "key": "b",
                        "anchor": "first_session",
                        "offset_days": 0,
                        "days_before": 1,
                        "days_after": 0,
                        "instruments": ["SF36"],
                    }
                ],
            },
        )


def test_a_protocol_course_uses_the_schedule_its_protocol_names(patient_a, clinician_a):
    from prolotrack.knowledge.protocols import protocol
    from prolotrack.knowledge.schedules import named_schedule
    from prolotrack.treatment.services import course_plan_from_protocol

    course = course_plan_from_protocol(
        actor=actor(clinician_a),
        patient=patient_a,
        side="right",
        protocol_code="rabago_2013",
        first_day=timezone.localdate() + dt.timedelta(days=21),
    )
    expected = named_schedule(protocol("rabago_2013").questionnaire_schedule).version
    versions = set(course.administrations.values_list("schedule_version", flat=True))
    assert versions == {expected}
    assert services.schedule_for_course(course).version == expected


def test_unknown_schedule_names_are_refused():
    from prolotrack.knowledge.catalogue import KnowledgeError
    from prolotrack.knowledge.schedules import named_schedule

    for name in ("nope", "../default", "default.toml"):
        with pytest.raises(KnowledgeError):
            named_schedule(name)
