"""The chart's follow-up section: the followup selectors shaped for templates, with one small
SVG chart per examination measure and knee (session days marked)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from prolotrack.analytics.render import ScorePoint, ScoreSeries, score_chart_svg
from prolotrack.core.actor import Actor
from prolotrack.followup.models import EffusionGrade, Examination
from prolotrack.followup.selectors import FollowupChart, followup_chart
from prolotrack.patients.models import Patient
from prolotrack.treatment.models import Course
from prolotrack.web.presenters import SIDE_LABELS

CHART_SIZE_INCHES = (4.2, 2.6)  # small: several sit side by side
EFFUSION_ORDER = {grade.value: index for index, grade in enumerate(EffusionGrade)}


@dataclass(frozen=True)
class Measure:
    field: str
    title: str
    unit: str
    y_range: tuple[float, float]
    higher_is_better: bool


# One chart per measure; grades are drawn on their ordinal scale (effusion: none 0 ... 3+ 4), and
# only when some grade is above 0.
MEASURES = (
    Measure("flexion_degrees", "Flexion", "degrees", (0, 165), True),
    Measure(
        "extension_degrees", "Extension (positive = lacks extension)", "degrees", (-30, 90), False
    ),
    Measure("effusion_grade", "Effusion (0 none to 4 = 3+)", "grade", (0, 4), False),
    Measure("lachman_grade", "Lachman", "grade", (0, 3), False),
    Measure("valgus_stress_grade", "Valgus stress", "grade", (0, 3), False),
    Measure("varus_stress_grade", "Varus stress", "grade", (0, 3), False),
    Measure("chair_stand_count", "30-second chair stand", "rises", (0, 30), True),
    Measure("timed_up_and_go_seconds", "Timed up-and-go", "seconds", (0, 30), False),
)


@dataclass(frozen=True)
class MeasureChart:
    title: str
    svg: str


@dataclass(frozen=True)
class KneeExaminations:
    side: str
    knee: str
    examinations: list[Examination]
    charts: list[MeasureChart]


@dataclass(frozen=True)
class FollowupSection:
    data: FollowupChart
    knees: list[KneeExaminations]


def _value(exam: Examination, field: str) -> float | None:
    value = getattr(exam, field)
    if value is None or value == "":
        return None
    if field == "effusion_grade":
        return float(EFFUSION_ORDER[value])
    return float(value)


def _high(measure: Measure, values: list[float]) -> float:
    """The top of the y axis: the measure's usual top, raised if a value is above it."""
    return max(measure.y_range[1], *values) * (1.05 if max(values) > measure.y_range[1] else 1)


def measure_charts(
    exams: list[Examination], session_days: list[dt.date], knee: str
) -> list[MeasureChart]:
    charts = []
    for measure in MEASURES:
        points = tuple(
            ScorePoint(exam.examined_on, value)
            for exam in exams
            if (value := _value(exam, measure.field)) is not None
        )
        if not points or (measure.unit == "grade" and not any(p.value for p in points)):
            continue  # nothing recorded, or a grade that stayed at 0: the table says enough
        title = f"{measure.title}, {knee.lower()}"
        svg = score_chart_svg(
            title=title,
            series=[ScoreSeries(measure.title, points)],
            session_days=session_days,
            y_range=(measure.y_range[0], _high(measure, [p.value for p in points])),
            higher_is_better=measure.higher_is_better,
            y_label=measure.unit,
            size_inches=CHART_SIZE_INCHES,
        )
        charts.append(MeasureChart(title, svg))
    return charts


def followup_section(
    *, actor: Actor, patient: Patient, courses: list[Course], today: dt.date
) -> FollowupSection:
    data = followup_chart(actor=actor, patient=patient, courses=courses, today=today)
    knees = [
        KneeExaminations(
            side,
            SIDE_LABELS.get(side, side),
            exams,
            measure_charts(exams, data.session_days.get(side, []), SIDE_LABELS.get(side, side)),
        )
        for side, exams in data.examinations.items()
    ]
    return FollowupSection(data, knees)
