"""Request and response bodies of the JSON API (pydantic, through django-ninja).

Request bodies forbid unknown fields: `clinic`, `clinic_id`, `patient_id`, `created_by`... in
a body are refused with 422, never applied (OWASP API3, security.md §6 item 4). `version` is
the version the client read; the server bumps it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from ninja import Schema
from pydantic import AfterValidator, ConfigDict, Field


def _storable(value: str) -> str:
    """Text both databases can store: no NUL (PostgreSQL refuses it), no lone surrogates."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    return value


Storable = AfterValidator(_storable)
Query = Annotated[str, Field(min_length=1, max_length=100), Storable]
Mrn = Annotated[str, Field(min_length=1, max_length=32), Storable]
Name = Annotated[str, Field(min_length=1, max_length=100), Storable]
Email = Annotated[str, Field(max_length=254), Storable]
Phone = Annotated[str, Field(max_length=32), Storable]
Term = Annotated[str, Field(min_length=1, max_length=40), Storable]
OtherTerm = Annotated[str, Field(max_length=200), Storable]
Notes = Annotated[str, Field(max_length=5000), Storable]


Sex = Literal["female", "male", "other", "unknown"]
Knees = Literal["right", "left", "both"]
Relatedness = Literal["not_related", "unlikely", "possible", "probable", "definite"]
EventOutcome = Literal["recovering", "recovered", "not_recovered", "fatal", "unknown"]
ActionTaken = Literal[
    "",
    "none",
    "advice",
    "medication",
    "session_deferred",
    "plan_changed",
    "course_stopped",
    "referred",
    "other",
]
Version = Annotated[int, Field(ge=1, le=2_147_483_647)]


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class PatientOut(Schema):
    id: uuid.UUID
    mrn: str
    given_name: str
    family_name: str
    date_of_birth: dt.date
    sex: str
    email: str
    phone: str
    knees: str
    version: int
    updated_at: dt.datetime


class PatientPage(Schema):
    items: list[PatientOut]
    page: int
    page_size: int
    total: int


class PatientSearch(Strict):
    query: Query
    page: Annotated[int, Field(ge=1, le=10_000)] = 1
    page_size: Annotated[int, Field(ge=1, le=100)] = 20


class PatientPatch(Strict):
    """The fields to change and the version they were read at. Absent fields stay as they
    are; `null` is refused for every field."""

    version: Version
    mrn: Mrn | None = None
    given_name: Name | None = None
    family_name: Name | None = None
    date_of_birth: dt.date | None = None
    sex: Sex | None = None
    email: Email | None = None
    phone: Phone | None = None
    knees: Knees | None = None


class AdverseEventOut(Schema):
    id: uuid.UUID
    patient_id: uuid.UUID
    course_id: uuid.UUID
    session_id: uuid.UUID | None
    term: str
    other_term: str
    onset_on: dt.date
    grade: int | None
    serious: bool
    serious_criteria: list[str]
    relatedness: str
    action_taken: str
    outcome: str
    resolved_on: dt.date | None
    reported_by_patient: bool
    confirmed: bool
    reviewed: bool
    notes: str
    version: int
    updated_at: dt.datetime


class AdverseEventPatch(Strict):
    """Follow-up of a confirmed event. `resolved_on` may be null (not resolved); other fields
    may be absent but not null."""

    version: Version
    term: Term | None = None
    other_term: OtherTerm | None = None
    onset_on: dt.date | None = None
    grade: Annotated[int, Field(ge=1, le=5)] | None = None
    criteria: list[Term] | None = Field(default=None, max_length=10)
    relatedness: Relatedness | None = None
    action_taken: ActionTaken | None = None
    outcome: EventOutcome | None = None
    resolved_on: dt.date | None = None
    notes: Notes | None = None


NULLABLE_EVENT_FIELDS = frozenset({"resolved_on"})


class ErrorItem(Schema):
    loc: list[str | int]
    msg: str
    type: str


class Error(Schema):
    detail: str | list[ErrorItem]


class PatientConflict(Schema):
    detail: str
    current: PatientOut


class AdverseEventConflict(Schema):
    detail: str
    current: AdverseEventOut
