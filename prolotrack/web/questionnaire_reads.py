"""Questionnaires on the chart and the dashboard: the outcomes selectors shaped for templates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db.models import Prefetch

from prolotrack.domain.instruments import InstrumentDefinition
from prolotrack.knowledge.instruments import instrument_definitions
from prolotrack.outcomes.models import AccessLink, Administration, AdministrationStatus
from prolotrack.outcomes.selectors import InstrumentPanel, administrations_of, score_panels
from prolotrack.patients.models import Patient
from prolotrack.web.presenters import SIDE_LABELS, scale_label, score_cell, time_point_label

UNCONFIRMED_NOTE = "unconfirmed scoring: see docs/instruments.md"


@dataclass(frozen=True)
class QuestionnaireRow:
    administration: Administration
    title: str
    time_point: str
    knee: str
    unconfirmed: bool
    invited_on: dt.date | None = None


@dataclass(frozen=True)
class DueGroup:
    """The due questionnaires of one course and time point: what one emailed link opens."""

    time_point: str
    knee: str
    due_until: dt.date
    rows: list[QuestionnaireRow]

    @property
    def first(self) -> Administration:
        return self.rows[0].administration


@dataclass(frozen=True)
class ScoreTableRow:
    day: dt.date
    time_point: str
    cells: list[str]


@dataclass(frozen=True)
class ScorePanel:
    title: str
    unconfirmed: bool
    headings: list[str]
    rows: list[ScoreTableRow]
    chart_svg: str


@dataclass(frozen=True)
class ChartQuestionnaires:
    due: list[DueGroup]
    upcoming: list[QuestionnaireRow]
    panels: list[ScorePanel]


def questionnaire_row(
    administration: Administration,
    definitions: Mapping[str, InstrumentDefinition],
    *,
    invited_on: dt.date | None = None,
) -> QuestionnaireRow:
    definition = definitions.get(administration.instrument_code)
    return QuestionnaireRow(
        administration=administration,
        title=definition.title if definition else administration.instrument_code,
        time_point=time_point_label(administration.time_point),
        knee=SIDE_LABELS.get(administration.side, "Patient"),
        unconfirmed=definition is not None and not definition.confirmed,
        invited_on=invited_on,
    )


def _last_invited(administration: Administration) -> dt.date | None:
    """When a link for it was last emailed (reads the prefetched links)."""
    invited = [link.invited_at for link in administration.links.all() if link.invited_at]
    return max(invited).date() if invited else None


def due_groups(rows: Iterable[QuestionnaireRow]) -> list[DueGroup]:
    """Due questionnaires grouped by course and time point, in the order given."""
    grouped: dict[tuple[int | None, str], list[QuestionnaireRow]] = {}
    for row in rows:
        key = (row.administration.course_id, row.administration.time_point)
        grouped.setdefault(key, []).append(row)
    return [
        DueGroup(
            time_point=members[0].time_point,
            knee=members[0].knee,
            due_until=min(member.administration.due_until for member in members),
            rows=members,
        )
        for members in grouped.values()
    ]


def score_panel(panel: InstrumentPanel) -> ScorePanel:
    return ScorePanel(
        title=panel.title,
        unconfirmed=panel.using_unconfirmed,
        headings=[scale_label(scale) for scale in panel.scales],
        rows=[
            ScoreTableRow(
                day=row.day,
                time_point=time_point_label(row.time_point),
                cells=[score_cell(row.values.get(scale)) for scale in panel.scales],
            )
            for row in panel.rows
        ],
        chart_svg=panel.chart_svg,
    )


def chart_questionnaires(*, patient: Patient) -> ChartQuestionnaires:
    """Due (with any link sent), upcoming, and scores over time; a fixed number of queries.

    The caller has passed `access_patient` with a clinical read role and audited the chart read.
    """
    definitions = instrument_definitions()
    open_rows = administrations_of(patient=patient).filter(
        status__in=[AdministrationStatus.DUE, AdministrationStatus.SCHEDULED]
    )
    rows = [
        questionnaire_row(administration, definitions, invited_on=_last_invited(administration))
        for administration in open_rows.prefetch_related(
            Prefetch("links", queryset=AccessLink.objects.order_by("id"))
        )
    ]
    return ChartQuestionnaires(
        due=due_groups(r for r in rows if r.administration.status == AdministrationStatus.DUE),
        upcoming=[r for r in rows if r.administration.status == AdministrationStatus.SCHEDULED],
        panels=[score_panel(panel) for panel in score_panels(patient=patient)],
    )
