"""The patient progress report: one page per knee, in plain words, for the patient to keep.

Per knee: the scores over time (an SVG chart with the smallest important change shaded and
the session days marked), what changed in words, the overall response (OMERACT-OARSI, from the
assessment app), pain medication then and now (from the follow-up app), side effects of that
knee's treatment, and the next steps (open suggestions and the clinician's decisions).

The chart and the score sentences are computed here from the stored scores and the response
thresholds (`knowledge/thresholds.toml`, clinical.md §6). The responder status and the
suggestions come from `prolotrack.assessment.selectors.knee_assessments`, the medication from
`prolotrack.followup.selectors.medication_change`; when either app is not installed the report
says that part is not available rather than guessing.

`progress_report` reads and writes one audit event (`report.view`, `report.pdf` or
`report.portal`) with the patient's id; the caller has already passed `access_patient` (or
opened the patient's own questionnaire link).
"""

from __future__ import annotations

import base64
import datetime as dt
import importlib
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from django.apps import apps
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.utils import timezone

from prolotrack.analytics.progress_chart import ProgressPanel, progress_chart_svg
from prolotrack.analytics.render import ScorePoint
from prolotrack.audit.services import audit_record
from prolotrack.core.actor import Actor
from prolotrack.domain.instruments import InstrumentDefinition
from prolotrack.domain.thresholds import ScoreThreshold, ThresholdSet, change_for
from prolotrack.knowledge.adverse_events import adverse_event_catalogue
from prolotrack.knowledge.instruments import instrument_definitions
from prolotrack.knowledge.thresholds import default_thresholds
from prolotrack.outcomes.models import Score
from prolotrack.patients.models import Patient
from prolotrack.safety.models import AdverseEvent, EventOutcome
from prolotrack.treatment.models import Course, Session, SessionStatus

logger = logging.getLogger(__name__)

Purpose = Literal["view", "pdf", "portal"]
SIDES = ("right", "left")
SIDE_HEADINGS = {"right": "Right knee", "left": "Left knee"}

# Our own plain names for the instruments and their scores (not questionnaire wording).
INSTRUMENT_NAMES = {
    "KOOS": "KOOS knee questionnaire",
    "KNEE_PAIN_NRS": "Knee pain score (0 to 10)",
    "PGIC": "Your overall rating of change (1 to 7)",
    "WOMAC": "WOMAC knee questionnaire",
    "VISA_P": "VISA-P knee questionnaire",
    "LYSHOLM": "Lysholm knee score",
    "TEGNER": "Tegner activity level",
}
SCORE_NAMES = {
    "pain": "Pain",
    "symptoms": "Other symptoms",
    "adl": "Daily activities",
    "sport_rec": "Sport and recreation",
    "qol": "Quality of life",
    "stiffness": "Stiffness",
    "function": "Function",
    "total": "Total",
    "global": "Overall change",
    "activity": "Activity level",
}
MCID_EXPLAINED = (
    "The shaded band on each chart starts at your first score and is as wide as the smallest "
    "change that most people notice in daily life (doctors call this the minimal clinically "
    "important difference). A score beyond the band is a change most people would notice."
)
OMERACT_EXPLAINED = (
    "The overall response uses a standard rule (OMERACT-OARSI) that looks at pain, function "
    "and your own rating of the change together."
)
NOT_AVAILABLE = "Not available in this report yet."


@dataclass(frozen=True)
class ScoreLine:
    """One score of one knee, in words."""

    name: str
    text: str
    noticeable: bool | None  # reached the smallest important change (None: not known)


@dataclass(frozen=True)
class SideEffectLine:
    term: str
    description: str
    onset_on: dt.date
    grade_words: str
    status_words: str
    reviewed: bool


@dataclass(frozen=True)
class NextStep:
    text: str
    reason: str
    decision_words: str


@dataclass(frozen=True)
class KneeReport:
    side: str
    heading: str
    chart_title: str
    chart_svg: str  # empty when no scores yet
    session_dates: tuple[dt.date, ...]
    score_lines: tuple[ScoreLine, ...]
    responder_words: str
    medication_summary: str
    medication_lines: tuple[str, ...]
    side_effects: tuple[SideEffectLine, ...]
    next_steps: tuple[NextStep, ...]
    thresholds_version: str

    @property
    def chart_data_uri(self) -> str:
        """The chart as a `data:` URI, for the PDF (WeasyPrint draws it as an image)."""
        encoded = base64.b64encode(self.chart_svg.encode("utf-8")).decode("ascii")
        return f"data:image/svg+xml;base64,{encoded}"


@dataclass(frozen=True)
class ProgressReport:
    patient_name: str
    date_of_birth: dt.date
    clinic_name: str
    made_on: dt.date
    knees: tuple[KneeReport, ...]
    mcid_explained: str = MCID_EXPLAINED
    omeract_explained: str = OMERACT_EXPLAINED
    sources: tuple[str, ...] = field(default=())


def progress_report(
    *,
    actor: Actor | None,
    patient: Patient,
    purpose: Purpose,
    side: str | None = None,
    client_address: str = "",
) -> ProgressReport:
    """The report for the patient's knees (or one knee), audited as `report.<purpose>`."""
    if side is not None and side not in SIDES:
        raise ValueError(f"unknown knee {side!r}")
    sides = _sides(patient, side)
    thresholds = _thresholds(patient.clinic_id)
    scores = _scores_by_side(patient)
    sessions = _session_days(patient)
    assessments = _assessments(actor, patient)
    knees = tuple(
        _knee(
            patient,
            knee,
            scores.get(knee, {}),
            sessions.get(knee, ()),
            thresholds,
            assessments.get(knee),
        )
        for knee in sides
    )
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=f"report.{purpose}",
            clinic_id=patient.clinic_id,
            patient_id=patient.id,
            target=patient,
            detail={"knees": list(sides)},
            channel="portal" if purpose == "portal" else None,
            client_address=client_address if actor is None else None,
        )
    return ProgressReport(
        patient_name=patient.full_name,
        date_of_birth=patient.date_of_birth,
        clinic_name=patient.clinic.name,
        made_on=timezone.localdate(),
        knees=knees,
        sources=(f"Thresholds: {thresholds.source} (version {thresholds.version})",),
    )


# --- gathering ---


def _sides(patient: Patient, side: str | None) -> tuple[str, ...]:
    """The knees of interest plus any knee with a course or scores; or just the one asked for."""
    if side is not None:
        return (side,)
    present = set(patient.sides)
    present |= set(patient.courses.values_list("side", flat=True))
    present |= set(Score.objects.filter(patient=patient).values_list("side", flat=True))
    return tuple(knee for knee in SIDES if knee in present)


ScoresOfKnee = dict[tuple[str, str], list[ScorePoint]]


def _scores_by_side(patient: Patient) -> dict[str, ScoresOfKnee]:
    """side -> (instrument, score) -> points in time order (completed questionnaires only)."""
    found: dict[str, ScoresOfKnee] = defaultdict(lambda: defaultdict(list))
    rows = (
        Score.objects.filter(patient=patient, value__isnull=False)
        .exclude(side="")
        .select_related("administration")
        .order_by("administration__completed_at", "administration_id")
    )
    for score in rows:
        completed = score.administration.completed_at
        if completed is None or score.value is None:
            continue
        point = ScorePoint(
            timezone.localdate(completed), score.value, score.administration.time_point
        )
        found[score.side][(score.instrument_code, score.scale)].append(point)
    return found


def _session_days(patient: Patient) -> dict[str, tuple[dt.date, ...]]:
    days: dict[str, list[dt.date]] = defaultdict(list)
    done = Session.objects.filter(course__patient=patient, status=SessionStatus.DONE)
    for session in done.select_related("course", "clinic").order_by("performed_at", "scheduled_at"):
        days[session.course.side].append(session.day)
    return {side: tuple(sorted(values)) for side, values in days.items()}


def _optional(app: str, name: str, module: str = "selectors") -> Callable[..., Any] | None:
    """`app.<module>.name` if that app is installed (see the module docstring), else None."""
    if not apps.is_installed(app):
        logger.info("progress report: %s is not installed", app)
        return None
    module = f"{app}.{module}"
    try:
        found = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        logger.info("progress report: %s.%s is not available", module, name)
        return None
    return found if callable(found) else None


def _thresholds(clinic_id: int) -> ThresholdSet:
    """The clinic's thresholds (the assessment app's override) or the shipped ones."""
    thresholds_for_clinic = _optional("prolotrack.assessment", "thresholds_for_clinic", "services")
    if thresholds_for_clinic is None:
        return default_thresholds()
    found = thresholds_for_clinic(clinic_id)
    return found if isinstance(found, ThresholdSet) else default_thresholds()


def _assessments(actor: Actor | None, patient: Patient) -> dict[str, Any]:
    """side -> the assessment app's `KneeAssessment` (clinic staff), or `PortalAssessment`.

    `knee_assessments` checks the staff member's role (and stores new suggestions); the
    patient's own page has no staff member, so it reads the suggestions already stored for
    each knee's latest course and leaves the responder status to the clinician.
    """
    if actor is not None:
        knee_assessments = _optional("prolotrack.assessment", "knee_assessments")
        if knee_assessments is None:
            return {}
        return {item.side: item for item in knee_assessments(actor=actor, patient=patient)}
    course_suggestions = _optional("prolotrack.assessment", "course_suggestions")
    if course_suggestions is None:
        return {}
    latest: dict[str, Course] = {}
    for course in Course.objects.filter(patient=patient).order_by("start_date", "id"):
        latest[course.side] = course
    return {
        side: PortalAssessment(side, tuple(course_suggestions(course=course)))
        for side, course in latest.items()
    }


@dataclass(frozen=True)
class PortalAssessment:
    """What the patient's own page knows of a knee's assessment: its stored suggestions."""

    side: str
    suggestions: tuple[Any, ...]


# --- one knee ---


def _knee(
    patient: Patient,
    side: str,
    scores: ScoresOfKnee,
    session_days: Sequence[dt.date],
    thresholds: ThresholdSet,
    assessment: Any,
) -> KneeReport:
    definitions = instrument_definitions()
    panels: list[ProgressPanel] = []
    lines: list[ScoreLine] = []
    for (code, scale), points in sorted(scores.items(), key=_instrument_order):
        definition = definitions.get(code)
        if definition is None or not _charted(definition, scale):
            continue
        threshold = thresholds.for_score(code, scale)
        name = f"{SCORE_NAMES.get(scale, scale)} ({_short_name(code)})"
        panels.append(_panel(name, points, definition, threshold))
        lines.append(_score_line(name, points, definition, threshold))
    heading = SIDE_HEADINGS[side]
    chart_title = f"{heading}: scores over time"
    chart = (
        progress_chart_svg(title=chart_title, key=side, panels=panels, session_days=session_days)
        if panels
        else ""
    )
    medication_summary, medication_lines = _medication(patient, side)
    return KneeReport(
        side=side,
        heading=heading,
        chart_title=chart_title,
        chart_svg=chart,
        session_dates=tuple(session_days),
        score_lines=tuple(lines),
        responder_words=_responder_words(assessment, lines),
        medication_summary=medication_summary,
        medication_lines=medication_lines,
        side_effects=_side_effects(patient, side),
        next_steps=_next_steps(assessment),
        thresholds_version=str(getattr(assessment, "thresholds_version", thresholds.version)),
    )


INSTRUMENT_ORDER = ("KNEE_PAIN_NRS", "KOOS", "WOMAC", "VISA_P", "LYSHOLM", "PGIC", "TEGNER")


def _instrument_order(item: tuple[tuple[str, str], list[ScorePoint]]) -> tuple[int, str, int]:
    (code, scale), _ = item
    rank = INSTRUMENT_ORDER.index(code) if code in INSTRUMENT_ORDER else len(INSTRUMENT_ORDER)
    definition = instrument_definitions().get(code)
    keys = definition.score_keys if definition is not None else ()
    return rank, code, keys.index(scale) if scale in keys else len(keys)


def _charted(definition: InstrumentDefinition, scale: str) -> bool:
    """Main scores only: not the normalised twins or yes/no flags."""
    flags = {flag.key for flag in definition.flags}
    return scale not in flags and not scale.endswith("_normalised")


def _short_name(code: str) -> str:
    return {"KNEE_PAIN_NRS": "0-10 scale", "PGIC": "1-7 scale"}.get(code, code.replace("_", "-"))


def _baseline(points: Sequence[ScorePoint]) -> ScorePoint:
    """The first score, preferring the one taken before treatment."""
    return next((point for point in points if point.label == "baseline"), points[0])


def _mcid_points(
    threshold: ScoreThreshold | None, baseline: float, definition: InstrumentDefinition
) -> float | None:
    """The smallest important change in score points from this baseline (None: not known)."""
    if threshold is None:
        return None
    low, high = definition.score_range
    oriented = high - baseline if threshold.direction == "higher_is_better" else baseline - low
    candidates = []
    if threshold.mcid_points is not None:
        candidates.append(threshold.mcid_points)
    if threshold.mcid_relative is not None and oriented > 0:
        candidates.append(threshold.mcid_relative * oriented)
    if not candidates:
        return None
    return max(candidates) if threshold.mcid_rule == "both" else min(candidates)


def _panel(
    name: str,
    points: Sequence[ScorePoint],
    definition: InstrumentDefinition,
    threshold: ScoreThreshold | None,
) -> ProgressPanel:
    higher_is_better = definition.score_direction == "higher_is_better"
    low, high = definition.score_range
    start = _baseline(points).value
    width = _mcid_points(threshold, start, definition)
    band = None
    if width is not None:
        end = min(high, start + width) if higher_is_better else max(low, start - width)
        band = (start, end)
    return ProgressPanel(name, tuple(points), (low, high), higher_is_better, band)


def _number(value: float) -> str:
    return f"{value:.0f}" if abs(value - round(value)) < 0.05 else f"{value:.1f}"


def _day(value: dt.date) -> str:
    return f"{value.day} {value:%b %Y}"


def _mcid_words(threshold: ScoreThreshold) -> str:
    parts = []
    if threshold.mcid_points is not None:
        parts.append(f"{_number(threshold.mcid_points)} points")
    if threshold.mcid_relative is not None:
        parts.append(f"{threshold.mcid_relative * 100:.0f} % of your first score")
    joiner = " and " if threshold.mcid_rule == "both" else " or "
    return joiner.join(parts)


def _score_line(
    name: str,
    points: Sequence[ScorePoint],
    definition: InstrumentDefinition,
    threshold: ScoreThreshold | None,
) -> ScoreLine:
    first = _baseline(points)
    latest = points[-1]
    rating = _rating_words(definition, latest)
    if rating:
        return ScoreLine(name, rating, None)
    if latest is first or latest.day <= first.day:
        text = (
            f"One score so far: {_number(first.value)} on {_day(first.day)}. "
            "The change will show after the next questionnaire."
        )
        return ScoreLine(name, text, None)
    opening = (
        f"{_number(first.value)} on {_day(first.day)}, "
        f"{_number(latest.value)} on {_day(latest.day)}: "
    )
    higher_is_better = definition.score_direction == "higher_is_better"
    difference = latest.value - first.value
    improvement = difference if higher_is_better else -difference
    if threshold is None or (threshold.mcid_points is None and threshold.mcid_relative is None):
        return ScoreLine(name, opening + _direction_words(improvement) + ".", None)
    result = change_for(threshold, first.value, latest.value, scale_max=definition.score_range[1])
    noticeable = bool(result.reaches_mcid)
    if result.improved:
        verdict = (
            "a change most people notice"
            if noticeable
            else "better, but less than the change most people notice"
        )
    elif abs(improvement) < 1e-9:
        verdict = "no change yet"
    else:
        verdict = "worse than at the start"
    text = (
        f"{opening}{_direction_words(improvement)}, {verdict} "
        f"(noticeable from {_mcid_words(threshold)})."
    )
    return ScoreLine(name, text, noticeable)


def _rating_words(definition: InstrumentDefinition, latest: ScorePoint) -> str:
    """A rating of change (PGIC) has no baseline: say the latest answer in its own words."""
    if definition.code != "PGIC" or len(definition.items) != 1:
        return ""
    options = {option.value: option.label for option in definition.items[0].scale.options}
    label = options.get(round(latest.value))
    if label is None:
        return ""
    low, high = definition.score_range
    return (
        f'On {_day(latest.day)} you rated the change in this knee as "{label}" '
        f"({_number(latest.value)} on a scale from {_number(low)} to {_number(high)}, "
        "lower is better)."
    )


def _direction_words(improvement: float) -> str:
    if abs(improvement) < 1e-9:
        return "the same"
    amount = _number(abs(improvement))
    unit = "point" if amount == "1" else "points"
    return f"{amount} {unit} {'better' if improvement > 0 else 'worse'}"


def _responder_words(assessment: Any, lines: Sequence[ScoreLine]) -> str:
    """The overall response in a sentence, then the assessment's own words for the rule."""
    omeract = getattr(assessment, "omeract", None)
    if omeract is None:
        return (
            _noticeable_words(lines)
            + " Your clinician will go through the overall response with you."
        )
    responder = getattr(omeract, "responder", None)
    details = str(getattr(omeract, "plain_words", "") or "")
    if responder is True:
        lead = "Yes: by the standard rule, this knee has responded to the treatment."
    elif responder is False:
        lead = "Not yet: by the standard rule, this knee has not responded to the treatment so far."
    else:
        lead = "It is too early to tell: more questionnaires are needed."
    return " ".join(part for part in (lead, details) if part)


def _noticeable_words(lines: Sequence[ScoreLine]) -> str:
    compared = [line for line in lines if line.noticeable is not None]
    if not compared:
        return "It is too early to tell: more questionnaires are needed."
    noticeable = sum(1 for line in compared if line.noticeable)
    return (
        f"{noticeable} of your {len(compared)} scores with a before and after "
        "changed by an amount most people notice."
    )


def _medication(patient: Patient, side: str) -> tuple[str, tuple[str, ...]]:
    medication_change = _optional("prolotrack.followup", "medication_change")
    if medication_change is None:
        return NOT_AVAILABLE, ()
    found = medication_change(patient=patient, side=side)
    if found is None:
        return "No pain medication has been recorded yet.", ()
    return str(found.summary), tuple(str(line) for line in found.lines)


def _side_effects(patient: Patient, side: str) -> tuple[SideEffectLine, ...]:
    catalogue = adverse_event_catalogue()
    events = AdverseEvent.objects.filter(patient=patient, course__side=side).order_by(
        "onset_on", "id"
    )
    lines = []
    for event in events:
        term = catalogue.terms.get(event.term)
        description = term.description if term is not None and event.term != "other" else ""
        grade = catalogue.grade(event.grade).label.lower() if event.grade else "severity not graded"
        lines.append(
            SideEffectLine(
                term=event.term_label,
                description=description,
                onset_on=event.onset_on,
                grade_words=grade,
                status_words=_status_words(event),
                reviewed=event.confirmed_at is not None or not event.reported_by_patient,
            )
        )
    return tuple(lines)


def _status_words(event: AdverseEvent) -> str:
    if event.resolved_on is not None:
        return f"settled on {_day(event.resolved_on)}"
    return {
        EventOutcome.RECOVERED: "settled",
        EventOutcome.RECOVERING: "getting better, not fully settled yet",
        EventOutcome.NOT_RECOVERED: "not settled yet",
        EventOutcome.FATAL: "fatal",
    }.get(EventOutcome(event.outcome), "not known yet whether it has settled")


def _next_steps(assessment: Any) -> tuple[NextStep, ...]:
    if assessment is None:
        return ()
    steps = []
    for suggestion in _iterable(getattr(assessment, "suggestions", ())):
        if getattr(suggestion, "superseded_at", None) is not None:
            continue
        decision = _decision_of(suggestion)
        if decision is None:
            words = "Not decided yet: your clinician will talk this through with you."
        elif getattr(decision, "accepted", False):
            words = "Your clinician agreed with this."
        else:
            alternative = str(getattr(decision, "alternative", "") or "")
            words = f"Your clinician decided instead: {alternative}".rstrip(": ")
        steps.append(
            NextStep(
                text=str(getattr(suggestion, "text", "")),
                reason=str(getattr(suggestion, "reason", "")),
                decision_words=words,
            )
        )
    return tuple(steps)


def _iterable(value: Any) -> Iterable[Any]:
    return value if isinstance(value, Iterable) else ()


def _decision_of(suggestion: Any) -> Any:
    """The suggestion's decision, or None (a reverse one-to-one raises when there is none)."""
    try:
        return getattr(suggestion, "decision", None)
    except ObjectDoesNotExist:
        return None
