"""Is it working? Per knee: change from baseline against the MCID and PASS, the OMERACT-OARSI
status in plain words, and the next-step suggestions (issue 5, clinical.md §6 and Appendix B).

Contract (imported by the progress report): `ScoreResponse`, `OmeractStatus`, `KneeAssessment`
and `knee_assessments(actor=..., patient=...)`.

How the numbers are chosen, per knee:

- **Course**: the knee's most recent course (by start date); its questionnaires are used when it
  has completed ones, else every completed questionnaire of that knee.
- **Baseline / latest**: per instrument, the earliest and the most recent completed
  administration (by target date, then completion); both must exist and differ.
- **Scores shown**: those with an entry in the clinic's thresholds (``thresholds.toml`` or the
  clinic's override); WOMAC's ``_normalised`` twins are left out (same verdict as the raw sum).
- **OMERACT-OARSI** (0-100, worse-is-higher): pain = KOOS pain (100 - score), else WOMAC
  ``pain_normalised``, else the knee pain NRS x 10; function = KOOS ADL (100 - score; the ADL
  items are the WOMAC function items), else WOMAC ``function_normalised``. Patient global:
  prolotrack has no global status rating; PGIC rates change only and has no baseline, so the
  global domain is listed as missing and the rule runs on pain and function.
- **Worsening**: a score got worse by at least its MCID (the MCID applied to latest -> baseline).
- **Partial**: at least one MCID reached, but not every MCID, or not an OMERACT-OARSI responder.

The chart, the course page and the progress report all read through `knee_assessments`, which
writes nothing but its audit event: the services that change a patient's facts (a session
done, a questionnaire completed, an adverse event, new clinic thresholds or rules) call
`prolotrack.assessment.refresh.suggestions_refresh`, which stores any new suggestion
idempotently. Nothing is ever applied.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from django.db.models import Count, Prefetch

from prolotrack.assessment.models import Decision, Suggestion
from prolotrack.assessment.services import (
    Proposal,
    rules_for_clinic,
    suggestions_current,
    thresholds_for_clinic,
)
from prolotrack.audit.services import audit_record
from prolotrack.clinics.access import CLINICAL_READ_ROLES, require_role
from prolotrack.core.actor import Actor
from prolotrack.domain.instruments.definitions import InstrumentDefinition
from prolotrack.domain.response import Domains, ResponseError, omeract_oarsi
from prolotrack.domain.suggestions import CourseFacts, RuleSet, suggest
from prolotrack.domain.thresholds import ScoreThreshold, ThresholdSet, change_for
from prolotrack.knowledge.catalogue import KnowledgeError
from prolotrack.knowledge.instruments import instrument_definitions
from prolotrack.outcomes.models import Administration, AdministrationStatus, Score
from prolotrack.patients.models import Patient
from prolotrack.safety.models import AdverseEvent
from prolotrack.treatment.models import Course, CourseStatus, Session, SessionStatus

# --- the contract ---


@dataclass(frozen=True)
class ScoreResponse:
    """One score of one knee from baseline to the latest questionnaire."""

    instrument: str
    score: str
    label: str
    higher_is_better: bool
    baseline_on: dt.date
    baseline: float
    latest_on: dt.date
    latest: float
    improvement: float  # positive = better, in the score's points
    percent_improvement: float | None  # of the worse-is-higher baseline; None at its best
    mcid_text: str
    reaches_mcid: bool | None
    reaches_pass: bool | None
    source: str
    confirmed: bool


@dataclass(frozen=True)
class OmeractStatus:
    at: dt.date | None
    responder: bool | None
    high_improvement: bool | None
    moderate_two_of_three: bool | None
    plain_words: str
    missing: tuple[str, ...]


@dataclass(frozen=True)
class KneeAssessment:
    side: str
    course: Course | None
    responses: tuple[ScoreResponse, ...]
    omeract: OmeractStatus
    session_dates: tuple[dt.date, ...]
    suggestions: tuple[Suggestion, ...]
    thresholds_version: str


@dataclass(frozen=True)
class Evaluation:
    """The rules run on a patient's current facts: per knee, and what each course proposes."""

    knees: tuple[_Knee, ...]
    courses: tuple[Course, ...]
    rules: RuleSet
    thresholds: ThresholdSet

    @property
    def proposals(self) -> list[Proposal]:
        return [knee.proposal for knee in self.knees if knee.proposal is not None]


def patient_evaluation(patient: Patient) -> Evaluation:
    """Evaluate the clinic's thresholds and rules on the patient's stored facts (reads only)."""
    thresholds = thresholds_for_clinic(patient.clinic_id)
    rules = rules_for_clinic(patient.clinic_id)
    definitions = instrument_definitions()
    courses = _latest_course_by_side(patient)
    scores = _scores_by_side(patient)
    serious = _serious_events_by_course(list(courses.values()))
    found: list[tuple[str, Course | None, list[Score]]] = []
    for side in patient.sides:
        course = courses.get(side)
        side_scores = scores.get(side, [])
        if course is not None:
            of_course = [s for s in side_scores if s.administration.course_id == course.id]
            side_scores = of_course or side_scores
        if course is not None or side_scores:
            found.append((side, course, side_scores))
    knees = tuple(
        _assess(side, course, side_scores, thresholds, rules, definitions, serious)
        for side, course, side_scores in found
    )
    return Evaluation(knees, tuple(courses.values()), rules, thresholds)


def knee_assessments(*, actor: Actor, patient: Patient) -> list[KneeAssessment]:
    """One assessment per knee with a course or a completed questionnaire (audited as a read).

    Clinical readers only (front desk gets AccessDenied). Writes nothing but the audit event:
    the suggestions shown are the stored ones the current facts propose, each with its
    decision if any; the services that change the facts store them (`assessment.refresh`).
    """
    require_role(actor.user, patient.clinic_id, CLINICAL_READ_ROLES)
    evaluation = patient_evaluation(patient)
    stored = suggestions_current(
        courses=evaluation.courses,
        proposals=evaluation.proposals,
        rules_version=evaluation.rules.version,
        thresholds_version=evaluation.thresholds.version,
    )
    assessments = [
        KneeAssessment(
            side=knee.side,
            course=knee.course,
            responses=knee.responses,
            omeract=knee.omeract,
            session_dates=knee.session_dates,
            suggestions=tuple(stored.get(knee.course.id, ())) if knee.course else (),
            thresholds_version=evaluation.thresholds.version,
        )
        for knee in evaluation.knees
    ]
    audit_record(
        actor=actor,
        action="assessment.view",
        clinic_id=patient.clinic_id,
        patient_id=patient.id,
        target=patient,
        detail={"knees": len(assessments), "thresholds": evaluation.thresholds.version},
    )
    return assessments


def course_suggestions(*, course: Course) -> list[Suggestion]:
    """Every suggestion of a course with its decision, newest point first (the course page).

    The caller has passed `access_course`; `assessment.refresh` keeps the list up to date.
    """
    return list(
        Suggestion.objects.filter(course=course)
        .select_related("decision__clinician", "after_session", "after_administration")
        .order_by("-created_at", "priority", "-id")
    )


def course_decisions(*, course: Course) -> list[Decision]:
    return list(
        Decision.objects.filter(suggestion__course=course)
        .select_related("suggestion", "clinician")
        .order_by("-decided_at", "-id")
    )


# --- reading ---


def _latest_course_by_side(patient: Patient) -> dict[str, Course]:
    sessions = Session.objects.select_related("clinic").order_by("scheduled_at", "id")
    courses = Course.objects.filter(patient=patient).prefetch_related(
        Prefetch("sessions", queryset=sessions, to_attr="listed_sessions")
    )
    latest: dict[str, Course] = {}
    for course in courses.order_by("start_date", "id"):
        latest[course.side] = course
    return latest


def _serious_events_by_course(courses: list[Course]) -> dict[int, int]:
    counts = (
        AdverseEvent.objects.filter(course__in=[c.id for c in courses] or [0], is_serious=True)
        .values("course_id")
        .annotate(count=Count("id"))
    )
    return {row["course_id"]: row["count"] for row in counts}


def _scores_by_side(patient: Patient) -> dict[str, list[Score]]:
    rows = (
        Score.objects.filter(
            patient=patient,
            administration__status=AdministrationStatus.COMPLETED,
            value__isnull=False,
        )
        .select_related("administration")
        .order_by("administration__target_date", "administration__completed_at", "id")
    )
    by_side: dict[str, list[Score]] = defaultdict(list)
    for score in rows:
        by_side[score.side].append(score)
    return by_side


# --- per knee ---


@dataclass(frozen=True)
class _Point:
    administration: Administration
    on: dt.date
    value: float


def _series(scores: list[Score]) -> dict[tuple[str, str], list[_Point]]:
    series: dict[tuple[str, str], list[_Point]] = defaultdict(list)
    for score in scores:
        administration = score.administration
        assert score.value is not None
        when = administration.completed_at
        day = when.date() if when is not None else administration.target_date
        series[(score.instrument_code, score.scale)].append(
            _Point(administration, day, score.value)
        )
    return series


@dataclass(frozen=True)
class _Knee:
    side: str
    course: Course | None
    responses: tuple[ScoreResponse, ...]
    omeract: OmeractStatus
    session_dates: tuple[dt.date, ...]
    proposal: Proposal | None


def _assess(
    side: str,
    course: Course | None,
    scores: list[Score],
    thresholds: ThresholdSet,
    rules: RuleSet,
    definitions: Mapping[str, InstrumentDefinition],
    serious: dict[int, int],
) -> _Knee:
    series = _series(scores)
    responses: list[ScoreResponse] = []
    worsening: list[bool] = []
    for (code, key), points in series.items():
        threshold = thresholds.for_score(code, key)
        definition = definitions.get(code)
        if threshold is None or definition is None or key.endswith("_normalised"):
            continue
        if len(points) < 2 or points[0].administration.id == points[-1].administration.id:
            continue
        response, worse = _response(definition, threshold, points[0], points[-1])
        responses.append(response)
        worsening.append(worse)
    omeract = _omeract(series, thresholds)
    ordered = tuple(sorted(responses, key=lambda r: (r.instrument, _key_order(definitions, r))))
    if course is None:
        return _Knee(side, None, ordered, omeract, (), None)
    listed: list[Session] = getattr(course, "listed_sessions", [])
    done = sorted(
        (s for s in listed if s.status == SessionStatus.DONE),
        key=lambda s: (s.performed_at or s.scheduled_at, s.id),
    )
    facts = course_facts(
        course=course,
        done_sessions=len(done),
        pending_sessions=sum(1 for s in listed if s.status == SessionStatus.SCHEDULED),
        responses=responses,
        worsening=worsening,
        omeract=omeract,
        serious_adverse_events=serious.get(course.id, 0),
    )
    proposal = Proposal(
        course=course,
        steps=suggest(facts, rules),
        after_session=done[-1] if done else None,
        after_administration=_latest_administration(scores),
    )
    return _Knee(side, course, ordered, omeract, tuple(s.day for s in done), proposal)


def _key_order(definitions: Mapping[str, InstrumentDefinition], response: ScoreResponse) -> int:
    keys = definitions[response.instrument].score_keys
    return keys.index(response.score) if response.score in keys else len(keys)


def _latest_administration(scores: list[Score]) -> Administration | None:
    administrations = [score.administration for score in scores]
    if not administrations:
        return None
    return max(
        administrations,
        key=lambda a: (a.completed_at or dt.datetime.min.replace(tzinfo=dt.UTC), a.id),
    )


def mcid_text(threshold: ScoreThreshold) -> str:
    """The MCID in words: "≥ 10 points", "≥ 2 points or ≥ 30 %", "≥ 12 % of baseline"."""
    parts = []
    if threshold.mcid_points is not None:
        parts.append(f"≥ {threshold.mcid_points:g} points")
    if threshold.mcid_relative is not None:
        parts.append(f"≥ {threshold.mcid_relative * 100:g} % of baseline")
    if not parts:
        return "no MCID known"
    joiner = " and " if threshold.mcid_rule == "both" else " or "
    return joiner.join(parts)


def _response(
    definition: InstrumentDefinition,
    threshold: ScoreThreshold,
    first: _Point,
    last: _Point,
) -> tuple[ScoreResponse, bool]:
    _, high = definition.score_range
    result = change_for(threshold, first.value, last.value, scale_max=high)
    reverse = change_for(threshold, last.value, first.value, scale_max=high)
    worse = bool(reverse.reaches_mcid) and reverse.improved
    short = SHORT_NAMES.get(definition.code, definition.code)
    label = f"{short}: {_scale_label(definition, threshold.score)}"
    return (
        ScoreResponse(
            instrument=definition.code,
            score=threshold.score,
            label=label,
            higher_is_better=threshold.direction == "higher_is_better",
            baseline_on=first.on,
            baseline=first.value,
            latest_on=last.on,
            latest=last.value,
            improvement=result.absolute,
            percent_improvement=None if result.relative is None else result.relative * 100,
            mcid_text=mcid_text(threshold),
            reaches_mcid=result.reaches_mcid,
            reaches_pass=result.reaches_pass,
            source=threshold.source,
            confirmed=threshold.confirmed,
        ),
        worse,
    )


SHORT_NAMES = {
    "KOOS": "KOOS",
    "KNEE_PAIN_NRS": "Knee pain NRS",
    "WOMAC": "WOMAC",
    "VISA_P": "VISA-P",
    "LYSHOLM": "Lysholm",
}
SCALE_LABELS = {
    "adl": "daily living (ADL)",
    "sport_rec": "sport and recreation",
    "qol": "quality of life",
    "total": "total",
}


def _scale_label(definition: InstrumentDefinition, key: str) -> str:
    return SCALE_LABELS.get(key, key.replace("_", " "))


# --- OMERACT-OARSI ---

# (instrument, score key, how to put it on 0-100 worse-is-higher) in order of preference.
PAIN_SOURCES = (
    ("KOOS", "pain", "invert"),
    ("WOMAC", "pain_normalised", "as_is"),
    ("KNEE_PAIN_NRS", "pain", "times_ten"),
)
FUNCTION_SOURCES = (("KOOS", "adl", "invert"), ("WOMAC", "function_normalised", "as_is"))
SOURCE_NAMES = {
    ("KOOS", "pain"): "KOOS pain",
    ("WOMAC", "pain_normalised"): "WOMAC pain",
    ("KNEE_PAIN_NRS", "pain"): "knee pain NRS",
    ("KOOS", "adl"): "KOOS daily living (the WOMAC function items)",
    ("WOMAC", "function_normalised"): "WOMAC function",
}
GLOBAL_MISSING = (
    "patient global: no global status rating at baseline (the PGIC rates change only), "
    "so the rule uses pain and function"
)


def _to_worse_is_higher(value: float, how: str) -> float:
    if how == "invert":
        return 100.0 - value
    if how == "times_ten":
        return value * 10.0
    return value


def _domain_pair(
    series: dict[tuple[str, str], list[_Point]],
    sources: tuple[tuple[str, str, str], ...],
) -> tuple[float, float, dt.date, str] | None:
    for code, key, how in sources:
        points = series.get((code, key), [])
        if len(points) >= 2 and points[0].administration.id != points[-1].administration.id:
            return (
                _to_worse_is_higher(points[0].value, how),
                _to_worse_is_higher(points[-1].value, how),
                points[-1].on,
                SOURCE_NAMES[(code, key)],
            )
    return None


def _omeract(
    series: dict[tuple[str, str], list[_Point]], thresholds: ThresholdSet
) -> OmeractStatus:
    pain = _domain_pair(series, PAIN_SOURCES)
    function = _domain_pair(series, FUNCTION_SOURCES)
    missing: list[str] = []
    if pain is None:
        missing.append("pain: no KOOS, WOMAC or pain NRS at baseline and follow-up")
    if function is None:
        missing.append("function: no KOOS or WOMAC at baseline and follow-up")
    missing.append(GLOBAL_MISSING)
    if pain is None and function is None:
        return OmeractStatus(
            at=None,
            responder=None,
            high_improvement=None,
            moderate_two_of_three=None,
            plain_words="Not enough questionnaires yet to apply the OMERACT-OARSI responder rule.",
            missing=tuple(missing),
        )
    try:
        result = omeract_oarsi(
            Domains(pain=pain[0] if pain else None, function=function[0] if function else None),
            Domains(pain=pain[1] if pain else None, function=function[1] if function else None),
            orientation="higher_is_worse",
            thresholds=thresholds.omeract_oarsi,
        )
    except ResponseError as error:
        return OmeractStatus(None, None, None, None, f"Cannot apply the rule: {error}", ())
    for excluded in result.excluded:
        if excluded.domain != "global":
            missing.append(f"{excluded.domain}: {excluded.message}")
    if not result.domains:
        return OmeractStatus(
            at=None,
            responder=None,
            high_improvement=None,
            moderate_two_of_three=None,
            plain_words="The OMERACT-OARSI responder rule cannot be applied: no domain counts.",
            missing=tuple(missing),
        )
    at = max(pair[2] for pair in (pain, function) if pair is not None)
    used = ", ".join(pair[3] for pair in (pain, function) if pair is not None)
    return OmeractStatus(
        at=at,
        responder=result.responder,
        high_improvement=result.high_improvement,
        moderate_two_of_three=result.moderate_two_of_three,
        plain_words=_plain_words(result.responder, result.high_improvement, thresholds, used),
        missing=tuple(missing),
    )


def _plain_words(responder: bool, high: bool, thresholds: ThresholdSet, used: str) -> str:
    numbers = thresholds.omeract_oarsi
    if responder and high:
        words = (
            f"Responder: pain or function improved by at least {numbers.high_relative:.0%} "
            f"and {numbers.high_points:g} points."
        )
    elif responder:
        words = (
            f"Responder: at least {numbers.moderate_minimum_domains} domains improved by at "
            f"least {numbers.moderate_relative:.0%} and {numbers.moderate_points:g} points."
        )
    else:
        words = (
            "Not a responder yet: neither a large improvement in pain or function nor a "
            f"moderate one in {numbers.moderate_minimum_domains} domains."
        )
    words += f" Based on {used}."
    if not numbers.confirmed:
        words += " The rule's numbers are unconfirmed."
    return words


# --- facts for the suggestion rules ---


def course_facts(
    *,
    course: Course,
    done_sessions: int,
    pending_sessions: int,
    responses: list[ScoreResponse],
    worsening: list[bool],
    omeract: OmeractStatus,
    serious_adverse_events: int,
) -> CourseFacts:
    """The facts the suggestion rules look at, for one course now (no queries)."""
    verdicts = [r.reaches_mcid for r in responses if r.reaches_mcid is not None]
    has_followup = bool(responses)
    any_mcid = any(verdicts) if verdicts else None
    all_mcid = all(verdicts) if verdicts else None
    partial: bool | None = None
    if any_mcid is not None:
        full = bool(all_mcid) and omeract.responder is not False
        partial = any_mcid and not full
    required, optional = _protocol_sessions(course)
    if course.status == CourseStatus.COMPLETED:
        complete = True
    elif required is not None:
        complete = done_sessions >= required
    else:
        complete = done_sessions >= 1 and pending_sessions == 0
    has_optional = required is not None and optional > 0 and done_sessions < required + optional
    return CourseFacts(
        after_sessions=done_sessions,
        course_complete=complete,
        protocol_has_optional_sessions=has_optional,
        has_followup=has_followup,
        any_mcid=any_mcid,
        all_mcid=all_mcid,
        omeract_responder=omeract.responder,
        partial=partial,
        worsening=any(worsening) if has_followup else None,
        serious_adverse_event=serious_adverse_events > 0,
        serious_adverse_events=serious_adverse_events,
    )


def _protocol_sessions(course: Course) -> tuple[int | None, int]:
    """(required, optional) session counts of the course's protocol; (None, 0) without one."""
    if not course.protocol_code:
        return None, 0
    from prolotrack.knowledge.protocols import protocol

    try:
        found = protocol(course.protocol_code)
    except (KnowledgeError, KeyError, LookupError):
        return None, 0
    optional = sum(1 for session in found.sessions if session.optional)
    return len(found.sessions) - optional, optional


__all__ = [
    "KneeAssessment",
    "OmeractStatus",
    "ScoreResponse",
    "course_decisions",
    "course_facts",
    "course_suggestions",
    "knee_assessments",
    "mcid_text",
]
