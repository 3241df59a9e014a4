"""Treatment protocols: one TOML file each in ``protocols/``, validated on load.

The facts and their citations live in the files (clinical.md §1). This module checks their
shape and their consistency with the injection-site catalogue and the questionnaire schedules,
then builds the plain `prolotrack.domain.protocols.Protocol`. Every part §1 marks UNCONFIRMED is
listed in the file's ``[[unconfirmed]]`` table with the reason; the loader resolves each part to
the value the file uses, so the value shown as unconfirmed is always the value applied.
A malformed file fails with a `KnowledgeError` naming the file and the entry. No Django here.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from decimal import Decimal
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from itertools import pairwise
from types import MappingProxyType
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from prolotrack.domain.protocols import (
    Citation,
    Protocol,
    ProtocolSession,
    Syringe,
    UnconfirmedPart,
)
from prolotrack.knowledge.catalogue import (
    Approach,
    Category,
    InjectionSite,
    KnowledgeError,
    injection_sites,
)

_MODEL_CONFIG = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)
_KEY = r"^[a-z][a-z0-9_]*$"
MAX_DEXTROSE_PCT = Decimal(50)  # D50W is the strongest stock (clinical.md §2)
MAX_LIDOCAINE_PCT = Decimal(2)  # 2 % is the strongest lidocaine stock in §2


class CitationEntry(BaseModel):
    model_config = _MODEL_CONFIG

    reference: str = Field(min_length=1)
    urls: tuple[str, ...] = Field(min_length=1)


class SessionEntry(BaseModel):
    model_config = _MODEL_CONFIG

    offset_days: int = Field(ge=0)
    published_as: str = Field(min_length=1)
    optional: bool = False
    syringes: tuple[str, ...] = Field(min_length=1)


class SyringeEntry(BaseModel):
    model_config = _MODEL_CONFIG

    key: str = Field(pattern=_KEY)
    label: str = Field(min_length=1)
    site_codes: tuple[str, ...] = Field(min_length=1)
    site_selection: Literal["all", "tender"]
    points_per_site: int = Field(default=1, ge=1)
    volume_ml: Decimal = Field(gt=0)
    volume_range_ml: tuple[Decimal, Decimal] | None = None
    dextrose_pct: Decimal = Field(ge=0, le=MAX_DEXTROSE_PCT)
    lidocaine_pct: Decimal = Field(ge=0, le=MAX_LIDOCAINE_PCT)
    approach: Approach
    guidance: Literal["palpation", "ultrasound"]
    needle_gauge: int | None = Field(default=None, ge=18, le=33)
    preparation: str = ""
    technique: str = ""

    @model_validator(mode="after")
    def _volume_in_range(self) -> SyringeEntry:
        if len(set(self.site_codes)) != len(self.site_codes):
            raise ValueError("a site code is listed twice")
        if self.volume_range_ml is not None:
            low, high = self.volume_range_ml
            if not 0 < low <= self.volume_ml <= high:
                raise ValueError(f"volume_ml {self.volume_ml} is outside volume_range_ml")
        return self


class UnconfirmedEntry(BaseModel):
    model_config = _MODEL_CONFIG

    part: str = Field(min_length=1)
    reason: str = Field(min_length=1)


class ProtocolEntry(BaseModel):
    """One protocol file, as written."""

    model_config = _MODEL_CONFIG

    code: str = Field(pattern=_KEY)
    version: str = Field(min_length=1)
    title: str = Field(min_length=1)
    citation: CitationEntry
    conditions: tuple[Category, ...] = Field(min_length=1)
    questionnaire_schedule: str = Field(pattern=_KEY)
    max_total_ea_volume_ml: Decimal | None = Field(default=None, gt=0)
    note: str = ""
    sessions: tuple[SessionEntry, ...] = Field(min_length=1)
    syringes: tuple[SyringeEntry, ...] = Field(min_length=1)
    unconfirmed: tuple[UnconfirmedEntry, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> ProtocolEntry:
        _check_sessions(self)
        _check_syringe_keys(self)
        _check_unconfirmed(self)
        return self


def _check_sessions(entry: ProtocolEntry) -> None:
    first = entry.sessions[0]
    if first.offset_days != 0 or first.optional:
        raise ValueError("sessions entry 1: the first session is required and at offset_days 0")
    for position, (earlier, later) in enumerate(pairwise(entry.sessions), start=2):
        if later.offset_days <= earlier.offset_days:
            raise ValueError(
                f"sessions entry {position} ({later.published_as!r}): offsets must ascend, "
                f"but {later.offset_days} follows {earlier.offset_days}"
            )


def _check_syringe_keys(entry: ProtocolEntry) -> None:
    keys = [syringe.key for syringe in entry.syringes]
    if len(set(keys)) != len(keys):
        raise ValueError(f"syringes: keys repeat: {keys}")
    used: set[str] = set()
    for position, session in enumerate(entry.sessions, start=1):
        unknown = [key for key in session.syringes if key not in keys]
        if unknown:
            raise ValueError(f"sessions entry {position}: unknown syringes {unknown}")
        used.update(session.syringes)
    unused = [key for key in keys if key not in used]
    if unused:
        raise ValueError(f"syringes {unused} are not used by any session")


_PROTOCOL_PARTS = ("sessions", "conditions", "max_total_ea_volume_ml")
_SYRINGE_PARTS = tuple(
    name for name in SyringeEntry.model_fields if name not in {"key", "label", "preparation"}
)


def _check_unconfirmed(entry: ProtocolEntry) -> None:
    parts = [item.part for item in entry.unconfirmed]
    if len(set(parts)) != len(parts):
        raise ValueError(f"unconfirmed: a part is listed twice: {parts}")
    for part in parts:
        _resolve(entry, part)
    for position, syringe in enumerate(entry.syringes, start=1):
        if syringe.needle_gauge is None and f"syringes.{syringe.key}.needle_gauge" not in parts:
            raise ValueError(
                f"syringes entry {position} (key {syringe.key!r}): no needle_gauge, so list "
                f"'syringes.{syringe.key}.needle_gauge' as unconfirmed"
            )


def _resolve(entry: ProtocolEntry, part: str) -> object:
    """The value a part path names: a protocol field or ``syringes.<key>.<field>``."""
    if part in _PROTOCOL_PARTS:
        return getattr(entry, part)
    head, _, rest = part.partition(".")
    key, _, field = rest.partition(".")
    syringe = next((s for s in entry.syringes if s.key == key), None)
    if head != "syringes" or syringe is None or field not in _SYRINGE_PARTS:
        raise ValueError(
            f"unconfirmed: unknown part {part!r}; use one of {list(_PROTOCOL_PARTS)} "
            f"or 'syringes.<key>.<field>' with a field of {list(_SYRINGE_PARTS)}"
        )
    return getattr(syringe, field)


def _shown(value: object) -> str:
    if value is None:
        return "none given"
    if isinstance(value, tuple):
        return ", ".join(_shown(item) for item in value)
    if isinstance(value, SessionEntry):
        return f"day {value.offset_days}"
    return str(value)


# --- checks that need other knowledge -------------------------------------------------------


def _check_sites(entry: ProtocolEntry, sites: Mapping[str, InjectionSite]) -> None:
    for position, syringe in enumerate(entry.syringes, start=1):
        name = f"syringes entry {position} (key {syringe.key!r})"
        for code in syringe.site_codes:
            site = sites.get(code)
            if site is None:
                raise ValueError(f"{name}: unknown site code {code!r}")
            if site.default_approach != syringe.approach:
                raise ValueError(
                    f"{name}: site {code!r} is {site.default_approach}, "
                    f"but the syringe is {syringe.approach}"
                )


def _check_schedule(entry: ProtocolEntry, schedules: Iterable[str]) -> None:
    known = sorted(schedules)
    if entry.questionnaire_schedule not in known:
        raise ValueError(
            f"questionnaire_schedule {entry.questionnaire_schedule!r} is not one of {known}"
        )


# --- building the domain type ---------------------------------------------------------------


def _protocol(entry: ProtocolEntry) -> Protocol:
    return Protocol(
        code=entry.code,
        version=entry.version,
        title=entry.title,
        citation=Citation(reference=entry.citation.reference, urls=entry.citation.urls),
        conditions=entry.conditions,
        sessions=tuple(
            ProtocolSession(
                offset_days=s.offset_days,
                published_as=s.published_as,
                optional=s.optional,
                syringe_keys=s.syringes,
            )
            for s in entry.sessions
        ),
        syringes=tuple(_syringe(s) for s in entry.syringes),
        max_total_ea_volume_ml=entry.max_total_ea_volume_ml,
        questionnaire_schedule=entry.questionnaire_schedule,
        unconfirmed=tuple(
            UnconfirmedPart(
                part=item.part, value_used=_shown(_resolve(entry, item.part)), reason=item.reason
            )
            for item in entry.unconfirmed
        ),
        note=entry.note,
    )


def _syringe(entry: SyringeEntry) -> Syringe:
    return Syringe(
        key=entry.key,
        label=entry.label,
        site_codes=entry.site_codes,
        site_selection=entry.site_selection,
        points_per_site=entry.points_per_site,
        volume_ml=entry.volume_ml,
        volume_range_ml=entry.volume_range_ml,
        dextrose_pct=entry.dextrose_pct,
        lidocaine_pct=entry.lidocaine_pct,
        approach=entry.approach,
        guidance=entry.guidance,
        needle_gauge=entry.needle_gauge,
        preparation=entry.preparation,
        technique=entry.technique,
    )


# --- reading files --------------------------------------------------------------------------


def _describe(error: ValidationError, document: Mapping[str, Any]) -> str:
    """``syringes entry 2 (key 'ea'): dextrose_pct: ...`` from pydantic's locations."""
    problems = []
    for problem in error.errors(include_url=False):
        location = tuple(problem["loc"])
        message = problem["msg"].removeprefix("Value error, ")
        where = ".".join(str(part) for part in location)
        if len(location) >= 2 and isinstance(location[1], int):
            table, position = str(location[0]), location[1]
            raw = document.get(table)
            item = raw[position] if isinstance(raw, list) and position < len(raw) else {}
            named = f" (key {item['key']!r})" if isinstance(item, dict) and "key" in item else ""
            rest = ".".join(str(part) for part in location[2:])
            where = f"{table} entry {position + 1}{named}" + (f": {rest}" if rest else "")
        problems.append(f"{where}: {message}" if where else message)
    return "; ".join(problems)


def protocol_from_data(
    data: Mapping[str, Any],
    *,
    origin: str,
    sites: Mapping[str, InjectionSite] | None = None,
    schedules: Iterable[str] | None = None,
) -> Protocol:
    """Validate one protocol (a shipped file, or later a clinic's copy) into the domain type.

    `origin` names the file or record in errors; `sites` and `schedules` default to the
    shipped injection-site catalogue and questionnaire schedules.
    """
    try:
        entry = ProtocolEntry.model_validate(data)
        _check_sites(entry, injection_sites() if sites is None else sites)
        _check_schedule(entry, shipped_schedule_names() if schedules is None else schedules)
    except ValidationError as error:
        raise KnowledgeError(f"{origin}: {_describe(error, data)}") from error
    except ValueError as error:
        raise KnowledgeError(f"{origin}: {error}") from error
    return _protocol(entry)


def protocol_from_text(
    text: str,
    *,
    origin: str,
    sites: Mapping[str, InjectionSite] | None = None,
    schedules: Iterable[str] | None = None,
) -> Protocol:
    """Validate one protocol written as TOML text (a clinic's copy); see `protocol_from_data`."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise KnowledgeError(f"{origin}: not valid TOML: {error}") from error
    return protocol_from_data(document, origin=origin, sites=sites, schedules=schedules)


def shipped_protocol_text(code: str) -> str:
    """The TOML text of one shipped protocol; unknown codes raise `KnowledgeError`."""
    found = protocol(code)
    folder = files("prolotrack.knowledge").joinpath("protocols")
    return folder.joinpath(f"{found.code}.toml").read_text(encoding="utf-8")


def parse_protocol_file(
    path: Traversable,
    *,
    sites: Mapping[str, InjectionSite] | None = None,
    schedules: Iterable[str] | None = None,
) -> Protocol:
    """Read and validate one protocol file (see `protocol_from_data` for the keywords)."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise KnowledgeError(f"{path.name}: cannot read the file: {error}") from error
    return protocol_from_data(document, origin=path.name, sites=sites, schedules=schedules)


def parse_protocol_files(
    paths: Iterable[Traversable],
    *,
    sites: Mapping[str, InjectionSite] | None = None,
    schedules: Iterable[str] | None = None,
) -> Mapping[str, Protocol]:
    """Every protocol file, keyed by code, in the order of the file names."""
    protocols: dict[str, Protocol] = {}
    file_of: dict[str, str] = {}
    for path in sorted(paths, key=lambda p: p.name):
        protocol = parse_protocol_file(path, sites=sites, schedules=schedules)
        if protocol.code in protocols:
            raise KnowledgeError(
                f"{path.name}: code {protocol.code!r} is already defined in "
                f"{file_of[protocol.code]}"
            )
        protocols[protocol.code] = protocol
        file_of[protocol.code] = path.name
    return MappingProxyType(protocols)


def shipped_schedule_names() -> list[str]:
    """Names of the shipped questionnaire schedules (``schedules/<name>.toml``)."""
    folder = files("prolotrack.knowledge").joinpath("schedules")
    return sorted(
        p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml")
    )


@cache
def protocols() -> Mapping[str, Protocol]:
    """The shipped protocols (clinical.md §1), keyed by code."""
    folder = files("prolotrack.knowledge").joinpath("protocols")
    return parse_protocol_files(p for p in folder.iterdir() if p.name.endswith(".toml"))


def protocol(code: str) -> Protocol:
    """One shipped protocol by code ('rabago_2013'); unknown codes raise `KnowledgeError`."""
    found = protocols().get(code)
    if found is None:
        raise KnowledgeError(f"unknown protocol {code!r}; known: {', '.join(sorted(protocols()))}")
    return found
