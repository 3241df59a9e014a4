"""Parsing what clinicians type into free-text boxes. Pure: no Django, no database."""

from __future__ import annotations

import datetime as dt

SESSION_TIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M")
MAX_PLANNED_SESSIONS = 20


class SessionTimesError(ValueError):
    """A line that is not a date and time, with its line number in the message."""


def parse_session_times(text: str) -> list[dt.datetime]:
    """One `YYYY-MM-DD HH:MM` per line (UTC) -> aware datetimes, in the order given.

    Blank lines are skipped. The order is kept, so the service can refuse times out of order
    instead of this function silently reordering what the clinician typed.
    """
    times: list[dt.datetime] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        times.append(_parse_line(stripped, number))
    if len(times) > MAX_PLANNED_SESSIONS:
        raise SessionTimesError(f"Plan at most {MAX_PLANNED_SESSIONS} sessions at once.")
    return times


def _parse_line(line: str, number: int) -> dt.datetime:
    for pattern in SESSION_TIME_FORMATS:
        try:
            return dt.datetime.strptime(line, pattern).replace(tzinfo=dt.UTC)
        except ValueError:
            continue
    raise SessionTimesError(
        f"Line {number}: \u201c{line[:40]}\u201d is not a date and time like 2026-03-02 09:30."
    )
