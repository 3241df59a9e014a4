"""Surgery-free time of a course: days from the course start to the first knee surgery.

Pure Python, no Django. Survival-analysis wording: a course without surgery so far is
*censored* at the last day we know the knee was still unoperated (the last follow-up, never
later than today); its time is a lower bound, not an event time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class SurgeryFreeTime:
    days: int
    censored: bool  # True: no surgery yet, `days` runs to `until` (last follow-up)
    until: dt.date  # the surgery day, or the censoring day
    surgery_day: dt.date | None


def surgery_free_time(
    *,
    course_start: dt.date,
    surgery_days: Sequence[dt.date],
    last_follow_up: dt.date | None,
    today: dt.date,
) -> SurgeryFreeTime:
    """Days from `course_start` to the first surgery on or after it (same knee, given by the
    caller), else censored at the last follow-up (capped at today, never before the start).

    Surgeries before the course started (an old reconstruction, say) do not end it.
    """
    after_start = sorted(day for day in surgery_days if day >= course_start)
    if after_start:
        first = after_start[0]
        return SurgeryFreeTime((first - course_start).days, False, first, first)
    known = min(last_follow_up, today) if last_follow_up is not None else course_start
    until = max(known, course_start)
    return SurgeryFreeTime((until - course_start).days, True, until, None)
