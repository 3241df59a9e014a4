"""Questionnaire schedules as data: knowledge/schedules/*.toml -> domain Schedule."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib.resources import files
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from prolotrack.domain.schedule import Schedule, TimePoint
from prolotrack.knowledge.catalogue import KnowledgeError


class _TimePoint(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    anchor: str
    offset_days: int
    days_before: int = Field(ge=0)
    days_after: int = Field(ge=0)
    instruments: list[str] = Field(min_length=1)


class _Schedule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str
    version: str
    source: str
    confirmed: bool
    note: str = ""
    time_points: list[_TimePoint] = Field(min_length=1)


def schedule_from_data(data: dict[str, Any], *, origin: str) -> Schedule:
    """Validate a schedule (from a file or a clinic's override) into the domain type."""
    try:
        parsed = _Schedule.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise KnowledgeError(f"{origin}: {where}: {first['msg']}") from None
    return Schedule(
        name=parsed.name,
        version=parsed.version,
        time_points=tuple(
            TimePoint(
                key=point.key,
                anchor=point.anchor,
                offset_days=point.offset_days,
                days_before=point.days_before,
                days_after=point.days_after,
                instruments=tuple(point.instruments),
            )
            for point in parsed.time_points
        ),
    )


@cache
def named_schedule(name: str) -> Schedule:
    """A shipped schedule, `schedules/<name>.toml` (a protocol names the one it uses)."""
    if not name.replace("_", "").isalnum():
        raise KnowledgeError(f"schedules/{name}.toml: not a schedule name")
    path = files("prolotrack.knowledge").joinpath(f"schedules/{name}.toml")
    if not path.is_file():
        raise KnowledgeError(f"schedules/{name}.toml: no such schedule")
    return schedule_from_data(tomllib.loads(path.read_text()), origin=f"schedules/{name}.toml")


def default_schedule() -> Schedule:
    return named_schedule("default")
