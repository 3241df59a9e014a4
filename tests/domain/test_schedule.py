"""The questionnaire schedule: time points, windows and knees (issue 3, item 4)."""

from __future__ import annotations

import datetime as dt

import pytest

from prolotrack.domain.schedule import (
    Schedule,
    ScheduleError,
    TimePoint,
    months,
    plan_administrations,
)
from prolotrack.knowledge.catalogue import KnowledgeError
from prolotrack.knowledge.schedules import default_schedule, schedule_from_data

KNEE = {"KOOS": True, "KNEE_PAIN_NRS": True, "PGIC": True, "TEGNER": False}
SESSIONS = [dt.date(2026, 1, 5), dt.date(2026, 2, 2), dt.date(2026, 3, 2)]


def test_months_are_mean_gregorian_months():
    assert [months(n) for n in (3, 6, 12, 24)] == [91, 183, 365, 730]


def test_default_schedule_time_points():
    planned = plan_administrations(
        schedule=default_schedule(), session_dates=SESSIONS, side="left", knee_specific=KNEE
    )
    by_point = {(p.time_point, p.instrument): p for p in planned}
    baseline = by_point[("baseline", "KOOS")]
    assert (baseline.due_from, baseline.target_date, baseline.due_until) == (
        dt.date(2025, 12, 22),
        dt.date(2026, 1, 5),
        dt.date(2026, 1, 5),
    )
    assert baseline.session_index == 0
    assert by_point[("pre_session_2", "KNEE_PAIN_NRS")].target_date == SESSIONS[1]
    assert by_point[("pre_session_3", "PGIC")].session_index == 2
    assert ("pre_session_1", "PGIC") not in by_point  # the baseline covers session 1
    expected = {"week_6": 42, "month_3": 91, "month_6": 183, "month_12": 365, "month_24": 730}
    for key, days in expected.items():
        point = by_point[(key, "KOOS")]
        assert point.target_date == SESSIONS[0] + dt.timedelta(days=days)
        assert point.due_from < point.target_date < point.due_until
    assert {p.side for p in planned} == {"left"}
    assert planned == sorted(planned, key=lambda p: (p.target_date, p.time_point, p.instrument))


def test_patient_level_instruments_have_no_side():
    schedule = Schedule(
        "t", "t1", (TimePoint("baseline", "first_session", 0, 7, 0, ("TEGNER", "KOOS")),)
    )
    planned = plan_administrations(
        schedule=schedule, session_dates=SESSIONS[:1], side="right", knee_specific=KNEE
    )
    assert {(p.instrument, p.side) for p in planned} == {("TEGNER", None), ("KOOS", "right")}


def test_no_sessions_no_questionnaires():
    assert (
        plan_administrations(
            schedule=default_schedule(), session_dates=[], side="right", knee_specific=KNEE
        )
        == []
    )


@pytest.mark.parametrize(
    ("point", "message"),
    [
        (TimePoint("x", "last_session", 0, 1, 1, ("KOOS",)), "anchor"),
        (TimePoint("x", "first_session", 0, -1, 1, ("KOOS",)), "negative"),
        (TimePoint("x", "first_session", 0, 1, 1, ()), "no instruments"),
        (TimePoint("x", "first_session", 0, 1, 1, ("SF36",)), "SF36"),
    ],
)
def test_bad_schedules_are_refused(point, message):
    with pytest.raises(ScheduleError, match=message):
        plan_administrations(
            schedule=Schedule("bad", "1", (point,)),
            session_dates=SESSIONS,
            side="right",
            knee_specific=KNEE,
        )


def test_sessions_out_of_order_are_refused():
    with pytest.raises(ScheduleError, match="order"):
        plan_administrations(
            schedule=default_schedule(),
            session_dates=SESSIONS[::-1],
            side="right",
            knee_specific=KNEE,
        )


def test_clinic_schedule_data_is_validated():
    with pytest.raises(KnowledgeError, match="days_before"):
        schedule_from_data(
            {
                "name": "c",
                "version": "1",
                "source": "clinic",
                "confirmed": False,
                "time_points": [
                    {
                        "key": "b",
                        "anchor": "first_session",
                        "offset_days": 0,
                        "days_before": -2,
                        "days_after": 0,
                        "instruments": ["KOOS"],
                    }
                ],
            },
            origin="clinic 1",
        )
