"""Questionnaire time points for a course: which instrument is due when, for which knee.

Pure: session dates and a schedule in, planned administrations out. The default schedule
(issue 3) asks before the first session (baseline), before each later session, and at 6 weeks,
3, 6, 12 and 24 months after the first session; each time point has a window (due from, due
until) in days around its target date. Schedules are data (knowledge/schedules, clinic
overrides); this module only applies them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

DAYS_PER_MONTH = 30.4375  # mean Gregorian month, so "month 12" lands on the anniversary +/- 1 day


@dataclass(frozen=True, slots=True)
class TimePoint:
    """One time point of a schedule.

    `anchor` is "first_session" (offset from the first session: baseline and follow-ups) or
    "each_later_session" (before every session after the first). The target day is the anchor
    day plus `offset_days`; the window runs from target - `days_before` to target + `days_after`.
    """

    key: str
    anchor: str
    offset_days: int
    days_before: int
    days_after: int
    instruments: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Schedule:
    name: str
    version: str
    time_points: tuple[TimePoint, ...]


@dataclass(frozen=True, slots=True)
class PlannedAdministration:
    time_point: str
    instrument: str
    side: str | None  # None for instruments that are not about one knee
    target_date: dt.date
    due_from: dt.date
    due_until: dt.date
    session_index: int | None  # which session (0-based) a pre-session questionnaire precedes


class ScheduleError(ValueError):
    """A schedule that cannot be applied (unknown anchor, bad window, unknown instrument)."""


ANCHORS = ("first_session", "each_later_session")


def months(count: float) -> int:
    """Whole days in `count` mean months (3 months -> 91 days, 12 -> 365, 24 -> 730)."""
    return round(count * DAYS_PER_MONTH)


def check_schedule(schedule: Schedule, known_instruments: Mapping[str, bool]) -> None:
    """Raise ScheduleError naming the first problem in `schedule`."""
    keys = [point.key for point in schedule.time_points]
    if len(set(keys)) != len(keys):
        raise ScheduleError(f"schedule {schedule.name}: time point keys must be unique")
    for point in schedule.time_points:
        where = f"schedule {schedule.name}, time point {point.key}"
        if point.anchor not in ANCHORS:
            raise ScheduleError(f"{where}: anchor must be one of {', '.join(ANCHORS)}")
        if point.days_before < 0 or point.days_after < 0:
            raise ScheduleError(f"{where}: window days cannot be negative")
        if not point.instruments:
            raise ScheduleError(f"{where}: no instruments")
        for code in point.instruments:
            if code not in known_instruments:
                raise ScheduleError(f"{where}: unknown instrument {code}")


def plan_administrations(
    *,
    schedule: Schedule,
    session_dates: Sequence[dt.date],
    side: str,
    knee_specific: Mapping[str, bool],
) -> list[PlannedAdministration]:
    """The administrations one knee's course needs, in date order.

    `session_dates` are the course's planned session days in order; `knee_specific` says, per
    instrument code, whether it is answered for a knee (True) or for the patient (False).
    """
    check_schedule(schedule, knee_specific)
    if not session_dates:
        return []
    if list(session_dates) != sorted(session_dates):
        raise ScheduleError("session dates must be in order")
    planned: list[PlannedAdministration] = []
    for point in schedule.time_points:
        for session_index, anchor_day in _anchor_days(point, session_dates):
            target = anchor_day + dt.timedelta(days=point.offset_days)
            for code in point.instruments:
                planned.append(
                    PlannedAdministration(
                        time_point=_label(point, session_index),
                        instrument=code,
                        side=side if knee_specific[code] else None,
                        target_date=target,
                        due_from=target - dt.timedelta(days=point.days_before),
                        due_until=target + dt.timedelta(days=point.days_after),
                        session_index=session_index,
                    )
                )
    return sorted(planned, key=lambda item: (item.target_date, item.time_point, item.instrument))


def _anchor_days(
    point: TimePoint, session_dates: Sequence[dt.date]
) -> list[tuple[int | None, dt.date]]:
    if point.anchor == "first_session":
        return [(0 if point.offset_days <= 0 else None, session_dates[0])]
    return [(index, day) for index, day in enumerate(session_dates) if index > 0]


def _label(point: TimePoint, session_index: int | None) -> str:
    """Unique per course: 'pre_session_2' is the check before the second session."""
    if point.anchor == "each_later_session" and session_index is not None:
        return f"{point.key}_{session_index + 1}"
    return point.key
