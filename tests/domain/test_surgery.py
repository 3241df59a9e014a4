"""Surgery-free time of a course, with censoring, on hand-counted days."""

from __future__ import annotations

import datetime as dt

from prolotrack.domain.surgery import surgery_free_time

START = dt.date(2025, 1, 10)
TODAY = dt.date(2026, 1, 10)


def test_time_to_the_first_surgery_after_the_start():
    result = surgery_free_time(
        course_start=START,
        surgery_days=[dt.date(2025, 9, 1), dt.date(2025, 6, 30)],
        last_follow_up=dt.date(2025, 12, 1),
        today=TODAY,
    )
    # 2025-01-10 -> 2025-06-30: 21 + 28 + 31 + 30 + 31 + 30 = 171 days
    assert (result.days, result.censored, result.surgery_day) == (171, False, dt.date(2025, 6, 30))


def test_surgery_before_the_course_does_not_count():
    result = surgery_free_time(
        course_start=START,
        surgery_days=[dt.date(2019, 3, 1)],
        last_follow_up=dt.date(2025, 4, 10),
        today=TODAY,
    )
    # censored at the last follow-up: 2025-01-10 -> 2025-04-10 = 21 + 28 + 31 + 10 = 90 days
    assert (result.days, result.censored, result.until) == (90, True, dt.date(2025, 4, 10))
    assert result.surgery_day is None


def test_surgery_on_the_start_day_is_zero_days_not_censored():
    result = surgery_free_time(
        course_start=START, surgery_days=[START], last_follow_up=None, today=TODAY
    )
    assert (result.days, result.censored) == (0, False)


def test_censoring_never_runs_past_today_nor_before_the_start():
    later = surgery_free_time(
        course_start=START,
        surgery_days=[],
        last_follow_up=dt.date(2027, 1, 1),
        today=TODAY,
    )
    assert (later.days, later.until) == (365, TODAY)
    unseen = surgery_free_time(
        course_start=START, surgery_days=[], last_follow_up=None, today=TODAY
    )
    assert (unseen.days, unseen.censored, unseen.until) == (0, True, START)
    before = surgery_free_time(
        course_start=START, surgery_days=[], last_follow_up=dt.date(2024, 1, 1), today=TODAY
    )
    assert (before.days, before.until) == (0, START)
