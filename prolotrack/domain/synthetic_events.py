"""Adverse events of the synthetic cohort (pure Python, no Django, no I/O).

Rates, per patient with at least one done session (clinical.md §4a):
- post-injection pain flare 10 %: "pain lasting up to 72 h in about 10 % of trial
  participants" (UW-PEARL, https://fammed.wisc.edu/?p=17684). Grade 1 65 %, 2 32 %, 3 3 %
  (CTCAE general definitions, §4b; the split is ours), onset 2-48 h after the session,
  resolved 1-6 days later.
- injection-site reaction 4 % and bruising 5 %: "common and short-lived; no rate given"
  (UW-PEARL; eorthopod summary, https://eorthopod.com/?p=59192). The rates are our
  UNCONFIRMED stand-ins; grade 1, onset 0-24 h, resolved within 10 days.
- vasovagal reaction 0.5 %: §4a found no rate (UNCONFIRMED stand-in); grade 1-2, at the
  session, resolved the same day.
- septic arthritis 1 in 3,000 patients, after an intra-articular injection only: §4a found no
  rate (UNCONFIRMED stand-in for "rare"); grade 3, serious by hospitalisation (ICH E2A, §4b),
  referred, onset 1-4 days after, resolved 2-4 weeks later.
About a quarter of the events came in through the patient's check-in; those whose onset is in
the last 10 days, and a check-in on about 10 % of sessions of the last 14 days, are still
waiting for a clinician to confirm them. Serious events older than 14 days are reviewed.
These rates are demo data in `EVENT_RATES` (each with its source and `confirmed` flag), not
evidence. Drawn with the patient's safety generator (`synthetic_safety.safety_rng`).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prolotrack.domain.synthetic import SyntheticCourse, SyntheticSession

PATIENT_REPORTED_SHARE = 0.25
UNCONFIRMED_WITHIN_DAYS = 10
RECENT_CHECK_IN_DAYS = 14
RECENT_CHECK_IN_SHARE = 0.10
REVIEWED_AFTER_DAYS = 14

PATIENT_WORDS = {
    "pain_flare": (
        "The knee has been much more painful since the injections.",
        "Sore and stiff since the evening after the session, worse on stairs.",
    ),
    "swelling_effusion": ("The knee looks swollen around the kneecap.",),
    "injection_site_reaction": ("Red and tender where the needles went in.",),
    "bruising": ("A bruise came up on the inside of the knee.",),
}


@dataclass(frozen=True, slots=True)
class EventRate:
    """One adverse event term of the demo: how many patients get it, and where that is from."""

    term: str
    per_patient: float
    grades: tuple[tuple[int, float], ...]  # (grade, weight)
    onset_hours: tuple[int, int]
    resolved_days: tuple[int, int]  # after the onset day
    source: str
    confirmed: bool
    criteria: tuple[str, ...] = ()
    needs_intra_articular: bool = False
    relatedness: tuple[str, ...] = ("probable", "probable", "definite", "possible")
    actions: tuple[str, ...] = ("none", "advice", "medication")


EVENT_RATES: tuple[EventRate, ...] = (
    EventRate(
        "pain_flare", 0.10, ((1, 0.65), (2, 0.32), (3, 0.03)), (2, 48), (1, 6),
        "clinical.md §4a: about 10 % of trial participants (UW-PEARL)", True,
    ),
    EventRate(
        "injection_site_reaction", 0.04, ((1, 1.0),), (0, 2), (0, 3),
        "clinical.md §4a: common, no rate given; 4 % is our stand-in", False,
        actions=("none", "advice"),
    ),
    EventRate(
        "bruising", 0.05, ((1, 1.0),), (0, 24), (3, 10),
        "clinical.md §4a: common or less common, no rate given; 5 % is our stand-in", False,
        actions=("none", "advice"),
    ),
    EventRate(
        "vasovagal_reaction", 0.005, ((1, 0.8), (2, 0.2)), (0, 0), (0, 0),
        "clinical.md §4a: rate UNCONFIRMED; 0.5 % is our stand-in", False,
        relatedness=("definite",), actions=("advice",),
    ),
    EventRate(
        "infection", 1 / 3000, ((3, 1.0),), (24, 96), (14, 28),
        "clinical.md §4a: septic arthritis rate UNCONFIRMED; 1 in 3,000 is our stand-in", False,
        criteria=("hospitalisation",), needs_intra_articular=True,
        relatedness=("probable",), actions=("referred",),
    ),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class SyntheticAdverseEvent:
    session_index: int  # of the course's sessions
    term: str
    onset_on: date
    onset_after_hours: int | None
    grade: int | None  # None while unconfirmed
    criteria: tuple[str, ...]
    relatedness: str  # "" while unconfirmed
    action_taken: str
    outcome: str  # "recovered" | "recovering" | "unknown"
    resolved_on: date | None
    reported_by_patient: bool
    patient_description: str
    confirmed_at: datetime | None
    reviewed_at: datetime | None

    @property
    def is_serious(self) -> bool:
        return bool(self.criteria)


# --- Adverse events ------------------------------------------------------------------------------


def with_events(
    courses: list[SyntheticCourse], rates: Sequence[EventRate], rng: random.Random, today: date
) -> list[SyntheticCourse]:
    done = [
        (course_index, session_index, session)
        for course_index, course in enumerate(courses)
        for session_index, session in enumerate(course.sessions)
        if session.status == "done"
    ]
    if not done:
        return courses
    events: dict[int, list[SyntheticAdverseEvent]] = {}
    for rate in rates:
        eligible = [item for item in done if not rate.needs_intra_articular or _has_ia(item[2])]
        if not eligible or rng.random() >= rate.per_patient:
            continue
        course_index, session_index, session = rng.choice(eligible)
        event = _event(rate, session_index, session, rng, today)
        if event is not None:
            events.setdefault(course_index, []).append(event)
    for course_index, session_index, session in done:
        days_ago = (today - session.scheduled_at.date()).days
        if days_ago <= RECENT_CHECK_IN_DAYS and rng.random() < RECENT_CHECK_IN_SHARE:
            term = rng.choice(("pain_flare", "swelling_effusion", "injection_site_reaction"))
            onset = session.scheduled_at.date() + timedelta(days=rng.randint(0, min(days_ago, 2)))
            events.setdefault(course_index, []).append(
                _unconfirmed(term, session_index, onset, rng)
            )
    return [
        replace(course, adverse_events=tuple(events.get(index, ()))) if index in events else course
        for index, course in enumerate(courses)
    ]


def _has_ia(session: SyntheticSession) -> bool:
    return any(injection.approach == "intra_articular" for injection in session.injections)


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def _unconfirmed(
    term: str, session_index: int, onset: date, rng: random.Random
) -> SyntheticAdverseEvent:
    return SyntheticAdverseEvent(
        session_index=session_index,
        term=term,
        onset_on=onset,
        onset_after_hours=None,
        grade=None,
        criteria=(),
        relatedness="",
        action_taken="",
        outcome="unknown",
        resolved_on=None,
        reported_by_patient=True,
        patient_description=rng.choice(PATIENT_WORDS.get(term, ("A problem after the session.",))),
        confirmed_at=None,
        reviewed_at=None,
    )


def _event(
    rate: EventRate,
    session_index: int,
    session: SyntheticSession,
    rng: random.Random,
    today: date,
) -> SyntheticAdverseEvent | None:
    """One event after `session`; None when its onset would be after `today`."""
    hours = rng.randint(*rate.onset_hours)
    onset = (session.scheduled_at + timedelta(hours=hours)).date()
    if onset > today:
        return None
    reported = rate.term in PATIENT_WORDS and rng.random() < PATIENT_REPORTED_SHARE
    if reported and (today - onset).days <= UNCONFIRMED_WITHIN_DAYS:
        return replace(_unconfirmed(rate.term, session_index, onset, rng), onset_after_hours=hours)
    grades, weights = zip(*rate.grades, strict=True)
    resolved = onset + timedelta(days=rng.randint(*rate.resolved_days))
    confirmed_at = min(_at(onset, 12) + timedelta(days=rng.randint(0, 2)), _at(today, 0))
    reviewed = rate.criteria and (today - onset).days > REVIEWED_AFTER_DAYS
    return SyntheticAdverseEvent(
        session_index=session_index,
        term=rate.term,
        onset_on=onset,
        onset_after_hours=hours,
        grade=rng.choices(grades, weights=weights)[0],
        criteria=rate.criteria,
        relatedness=rng.choice(rate.relatedness),
        action_taken=rng.choice(rate.actions),
        outcome="recovered" if resolved <= today else "recovering",
        resolved_on=resolved if resolved <= today else None,
        reported_by_patient=reported,
        patient_description=rng.choice(PATIENT_WORDS[rate.term]) if reported else "",
        confirmed_at=confirmed_at,
        reviewed_at=confirmed_at + timedelta(days=rng.randint(1, 7)) if reviewed else None,
    )
