"""How a protocol course departs from its protocol: sessions added or dropped, and injections
that differ from the session's planned syringe.

`treatment.services` calls these before it records a `Deviation` (with the reason the
clinician gave). Session-level changes are described by the pure `domain.protocols.deviations`
over the course's day offsets; an injection is compared with the planned syringe stored on its
session (`Session.planned_syringes`, the protocol's default syringes from `default_plan`).
No writes here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from prolotrack.core.errors import ApplicationError
from prolotrack.domain.protocols import (
    PlannedSession,
    PlannedSyringe,
    Protocol,
    ProtocolSession,
    default_plan,
    deviations,
)
from prolotrack.knowledge import injection_sites
from prolotrack.knowledge.catalogue import KnowledgeError
from prolotrack.knowledge.protocols import protocol
from prolotrack.treatment.models import Course, Session, SessionStatus

SyringeJson = dict[str, Any]
INACTIVE_STATUSES = (SessionStatus.CANCELLED, SessionStatus.NO_SHOW)


@dataclass(frozen=True)
class Found:
    """One departure from the protocol, in plain words (`field` as in `Deviation.field`)."""

    what: str
    field: str


def known_protocol(code: str) -> Protocol:
    """A shipped protocol by code; an unknown code is the caller's input error."""
    try:
        return protocol(code)
    except KnowledgeError as error:
        raise ApplicationError(str(error), field="protocol_code") from None


def course_protocol(course: Course) -> Protocol | None:
    """The shipped protocol a course was planned from; None for a free-text course."""
    if not course.protocol_code:
        return None
    try:
        return protocol(course.protocol_code)
    except KnowledgeError:
        return None  # a protocol withdrawn from knowledge/: nothing left to compare with


def syringe_json(chosen: Protocol, planned: PlannedSyringe) -> SyringeJson:
    """A planned syringe as JSON for `Session.planned_syringes` (decimals as strings)."""
    default = chosen.syringe(planned.key)
    volume_range = default.volume_range_ml
    return {
        "key": planned.key,
        "label": default.label,
        "approach": default.approach,
        "site_codes": list(planned.site_codes),
        "site_selection": default.site_selection,
        "points_per_site": planned.points_per_site,
        "volume_ml": str(planned.volume_ml),
        "volume_range_ml": [str(v) for v in volume_range] if volume_range else None,
        "dextrose_pct": str(planned.dextrose_pct),
        "lidocaine_pct": str(planned.lidocaine_pct),
        "guidance": planned.guidance,
        "needle_gauge": planned.needle_gauge,
    }


def planned_syringes(chosen: Protocol, *, include_optional: bool) -> list[list[SyringeJson]]:
    """The default syringes of each planned session, in session order."""
    return [
        [syringe_json(chosen, syringe) for syringe in session.syringes]
        for session in default_plan(chosen, include_optional=include_optional)
    ]


def syringes_for_offset(chosen: Protocol, offset_days: int) -> list[SyringeJson]:
    """Planned syringes for a session added at `offset_days`: those of the protocol session at
    that day, else of the last protocol session before it (else the first)."""
    earlier = [s for s in chosen.sessions if s.offset_days <= offset_days]
    session: ProtocolSession = earlier[-1] if earlier else chosen.sessions[0]
    return [syringe_json(chosen, chosen.syringe(key).as_planned()) for key in session.syringe_keys]


def course_offsets(course: Course, *, exclude: Iterable[int] = ()) -> list[int]:
    """Days after the course's start of its active (not cancelled, not no-show) sessions."""
    skipped = set(exclude)
    sessions = course.sessions.exclude(status__in=INACTIVE_STATUSES).select_related("clinic")
    return sorted(
        (session.day - course.start_date).days for session in sessions if session.id not in skipped
    )


def _session_level(chosen: Protocol, offsets: list[int]) -> set[tuple[str, str]]:
    unique = sorted(set(offsets))
    found = {
        (item.what, item.field)
        for item in deviations(chosen, [PlannedSession(when=day, syringes=()) for day in unique])
        if item.field.startswith("session")
    }
    for day in unique:
        if offsets.count(day) > 1:
            found.add((f"A second session on day {day}.", "session"))
    return found


def schedule_change(chosen: Protocol, before: list[int], after: list[int]) -> list[Found]:
    """Session-level departures that `after` has and `before` had not."""
    new = _session_level(chosen, after) - _session_level(chosen, before)
    return [Found(what, field) for what, field in sorted(new)]


# --- injections against the planned syringe ------------------------------------------------


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _site_label(code: str) -> str:
    site = injection_sites().get(code)
    return site.label if site else code


def _volume_fits(syringe: SyringeJson, volume_ml: Decimal) -> bool:
    volume_range = syringe.get("volume_range_ml")
    if volume_range:
        low, high = (Decimal(value) for value in volume_range)
        return low <= volume_ml <= high
    return volume_ml == Decimal(syringe["volume_ml"])


def _differences(syringe: SyringeJson, values: Mapping[str, Any]) -> list[Found]:
    label = syringe["label"]
    found: list[Found] = []
    volume = Decimal(values["volume_ml"])
    if not _volume_fits(syringe, volume):
        planned = Decimal(syringe["volume_ml"])
        found.append(
            Found(
                f"{label} syringe: {_number(volume)} mL instead of {_number(planned)} mL.",
                "syringe.volume_ml",
            )
        )
    for field, name in (("dextrose_pct", "dextrose"), ("lidocaine_pct", "lidocaine")):
        given, planned = Decimal(values[field]), Decimal(syringe[field])
        if given != planned:
            found.append(
                Found(
                    f"{label} syringe: {name} {_number(given)} % instead of {_number(planned)} %.",
                    f"syringe.{field}",
                )
            )
    return found


def injection_departures(planned: list[SyringeJson], values: Mapping[str, Any]) -> list[Found]:
    """How an injection (its field values) differs from the session's planned syringes.

    The injection belongs to the planned syringe whose sites include its site (the closest
    one when several do); a site in none of them is itself the departure. A session with no
    planned syringes (a free-text course) has nothing to depart from.
    """
    if not planned:
        return []
    site = values["site_code"]
    candidates = [syringe for syringe in planned if site in syringe["site_codes"]]
    if not candidates:
        labels = ", ".join(syringe["label"] for syringe in planned)
        return [
            Found(
                f"{_site_label(site)} is not a site of the planned syringes ({labels}).",
                "syringe.site_codes",
            )
        ]
    return min((_differences(s, values) for s in candidates), key=len)


def described(session: Session, found: Found) -> str:
    """`found` with the session's day in front, for the course timeline."""
    return f"Session of {session.day.isoformat()}: {found.what}"


def day_offset(course: Course, day: dt.date) -> int:
    return (day - course.start_date).days
