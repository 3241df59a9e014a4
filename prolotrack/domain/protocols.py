"""Treatment protocols as plain data, and the calendar arithmetic of a course.

Pure: no Django, no I/O. The shipped protocols are data files (`knowledge/protocols/*.toml`,
clinical.md §1); `prolotrack.knowledge.protocols` validates them into the types below.
This module turns a protocol and a first day into session dates, moves one session, and
says how a tailored plan differs from its protocol (the deviations a course records).

Volumes and concentrations are `Decimal`, so that 0.075 % stays 0.075 % and a comparison
between a plan and its protocol is exact.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise

SATURDAY = 5  # date.weekday(): Monday is 0


class ProtocolError(ValueError):
    """A protocol, a plan or a date change that cannot be applied as asked."""


@dataclass(frozen=True, slots=True)
class Citation:
    reference: str  # journal reference, as in clinical.md §1
    urls: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ProtocolSession:
    """One session of a protocol: days after the first session, and the syringes it uses."""

    offset_days: int
    published_as: str  # the protocol's own words for the time point ("week 5", "month 2")
    optional: bool
    syringe_keys: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Syringe:
    """The default syringe for one group of sites.

    `volume_ml` is given at each injection point; a site gets `points_per_site` points.
    `site_selection` is "all" when every listed site is injected, "tender" when only the
    tender ones are (palpation decides). `volume_range_ml` is the published range, where a
    protocol gives a range rather than one volume; `volume_ml` is then the default inside it.
    """

    key: str
    label: str
    site_codes: tuple[str, ...]
    site_selection: str
    points_per_site: int
    volume_ml: Decimal
    volume_range_ml: tuple[Decimal, Decimal] | None
    dextrose_pct: Decimal
    lidocaine_pct: Decimal
    approach: str  # intra_articular | extra_articular
    guidance: str  # palpation | ultrasound
    needle_gauge: int | None  # None: the protocol gives no needle
    preparation: str
    technique: str

    def as_planned(self) -> PlannedSyringe:
        return PlannedSyringe(
            key=self.key,
            site_codes=self.site_codes,
            volume_ml=self.volume_ml,
            dextrose_pct=self.dextrose_pct,
            lidocaine_pct=self.lidocaine_pct,
            points_per_site=self.points_per_site,
            guidance=self.guidance,
            needle_gauge=self.needle_gauge,
        )


@dataclass(frozen=True, slots=True)
class UnconfirmedPart:
    """A part of a protocol no source confirmed: the value we use and why it is a guess.

    `part` is a field path: a protocol field ("sessions") or "syringes.<key>.<field>".
    """

    part: str
    value_used: str
    reason: str


@dataclass(frozen=True, slots=True)
class Protocol:
    code: str
    version: str
    title: str
    citation: Citation
    conditions: tuple[str, ...]  # condition categories of the ICD-10 catalogue
    sessions: tuple[ProtocolSession, ...]
    syringes: tuple[Syringe, ...]
    max_total_ea_volume_ml: Decimal | None
    questionnaire_schedule: str
    unconfirmed: tuple[UnconfirmedPart, ...]
    note: str

    def syringe(self, key: str) -> Syringe:
        for syringe in self.syringes:
            if syringe.key == key:
                return syringe
        raise ProtocolError(f"protocol {self.code}: no syringe {key!r}")

    def is_unconfirmed(self, part: str) -> bool:
        return any(item.part == part for item in self.unconfirmed)


@dataclass(frozen=True, slots=True)
class PlannedSyringe:
    """A syringe of a tailored plan; compared with the protocol syringe of the same key."""

    key: str
    site_codes: tuple[str, ...]
    volume_ml: Decimal
    dextrose_pct: Decimal
    lidocaine_pct: Decimal
    points_per_site: int = 1
    guidance: str | None = None  # None: not decided yet, so not compared
    needle_gauge: int | None = None


@dataclass(frozen=True, slots=True)
class PlannedSession:
    """A session of a tailored plan: days after the first session, or a calendar date."""

    when: int | dt.date
    syringes: tuple[PlannedSyringe, ...]


@dataclass(frozen=True, slots=True)
class Deviation:
    """One way a plan differs from its protocol, in plain words for the course timeline.

    `field` names what changed ("session", "session.offset_days", "syringe",
    "syringe.volume_ml", ...); `offset_days` and `syringe_key` say where, when it applies.
    """

    what: str
    field: str
    offset_days: int | None = None
    syringe_key: str | None = None


# --- dates ----------------------------------------------------------------------------------


def next_weekday(day: dt.date) -> dt.date:
    """The day itself on Monday to Friday; the following Monday on Saturday or Sunday."""
    if day.weekday() < SATURDAY:
        return day
    return day + dt.timedelta(days=7 - day.weekday())


def session_dates(
    protocol: Protocol, first_day: dt.date, *, include_optional: bool = False
) -> list[dt.date]:
    """Calendar dates of the protocol's sessions from `first_day`, in order.

    Each date is `first_day` plus the session's offset; a date on a weekend moves to the next
    Monday, without moving the sessions after it (their offsets count from `first_day`).
    """
    dates = [
        next_weekday(first_day + dt.timedelta(days=session.offset_days))
        for session in protocol.sessions
        if include_optional or not session.optional
    ]
    _check_ascending(dates, what=f"protocol {protocol.code}: weekend moves")
    return dates


def reschedule(
    dates: Sequence[dt.date], index: int, new_day: dt.date, *, shift_later: bool
) -> list[dt.date]:
    """Move session `index` to `new_day`; a new list, the input is not changed.

    With `shift_later` the later sessions move by the same number of days, so they keep their
    spacing exactly (a later date may then fall on a weekend: the clinician chose the move).
    Without it only that session moves. A result out of order (a session on or before the
    previous one, or on or after the next one) raises `ProtocolError`.
    """
    _check_ascending(dates, what="the dates given")
    if not 0 <= index < len(dates):
        raise ProtocolError(f"no session {index}: there are {len(dates)} sessions")
    moved = list(dates)
    shift = new_day - dates[index]
    moved[index] = new_day
    if shift_later:
        moved[index + 1 :] = [day + shift for day in dates[index + 1 :]]
    _check_ascending(moved, what=f"moving session {index + 1} to {new_day.isoformat()}")
    return moved


def _check_ascending(dates: Sequence[dt.date], *, what: str) -> None:
    for earlier, later in pairwise(dates):
        if later <= earlier:
            raise ProtocolError(
                f"{what}: {later.isoformat()} is not after {earlier.isoformat()}; "
                "sessions must stay in order, one per day"
            )


# --- plans and deviations -------------------------------------------------------------------


def default_plan(protocol: Protocol, *, include_optional: bool = False) -> list[PlannedSession]:
    """The protocol itself as a plan: its sessions and default syringes, by day offset."""
    return [
        PlannedSession(
            when=session.offset_days,
            syringes=tuple(protocol.syringe(key).as_planned() for key in session.syringe_keys),
        )
        for session in protocol.sessions
        if include_optional or not session.optional
    ]


def deviations(
    protocol: Protocol,
    planned: Sequence[PlannedSession],
    *,
    tolerance_days: int = 2,
    match_window_days: int = 14,
) -> list[Deviation]:
    """How a tailored plan differs from `protocol`, ordered by day.

    `planned` gives each session by day offset (days after the protocol's first session) or by
    calendar date (then the first planned date is day 0); not a mix. A planned session within
    `match_window_days` of a protocol session is that session (the nearest pairs first); it is
    reported as moved when it is more than `tolerance_days` away (2 by default: a weekend move
    is not a deviation). A required protocol session with no planned session is dropped; an
    optional one is simply not taken. A planned session that matches nothing is added.
    Syringes are compared by key: sites, volume, points per site, concentrations, guidance
    and needle; then each session's extra-articular total against the protocol's cap.
    """
    offsets = _plan_offsets(planned)
    matches = _match_sessions(protocol.sessions, offsets, window_days=match_window_days)
    found: list[Deviation] = []
    for position, session in enumerate(protocol.sessions):
        index = matches.get(position)
        where = f"Session at {_when(session)}"
        if index is None:
            if not session.optional:
                found.append(Deviation(f"{where} is dropped.", "session", session.offset_days))
            continue
        moved = offsets[index]
        if abs(moved - session.offset_days) > tolerance_days:
            text = f"{where} moved to day {moved} ({moved - session.offset_days:+d} days)."
            found.append(Deviation(text, "session.offset_days", session.offset_days))
        found.extend(_syringe_deviations(protocol, session, planned[index].syringes))
    matched = set(matches.values())
    for index, offset in enumerate(offsets):
        if index not in matched:
            found.append(Deviation(f"Session added at day {offset}.", "session", offset))
        found.extend(_extra_articular_total(protocol, offset, planned[index].syringes))
    return sorted(found, key=lambda deviation: deviation.offset_days or 0)


def _plan_offsets(planned: Sequence[PlannedSession]) -> list[int]:
    whens = [session.when for session in planned]
    if all(isinstance(when, dt.date) for when in whens):
        dates = [when for when in whens if isinstance(when, dt.date)]
        offsets = [(day - dates[0]).days for day in dates] if dates else []
    elif all(isinstance(when, int) for when in whens):
        offsets = [when for when in whens if isinstance(when, int)]
    else:
        raise ProtocolError("give every planned session as a day offset, or every one as a date")
    for earlier, later in pairwise(offsets):
        if later <= earlier:
            raise ProtocolError(f"planned sessions out of order: day {later} after day {earlier}")
    return offsets


def _match_sessions(
    sessions: Sequence[ProtocolSession], offsets: Sequence[int], *, window_days: int
) -> dict[int, int]:
    """Protocol session position -> planned session index, nearest pairs first."""
    candidates = sorted(
        (abs(offset - session.offset_days), position, index)
        for position, session in enumerate(sessions)
        for index, offset in enumerate(offsets)
        if abs(offset - session.offset_days) <= window_days
    )
    matches: dict[int, int] = {}
    for _, position, index in candidates:
        if position not in matches and index not in matches.values():
            matches[position] = index
    return matches


def _when(session: ProtocolSession) -> str:
    return f"day {session.offset_days} ({session.published_as})"


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _syringe_deviations(
    protocol: Protocol, session: ProtocolSession, planned: Sequence[PlannedSyringe]
) -> list[Deviation]:
    by_key = {syringe.key: syringe for syringe in planned}
    if len(by_key) != len(planned):
        raise ProtocolError(f"{_when(session)}: a syringe key is planned twice")
    where, offset = _when(session).capitalize(), session.offset_days
    found = [
        Deviation(
            f"{where}: the {protocol.syringe(key).label} syringe is left out.",
            "syringe",
            offset,
            key,
        )
        for key in session.syringe_keys
        if key not in by_key
    ]
    for key, syringe in by_key.items():
        if key in session.syringe_keys:
            found.extend(_compare_syringe(protocol.syringe(key), syringe, session))
        else:
            text = f"{where}: syringe {key!r} added; the protocol has none such at this session."
            found.append(Deviation(text, "syringe", offset, key))
    return found


def _compare_syringe(
    default: Syringe, planned: PlannedSyringe, session: ProtocolSession
) -> list[Deviation]:
    prefix = f"{_when(session).capitalize()}, {default.label}"
    changes: list[tuple[str, str]] = []
    added = [code for code in planned.site_codes if code not in default.site_codes]
    left_out = [code for code in default.site_codes if code not in planned.site_codes]
    if default.site_selection == "tender":
        left_out = []  # only tender sites are injected, so a shorter list is the protocol
    if added or left_out:
        parts = [f"sites added: {', '.join(added)}"] if added else []
        parts += [f"sites left out: {', '.join(left_out)}"] if left_out else []
        changes.append(("site_codes", "; ".join(parts)))
    volume = _volume_change(default, planned.volume_ml)
    if volume:
        changes.append(("volume_ml", volume))
    points, default_points = planned.points_per_site, default.points_per_site
    if default.site_selection == "all" and points != default_points:
        changes.append(("points_per_site", f"{points} points per site instead of {default_points}"))
    for field, name in (("dextrose_pct", "dextrose"), ("lidocaine_pct", "lidocaine")):
        new, old = getattr(planned, field), getattr(default, field)
        if new != old:
            changes.append((field, f"{name} {_number(new)} % instead of {_number(old)} %"))
    if planned.guidance is not None and planned.guidance != default.guidance:
        changes.append(("guidance", f"{planned.guidance} guidance instead of {default.guidance}"))
    gauge = planned.needle_gauge
    if gauge is not None and default.needle_gauge is not None and gauge != default.needle_gauge:
        changes.append(("needle_gauge", f"{gauge} G needle instead of {default.needle_gauge} G"))
    return [
        Deviation(f"{prefix}: {text}.", f"syringe.{field}", session.offset_days, default.key)
        for field, text in changes
    ]


def _volume_change(default: Syringe, volume_ml: Decimal) -> str | None:
    if default.volume_range_ml is not None:
        low, high = default.volume_range_ml
        if low <= volume_ml <= high:
            return None
        return (
            f"{_number(volume_ml)} mL per injection, outside the published "
            f"{_number(low)}-{_number(high)} mL"
        )
    if volume_ml == default.volume_ml:
        return None
    return f"{_number(volume_ml)} mL per injection instead of {_number(default.volume_ml)} mL"


def _extra_articular_total(
    protocol: Protocol, offset: int, planned: Sequence[PlannedSyringe]
) -> list[Deviation]:
    cap = protocol.max_total_ea_volume_ml
    if cap is None:
        return []
    known = {syringe.key: syringe for syringe in protocol.syringes}
    total = sum(
        (
            syringe.volume_ml * syringe.points_per_site * len(syringe.site_codes)
            for syringe in planned
            if syringe.key in known and known[syringe.key].approach == "extra_articular"
        ),
        Decimal(0),
    )
    if total <= cap:
        return []
    return [
        Deviation(
            f"Day {offset}: extra-articular total {_number(total)} mL, above the protocol's "
            f"{_number(cap)} mL.",
            "max_total_ea_volume_ml",
            offset,
        )
    ]
