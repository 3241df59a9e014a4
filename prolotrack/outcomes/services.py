"""Scheduling, answering and scoring questionnaires. Each write is atomic with its audit event."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from prolotrack.audit.services import audit_record
from prolotrack.clinics.access import CLINICAL_WRITE_ROLES, require_role
from prolotrack.core.actor import Actor
from prolotrack.core.errors import ApplicationError
from prolotrack.domain.instruments import InstrumentError, ScoreResult, score
from prolotrack.domain.schedule import Schedule, ScheduleError, check_schedule, plan_administrations
from prolotrack.knowledge.instruments import instrument_definitions
from prolotrack.knowledge.schedules import default_schedule, named_schedule, schedule_from_data
from prolotrack.outcomes.models import (
    Administration,
    AdministrationStatus,
    Channel,
    ClinicSchedule,
    Score,
)
from prolotrack.treatment.models import Course, CourseStatus, SessionStatus

Answer = int | float | None


def schedule_for_clinic(clinic_id: int) -> Schedule:
    """The clinic's own schedule when it has one, otherwise the default from knowledge/."""
    override = ClinicSchedule.objects.filter(clinic_id=clinic_id).first()
    if override is None:
        return default_schedule()
    return schedule_from_data(override.definition, origin=f"clinic {clinic_id} schedule")


def schedule_for_course(course: Course) -> Schedule:
    """A clinic's own schedule wins; else the one the course's protocol names; else the default."""
    if ClinicSchedule.objects.filter(clinic_id=course.clinic_id).exists():
        return schedule_for_clinic(course.clinic_id)
    if course.protocol_code:
        from prolotrack.knowledge.protocols import protocols

        protocol = protocols().get(course.protocol_code)
        if protocol is not None:
            return named_schedule(protocol.questionnaire_schedule)
    return default_schedule()


@transaction.atomic
def clinic_schedule_set(*, clinic_id: int, definition: dict[str, Any] | None) -> Schedule:
    """Give a clinic its own questionnaire schedule (None returns it to the default).

    The definition is validated like the shipped one, and every instrument it names must exist.
    Courses planned afterwards use it; existing administrations are not changed.
    """
    if definition is None:
        ClinicSchedule.objects.filter(clinic_id=clinic_id).delete()
        schedule = default_schedule()
    else:
        schedule = schedule_from_data(definition, origin="clinic schedule")
        knee_specific = {code: d.knee_specific for code, d in instrument_definitions().items()}
        try:
            check_schedule(schedule, knee_specific)
        except ScheduleError as error:
            raise ApplicationError(str(error)) from None
        ClinicSchedule.objects.update_or_create(
            clinic_id=clinic_id, defaults={"definition": definition}
        )
    audit_record(
        actor=None, action="schedule.set", clinic_id=clinic_id, detail={"version": schedule.version}
    )
    return schedule


def _session_days(course: Course) -> list[dt.date]:
    sessions = course.sessions.exclude(
        status__in=[SessionStatus.CANCELLED, SessionStatus.NO_SHOW]
    ).order_by("scheduled_at")
    return [session.scheduled_at.date() for session in sessions]


@transaction.atomic
def administrations_plan(*, actor: Actor | None, course: Course) -> list[Administration]:
    """Create the course's missing administrations from its clinic's schedule (idempotent)."""
    if actor is not None:
        require_role(actor.user, course.clinic_id, CLINICAL_WRITE_ROLES)
    schedule = schedule_for_course(course)
    definitions = instrument_definitions()
    knee_specific = {code: definition.knee_specific for code, definition in definitions.items()}
    planned = plan_administrations(
        schedule=schedule,
        session_dates=_session_days(course),
        side=course.side,
        knee_specific=knee_specific,
    )
    existing = {
        (row.time_point, row.instrument_code, row.side): row
        for row in Administration.objects.filter(course=course)
    }
    _move_unopened(existing, planned)
    created = Administration.objects.bulk_create(
        Administration(
            clinic_id=course.clinic_id,
            patient_id=course.patient_id,
            course=course,
            side=item.side or "",
            instrument_code=item.instrument,
            time_point=item.time_point,
            schedule_version=schedule.version,
            target_date=item.target_date,
            due_from=item.due_from,
            due_until=item.due_until,
        )
        for item in planned
        if (item.time_point, item.instrument, item.side or "") not in existing
    )
    if created:
        audit_record(
            actor=actor,
            action="administration.plan",
            clinic_id=course.clinic_id,
            patient_id=course.patient_id,
            target=course,
            detail={"created": len(created)},
        )
    administrations_refresh(today=timezone.localdate(), course_id=course.id)
    return created


def _move_unopened(
    existing: Mapping[tuple[str, str, str], Administration], planned: Iterable[Any]
) -> None:
    """When sessions move, questionnaires whose window has not opened move with them."""
    for item in planned:
        row = existing.get((item.time_point, item.instrument, item.side or ""))
        if row is None or row.status != AdministrationStatus.SCHEDULED:
            continue
        if (row.target_date, row.due_from, row.due_until) != (
            item.target_date,
            item.due_from,
            item.due_until,
        ):
            row.target_date, row.due_from, row.due_until = (
                item.target_date,
                item.due_from,
                item.due_until,
            )
            row.save(update_fields=["target_date", "due_from", "due_until", "updated_at"])


def administrations_refresh(*, today: dt.date, course_id: int | None = None) -> list[int]:
    """Open windows (scheduled -> due) and close them (due -> missed); return newly due ids.

    Administrations of a stopped course are cancelled.
    """
    open_rows = Administration.objects.filter(
        status__in=[AdministrationStatus.SCHEDULED, AdministrationStatus.DUE]
    )
    if course_id is not None:
        open_rows = open_rows.filter(course_id=course_id)
    with transaction.atomic():
        open_rows.filter(course__status=CourseStatus.STOPPED).update(
            status=AdministrationStatus.CANCELLED
        )
        open_rows.filter(due_until__lt=today).update(status=AdministrationStatus.MISSED)
        becoming_due = open_rows.filter(
            status=AdministrationStatus.SCHEDULED, due_from__lte=today, due_until__gte=today
        )
        newly_due = list(becoming_due.values_list("id", flat=True))
        Administration.objects.filter(id__in=newly_due).update(status=AdministrationStatus.DUE)
    return newly_due


def validate_answers(instrument_code: str, answers: Mapping[str, Any]) -> dict[str, Answer]:
    """Answers checked against the instrument's items; raises ApplicationError naming the item."""
    definition = instrument_definitions().get(instrument_code)
    if definition is None:
        raise ApplicationError(f"Unknown instrument {instrument_code}.")
    cleaned: dict[str, Answer] = {}
    for item_id, value in answers.items():
        cleaned[str(item_id)] = value
    try:
        score(definition, cleaned)
    except InstrumentError as error:
        raise ApplicationError(str(error)) from None
    return cleaned


def _require_open(administration: Administration) -> None:
    if administration.status != AdministrationStatus.DUE:
        state = administration.get_status_display().lower()
        raise ApplicationError(f"This questionnaire is {state}; it does not accept answers.")


def _lock_and_merge(
    actor: Actor | None, administration: Administration, answers: Mapping[str, Any]
) -> Administration:
    """Lock the row, check who may answer and that it is open, merge the validated answers.

    An answer of None clears that item, so a patient can take an answer back.
    """
    locked = Administration.objects.select_for_update(no_key=True).get(id=administration.id)
    _authorise(actor, locked)
    _require_open(locked)
    merged = {**locked.answers, **validate_answers(locked.instrument_code, answers)}
    locked.answers = {key: value for key, value in merged.items() if value is not None}
    return locked


@transaction.atomic
def answers_save(
    *,
    actor: Actor | None,
    administration: Administration,
    answers: Mapping[str, Any],
    channel: str,
    client_address: str = "",
) -> Administration:
    """Save partial answers (merged into what was saved before); the patient can resume."""
    locked = _lock_and_merge(actor, administration, answers)
    locked.channel = channel
    locked.started_at = locked.started_at or timezone.now()
    locked.version += 1
    locked.save()
    audit_record(
        actor=actor,
        action="administration.save",
        clinic_id=locked.clinic_id,
        patient_id=locked.patient_id,
        target=locked,
        channel=_channel(actor, channel),
        client_address=client_address if actor is None else None,
        detail={"answered": len(locked.answers)},
    )
    return locked


@transaction.atomic
def administration_complete(
    *,
    actor: Actor | None,
    administration: Administration,
    answers: Mapping[str, Any],
    channel: str,
    client_address: str = "",
) -> Administration:
    """Merge the final answers, score them and store the scores with the definition version."""
    locked = _lock_and_merge(actor, administration, answers)
    if not locked.answers:
        raise ApplicationError("Answer at least one question before submitting.")
    now = timezone.now()
    locked.status = AdministrationStatus.COMPLETED
    locked.channel = channel
    locked.started_at = locked.started_at or now
    locked.completed_at = now
    locked.completed_by = actor.user if actor is not None else None
    locked.version += 1
    result = _score(locked)
    locked.instrument_version = result.version
    locked.save()
    _store_scores(locked, result, computed_at=now)
    audit_record(
        actor=actor,
        action="administration.complete",
        clinic_id=locked.clinic_id,
        patient_id=locked.patient_id,
        target=locked,
        channel=_channel(actor, channel),
        client_address=client_address if actor is None else None,
    )
    _refresh_suggestions(locked.patient_id)
    return locked


def _refresh_suggestions(patient_id: int) -> None:
    """New scores: store what the next-step rules now propose for the patient's courses."""
    from prolotrack.assessment.refresh import suggestions_refresh_patient_id

    suggestions_refresh_patient_id(patient_id)


def _authorise(actor: Actor | None, administration: Administration) -> None:
    """Staff need a clinical write role; the home link (actor None) was checked by the portal."""
    if actor is not None:
        require_role(actor.user, administration.clinic_id, CLINICAL_WRITE_ROLES)


def _channel(actor: Actor | None, channel: str) -> str:
    return "portal" if actor is None and channel == Channel.HOME else channel


def _score(administration: Administration) -> ScoreResult:
    definition = instrument_definitions()[administration.instrument_code]
    return score(definition, administration.answers)


def _store_scores(
    administration: Administration, result: ScoreResult, *, computed_at: dt.datetime
) -> None:
    administration.scores.all().delete()
    Score.objects.bulk_create(
        Score(
            clinic_id=administration.clinic_id,
            administration=administration,
            patient_id=administration.patient_id,
            side=administration.side,
            instrument_code=administration.instrument_code,
            scale=scale,
            value=value,
            invalid_reason=result.invalid.get(scale, "")[:200],
            definition_version=result.version,
            computed_at=computed_at,
        )
        for scale, value in result.scores.items()
    )


def scores_recompute(*, instrument_code: str | None = None) -> int:
    """Re-score completed administrations whose stored version differs from the current one."""
    definitions = instrument_definitions()
    completed = Administration.objects.filter(status=AdministrationStatus.COMPLETED)
    if instrument_code is not None:
        if instrument_code not in definitions:
            raise ApplicationError(f"Unknown instrument {instrument_code}.")
        completed = completed.filter(instrument_code=instrument_code)
    changed = 0
    for administration in _stale(completed, definitions):
        with transaction.atomic():
            result = _score(administration)
            administration.instrument_version = result.version
            administration.save(update_fields=["instrument_version", "updated_at"])
            _store_scores(administration, result, computed_at=timezone.now())
            audit_record(
                actor=None,
                action="score.recompute",
                clinic_id=administration.clinic_id,
                patient_id=administration.patient_id,
                target=administration,
                detail={"version": result.version},
            )
            _refresh_suggestions(administration.patient_id)
            changed += 1
    return changed


def _stale(completed: Any, definitions: Mapping[str, Any]) -> Iterable[Administration]:
    for administration in completed.iterator():
        definition = definitions.get(administration.instrument_code)
        if definition is not None and administration.instrument_version != definition.version:
            yield administration
