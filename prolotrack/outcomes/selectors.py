"""Reads of questionnaires and scores, scoped and audited like the rest of the chart."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import QuerySet

from prolotrack.analytics.render import ScorePoint, ScoreSeries, score_chart_svg
from prolotrack.clinics.access import CLINICAL_READ_ROLES, clinic_ids_for
from prolotrack.core.actor import Actor
from prolotrack.knowledge.instruments import instrument_definitions
from prolotrack.outcomes.models import Administration, AdministrationStatus, OutboxMessage, Score
from prolotrack.patients.models import Patient
from prolotrack.treatment.models import Session, SessionStatus


def administrations_of(*, patient: Patient) -> QuerySet[Administration]:
    """The patient's questionnaires; the caller has already passed `access_patient`."""
    return Administration.objects.filter(patient=patient).order_by(
        "target_date", "time_point", "instrument_code", "side"
    )


def due_now(*, actor: Actor, today: dt.date) -> QuerySet[Administration]:
    """Questionnaires open today in the clinics whose clinical records the user may read."""
    return (
        Administration.objects.filter(
            clinic_id__in=clinic_ids_for(actor.user, CLINICAL_READ_ROLES),
            status=AdministrationStatus.DUE,
            due_until__gte=today,
        )
        .select_related("patient")
        .order_by("due_until", "patient__family_name", "id")
    )


@dataclass(frozen=True)
class ScoreRow:
    day: dt.date
    time_point: str
    values: dict[str, float | None]


@dataclass(frozen=True)
class InstrumentPanel:
    """One instrument for one knee (or the patient): a table of scores and an SVG chart."""

    instrument: str
    title: str
    side: str
    scales: tuple[str, ...]
    rows: list[ScoreRow]
    chart_svg: str
    higher_is_better: bool
    using_unconfirmed: bool = field(default=False)


def score_panels(*, patient: Patient) -> list[InstrumentPanel]:
    """Scores over time per instrument and knee, with the knee's session days on the chart."""
    definitions = instrument_definitions()
    grouped: dict[tuple[str, str], dict[int, ScoreRow]] = defaultdict(dict)
    scores = (
        Score.objects.filter(patient=patient)
        .select_related("administration")
        .order_by("administration__completed_at", "administration_id")
    )
    for score in scores:
        administration = score.administration
        assert administration.completed_at is not None
        row = grouped[(score.instrument_code, score.side)].setdefault(
            administration.id,
            ScoreRow(administration.completed_at.date(), administration.time_point, {}),
        )
        row.values[score.scale] = score.value
    sessions = Session.objects.filter(course__patient=patient, status=SessionStatus.DONE)
    days_by_side: dict[str, list[dt.date]] = defaultdict(list)
    for session in sessions.select_related("course"):
        when = session.performed_at or session.scheduled_at
        days_by_side[session.course.side].append(when.date())
    panels = []
    for (code, side), rows_by_id in sorted(grouped.items()):
        definition = definitions.get(code)
        if definition is None:
            continue
        rows = list(rows_by_id.values())
        flags = {flag.key for flag in definition.flags}
        scales = _chart_scales(tuple(k for k in definition.score_keys if k not in flags), rows)
        title = f"{definition.title} — {side + ' knee' if side else 'patient'}"
        series = [
            ScoreSeries(
                scale,
                tuple(
                    ScorePoint(row.day, value, row.time_point)
                    for row in rows
                    if (value := row.values.get(scale)) is not None
                ),
            )
            for scale in scales
        ]
        low, high = definition.score_range
        panels.append(
            InstrumentPanel(
                instrument=code,
                title=title,
                side=side,
                scales=tuple(definition.score_keys),
                rows=rows,
                chart_svg=score_chart_svg(
                    title=title,
                    series=series,
                    session_days=sorted(days_by_side.get(side, [])),
                    y_range=(low, high),
                    higher_is_better=definition.score_direction == "higher_is_better",
                ),
                higher_is_better=definition.score_direction == "higher_is_better",
                using_unconfirmed=not definition.confirmed,
            )
        )
    return panels


def _chart_scales(keys: tuple[str, ...], rows: list[ScoreRow]) -> tuple[str, ...]:
    """Plot the main scales only (not normalised twins or yes/no flags)."""
    plotted = tuple(key for key in keys if not key.endswith("_normalised"))
    return tuple(key for key in plotted if any(row.values.get(key) is not None for row in rows))


def outbox_for(*, actor: Actor) -> QuerySet[OutboxMessage]:
    """Demo outbox messages of the demo clinics whose records the user may read."""
    return OutboxMessage.objects.filter(
        clinic_id__in=clinic_ids_for(actor.user, CLINICAL_READ_ROLES), clinic__is_demo=True
    )
