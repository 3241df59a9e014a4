"""Questionnaire histories for the synthetic cohort (pure Python, stdlib only, no I/O).

Every number here is illustrative demo data, shaped after published trials so that the demo's
charts look like a real clinic's, but not evidence and not clinical advice. Sources
(/work/shared/reference/clinical.md):

- Scoring and structure, §5: KOOS items 0-4, subscale = 100 - mean x 25 (100 = no problems),
  scored when >= 50 % of its items are answered (2012 rule); NRS 0-10; PGIC 1-7, 1 = very much
  improved. Answers are generated item by item, so they go through the real scoring code.
- Size of the gain, §8a and Appendix A: Rabago 2013 (Ann Fam Med 11:229), dextrose arm, WOMAC
  composite gain 7.9 at week 5, 13.9 at week 9, 15.9 at week 24 and 15.3 at week 52 (SD of the
  week-52 change ~17); pain baselines ~65 on WOMAC's worse-is-higher scale. Sit 2020 (52-week
  WOMAC pain 10.3 points better than saline) and Dumais 2012 (WOMAC -21.8 +/- 12.5 of 96 after
  16 weeks, then almost flat) bound the same picture: most of the gain comes in the first
  3 months and then holds.
- Thresholds, §6: KOOS >= 10 points and NRS ~2 points (Farrar 2001) as clinically relevant,
  which is why the response classes below sit well above and around those lines.

The model, per knee: a latent KOOS profile. Knee OA baselines: pain ~ N(50, 12), symptoms and
ADL a little higher, sport/recreation (~25 lower) and quality of life (~15 lower) lower.
Tendinopathy, sprains, laxity and Osgood-Schlatter start higher (pain ~65, ADL ~80) but with a
low sport/recreation score. Each course draws a response class: responders 60 % (pain gain
N(18, 9) KOOS points), partial responders 12 % (N(8, 4)), non-responders 25 % (N(0, 6)) and
3 % who get worse (N(-12, 6)); other subscales gain in proportion. A repeat course adds half
a fresh draw. The gain builds as 1 - exp(-days / 40) (58 % at week 5, 88 % at week 12, as in
Rabago's curve), holds, and fades by 15 % between month 6 and month 24. Each occasion adds
day-to-day noise (SD ~3 shared, ~2 per subscale) before item answers are drawn around the
target item mean (triangular noise, SD 0.5 of a step): together about 5 KOOS points of
measurement noise.
NRS ~ (100 - KOOS pain) / 10 +/- 0.8; PGIC follows the pain change since the course's first
session (+/- 5 points of perception noise). About 3 % of KOOS items are skipped, and 1 % of
KOOS administrations skip enough of one subscale to make it unscorable. Any other instrument
a clinic schedule may list (WOMAC, VISA-P, Lysholm, Tegner) gets every item answered from the
knee's overall state (mean of KOOS pain and ADL) placed along the item's scale, +/- noise.

Timing: `plan_administrations` plans each course from its done and scheduled session days.
A window that opens after `today` is scheduled; one open today is due unless the patient
already answered on an earlier day of it; a closed one was completed or missed (5 % at
baseline, 8 % before sessions, 10-15 % at 6 weeks to 6 months, 22 % at 12 and 30 % at
24 months). A stopped course cancels what falls after its last attended visit. Answers come
early in the window (the day is window x u^2, u uniform: half in the first quarter), by
clinic 50 %, home 40 % or paper 10 %. All instruments of one occasion share its outcome, also
across both knees of a bilateral course, and an instrument that is not about one knee (side
None) is asked once per occasion, answered for the knee whose course first plans it.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from prolotrack.domain.schedule import (
    PlannedAdministration,
    Schedule,
    check_schedule,
    plan_administrations,
)

if TYPE_CHECKING:  # the definitions package imports numpy; the generator never needs it
    from prolotrack.domain.instruments.definitions import (
        InstrumentDefinition,
        ResponseScale,
    )
    from prolotrack.domain.synthetic import SyntheticCourse

SCHEDULED = "scheduled"
DUE = "due"
COMPLETED = "completed"
MISSED = "missed"
CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class SyntheticAdministration:
    time_point: str  # from the schedule: "baseline", "pre_session_2", "week_6", "month_3", ...
    instrument: str
    side: str | None  # None for an instrument that is not about one knee
    target_date: date
    due_from: date
    due_until: date
    status: str  # "scheduled" | "due" | "completed" | "missed" | "cancelled"
    channel: str  # "" unless completed: "clinic" | "paper" | "home"
    completed_at: datetime | None  # UTC, within the window, never after `today`
    answers: Mapping[str, int] = field(default_factory=dict)  # empty unless completed


@dataclass(frozen=True, slots=True)
class QuestionnairePlan:
    """What the synthetic patients are asked: a schedule and its instruments' definitions."""

    schedule: Schedule
    definitions: Mapping[str, InstrumentDefinition]

    def __post_init__(self) -> None:
        check_schedule(self.schedule, self.knee_specific())  # an unknown instrument fails here

    def knee_specific(self) -> dict[str, bool]:
        return {code: definition.knee_specific for code, definition in self.definitions.items()}


def default_questionnaire_plan() -> QuestionnairePlan:
    """The shipped default schedule with the shipped instrument definitions."""
    # Imported here: the loaders read TOML and pydantic, which the plain generator never needs.
    from prolotrack.knowledge.instruments import instrument_definitions
    from prolotrack.knowledge.schedules import default_schedule

    return QuestionnairePlan(schedule=default_schedule(), definitions=instrument_definitions())


def questionnaire_rng(*, seed: int, mrn_prefix: str, index: int) -> random.Random:
    """Separate from the patient's own generator, so asking questionnaires changes nothing else."""
    return random.Random(f"{seed}:{mrn_prefix}:{index}:questionnaires")


# --- The latent knee ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BaselineProfile:
    """KOOS pain ~ N(pain_mean, pain_sd); each other subscale = pain + N(offset, sd)."""

    pain_mean: float
    pain_sd: float
    offsets: Mapping[str, tuple[float, float]]


OA_BASELINE = BaselineProfile(
    50.0, 12.0, {"symptoms": (5, 8), "adl": (8, 8), "sport_rec": (-25, 12), "qol": (-15, 10)}
)
NON_OA_BASELINE = BaselineProfile(
    65.0, 12.0, {"symptoms": (8, 8), "adl": (15, 8), "sport_rec": (-30, 12), "qol": (-20, 10)}
)


@dataclass(frozen=True, slots=True)
class ResponseClass:
    name: str
    share: float
    pain_gain_mean: float  # KOOS pain points at the plateau
    pain_gain_sd: float


RESPONSE_CLASSES = (
    ResponseClass("responder", 0.60, 18.0, 9.0),
    ResponseClass("partial", 0.12, 8.0, 4.0),
    ResponseClass("non_responder", 0.25, 0.0, 6.0),
    ResponseClass("worse", 0.03, -12.0, 6.0),
)
RESPONSE_CUM_WEIGHTS = tuple(itertools.accumulate(r.share for r in RESPONSE_CLASSES))
SUBSCALE_GAIN_FACTORS = {"pain": 1.0, "symptoms": 0.9, "adl": 0.9, "sport_rec": 0.8, "qol": 1.0}
REPEAT_COURSE_GAIN_FACTOR = 0.5
GAIN_BUILD_DAYS = 40.0  # 1 - exp(-days / 40): 58 % at week 5, 88 % at week 12 (Rabago 2013)
FADE_BY_MONTH_24 = 0.15
FADE_FROM_DAYS, FADE_UNTIL_DAYS = 183, 730
OCCASION_SD, SUBSCALE_SD = 3.0, 2.0
# Item noise is triangular (difference of two uniforms, SD = width / sqrt(6) = 0.5 of a step):
# as good as a normal here and several times cheaper than random.gauss for 42 items.
ITEM_NOISE_WIDTH = 0.5 * math.sqrt(6)


def effect_fraction(days_since_start: int) -> float:
    """Share of a course's plateau gain reached `days_since_start` days after its first visit."""
    if days_since_start <= 0:
        return 0.0
    build = 1.0 - math.exp(-days_since_start / GAIN_BUILD_DAYS)
    faded = min(max(days_since_start - FADE_FROM_DAYS, 0) / (FADE_UNTIL_DAYS - FADE_FROM_DAYS), 1)
    return build * (1.0 - FADE_BY_MONTH_24 * faded)


@dataclass(slots=True)
class _Knee:
    baseline: dict[str, float]
    courses: list[tuple[date, dict[str, float]]]  # first visit, plateau gain per subscale

    def levels(self, day: date) -> dict[str, float]:
        """The latent KOOS profile on `day`."""
        levels = dict(self.baseline)
        for start, gains in self.courses:
            fraction = effect_fraction((day - start).days)
            if fraction:
                for key in levels:
                    levels[key] += gains[key] * fraction
        return {key: min(max(value, 0.0), 100.0) for key, value in levels.items()}


def _draw_knee(rng: random.Random, profile: BaselineProfile) -> _Knee:
    pain = _clip(rng.gauss(profile.pain_mean, profile.pain_sd), 5.0, 100.0)
    baseline = {"pain": pain}
    for key, (offset, sd) in profile.offsets.items():
        baseline[key] = _clip(pain + rng.gauss(offset, sd), 0.0, 100.0)
    return _Knee(baseline, [])


def _draw_gains(rng: random.Random, factor: float) -> dict[str, float]:
    response = rng.choices(RESPONSE_CLASSES, cum_weights=RESPONSE_CUM_WEIGHTS)[0]
    pain_gain = factor * rng.gauss(response.pain_gain_mean, response.pain_gain_sd)
    return {
        key: pain_gain * share + (rng.gauss(0.0, 4.0) if key != "pain" else 0.0)
        for key, share in SUBSCALE_GAIN_FACTORS.items()
    }


# --- Courses -> administrations ----------------------------------------------------------------


def with_administrations(
    courses: Sequence[SyntheticCourse],
    *,
    plan: QuestionnairePlan,
    rng: random.Random,
    osteoarthritis: bool,
    today: date,
) -> tuple[SyntheticCourse, ...]:
    """The courses again, each with its questionnaire administrations."""
    visit_days = [_visit_days(course) for course in courses]
    knees: dict[str, _Knee] = {}
    profile = OA_BASELINE if osteoarthritis else NON_OA_BASELINE
    for course, days in zip(courses, visit_days, strict=True):
        if course.side not in knees:
            knees[course.side] = _draw_knee(rng, profile)
        knee = knees[course.side]
        gains = _draw_gains(rng, REPEAT_COURSE_GAIN_FACTOR if knee.courses else 1.0)
        if days:
            knee.courses.append((days[0], gains))
    builder = _Builder(rng, plan, knees, today)
    return tuple(
        replace(course, administrations=builder.course(course, days))
        for course, days in zip(courses, visit_days, strict=True)
    )


def _visit_days(course: SyntheticCourse) -> list[date]:
    """Days of the sessions that took or will take place (not cancelled, not missed)."""
    return [
        session.scheduled_at.date()
        for session in course.sessions
        if session.status in {"done", "scheduled"}
    ]


def _stop_day(course: SyntheticCourse) -> date | None:
    """The last visit a stopped course kept (a stopped course always has a done one)."""
    if course.status != "stopped":
        return None
    kept = [s.scheduled_at.date() for s in course.sessions if s.status != "cancelled"]
    return kept[-1]


@dataclass(frozen=True, slots=True)
class _Outcome:
    status: str
    channel: str = ""
    completed_at: datetime | None = None


MISSED_SHARES = {
    "baseline": 0.05,
    "week_6": 0.10,
    "month_3": 0.12,
    "month_6": 0.15,
    "month_12": 0.22,
    "month_24": 0.30,
}
PRE_SESSION_MISSED_SHARE = 0.08
OTHER_MISSED_SHARE = 0.15
CHANNELS, CHANNEL_CUM_WEIGHTS = ("clinic", "home", "paper"), (0.5, 0.9, 1.0)
MINUTES_PER_INSTRUMENT = 2


def missed_share(item: PlannedAdministration) -> float:
    if item.time_point in MISSED_SHARES:
        return MISSED_SHARES[item.time_point]
    return PRE_SESSION_MISSED_SHARE if item.session_index else OTHER_MISSED_SHARE


class _Builder:
    """Draws occasions and answers for one patient; occasions are shared between courses."""

    def __init__(
        self, rng: random.Random, plan: QuestionnairePlan, knees: dict[str, _Knee], today: date
    ) -> None:
        self.rng, self.plan, self.knees, self.today = rng, plan, knees, today
        self.knee_specific = plan.knee_specific()
        self.outcomes: dict[tuple[str, date], _Outcome] = {}
        self.answered: dict[tuple[str, date], int] = {}  # instruments answered per occasion
        self.asked_once: set[tuple[str, str, date]] = set()

    def course(
        self, course: SyntheticCourse, days: list[date]
    ) -> tuple[SyntheticAdministration, ...]:
        planned = plan_administrations(
            schedule=self.plan.schedule,
            session_dates=days,
            side=course.side,
            knee_specific=self.knee_specific,
        )
        stop_day = _stop_day(course)
        knee = self.knees[course.side]
        observed: dict[str, dict[str, float]] = {}  # time point -> the knee as reported then
        return tuple(
            self._administration(item, stop_day, knee, days, observed)
            for item in planned
            if self._asked(item)
        )

    def _asked(self, item: PlannedAdministration) -> bool:
        """An instrument about the patient (side None) is asked once per occasion."""
        if item.side is None:
            once = (item.time_point, item.instrument, item.target_date)
            if once in self.asked_once:
                return False
            self.asked_once.add(once)
        return True

    def _administration(
        self,
        item: PlannedAdministration,
        stop_day: date | None,
        knee: _Knee,
        days: list[date],
        observed: dict[str, dict[str, float]],
    ) -> SyntheticAdministration:
        occasion = (item.time_point, item.target_date)
        if occasion not in self.outcomes:
            self.outcomes[occasion] = self._outcome(item, stop_day)
        outcome = self.outcomes[occasion]
        answers: dict[str, int] = {}
        completed_at = outcome.completed_at
        if completed_at is not None:
            if item.time_point not in observed:
                observed[item.time_point] = self._observe(knee, completed_at.date(), days[0])
            definition = self.plan.definitions[item.instrument]
            answers = self._answers(definition, observed[item.time_point])
            position = self.answered.get(occasion, 0)  # instruments of one sitting, in order
            self.answered[occasion] = position + 1
            completed_at += timedelta(minutes=MINUTES_PER_INSTRUMENT * position)
        return SyntheticAdministration(
            time_point=item.time_point,
            instrument=item.instrument,
            side=item.side,
            target_date=item.target_date,
            due_from=item.due_from,
            due_until=item.due_until,
            status=outcome.status,
            channel=outcome.channel,
            completed_at=completed_at,
            answers=answers,
        )

    def _outcome(self, item: PlannedAdministration, stop_day: date | None) -> _Outcome:
        rng, today = self.rng, self.today
        if stop_day is not None and item.target_date > stop_day:
            return _Outcome(CANCELLED)
        if item.due_from > today:
            return _Outcome(SCHEDULED)
        missed = rng.random() < missed_share(item)
        window_days = (item.due_until - item.due_from).days
        offset = min(int((window_days + 1) * rng.random() ** 2), window_days)
        day = item.due_from + timedelta(days=offset)
        if item.due_until < today:
            if missed:
                return _Outcome(MISSED)
        elif missed or day >= today:  # an open window: answered on an earlier day, or still due
            return _Outcome(DUE)
        channel = rng.choices(CHANNELS, cum_weights=CHANNEL_CUM_WEIGHTS)[0]
        hour = rng.randint(7, 21) if channel == "home" else rng.randint(8, 16)
        moment = datetime(day.year, day.month, day.day, hour, rng.randrange(0, 60, 5), tzinfo=UTC)
        return _Outcome(COMPLETED, channel, moment)

    def _observe(self, knee: _Knee, day: date, first_visit: date) -> dict[str, float]:
        """The knee as reported on `day`: latent level plus day-to-day noise."""
        shift = self.rng.gauss(0.0, OCCASION_SD)
        observed = {
            key: min(max(level + shift + self.rng.gauss(0.0, SUBSCALE_SD), 0.0), 100.0)
            for key, level in knee.levels(day).items()
        }
        observed["change"] = observed["pain"] - knee.levels(first_visit)["pain"]
        return observed

    def _answers(
        self, definition: InstrumentDefinition, observed: Mapping[str, float]
    ) -> dict[str, int]:
        if definition.scoring == "koos_2012":
            return _koos_answers(self.rng, definition, observed)
        if definition.code == "KNEE_PAIN_NRS":
            nrs = (100.0 - observed["pain"]) / 10.0 + self.rng.gauss(0.0, 0.8)
            return {item.id: _nearest(item.scale, nrs) for item in definition.items}
        if definition.code == "PGIC":
            position = pgic_position(observed["change"] + self.rng.gauss(0.0, 5.0))
            return {
                item.id: item.scale.values[min(position, len(item.scale.values) - 1)]
                for item in definition.items
            }
        return _generic_answers(self.rng, definition, observed)


# --- Item answers ------------------------------------------------------------------------------

ITEM_SKIP_SHARE = 0.03
SUBSCALE_SKIP_SHARE = 0.01  # of KOOS administrations: one subscale left too empty to score
PGIC_STEPS = (20.0, 10.0, 4.0, -4.0, -10.0, -20.0)  # KOOS pain change at each step down


def pgic_position(perceived_change: float) -> int:
    """0 = very much improved ... 3 = no change ... 6 = very much worse."""
    return next(
        (position for position, step in enumerate(PGIC_STEPS) if perceived_change >= step), 6
    )


def _koos_answers(
    rng: random.Random, definition: InstrumentDefinition, observed: Mapping[str, float]
) -> dict[str, int]:
    skipped = _skipped(rng, definition)
    items = definition.items_by_id
    answers = {}
    for subscale in definition.subscales:
        mean_step = (100.0 - observed.get(subscale.key, observed["pain"])) / 25.0
        for item_id in subscale.item_ids:
            if item_id not in skipped:
                value = mean_step + (rng.random() - rng.random()) * ITEM_NOISE_WIDTH
                scale = items[item_id].scale
                whole = math.floor(value + 0.5)  # the common case, inlined for speed
                answers[item_id] = whole if whole in scale.values else _nearest(scale, value)
    return answers


def _skipped(rng: random.Random, definition: InstrumentDefinition) -> set[str]:
    skipped = {item.id for item in definition.items if rng.random() < ITEM_SKIP_SHARE}
    if definition.subscales and rng.random() < SUBSCALE_SKIP_SHARE:
        subscale = rng.choice(definition.subscales)
        count = len(subscale.item_ids) - subscale.min_answered + 1
        skipped.update(rng.sample(subscale.item_ids, count))
    return skipped


def _generic_answers(
    rng: random.Random, definition: InstrumentDefinition, observed: Mapping[str, float]
) -> dict[str, int]:
    """Any other instrument: each item placed along its scale by the knee's overall state."""
    health = (observed["pain"] + observed["adl"]) / 200.0
    position = health if definition.score_direction == "higher_is_better" else 1.0 - health
    answers = {}
    for item in definition.items:
        values = item.scale.values
        index = math.floor(position * (len(values) - 1) + rng.gauss(0.0, 0.6) + 0.5)
        answers[item.id] = values[min(max(index, 0), len(values) - 1)]
    return answers


def _nearest(scale: ResponseScale, value: float) -> int:
    """The accepted answer nearest to `value` (rounded half up, clipped to the scale)."""
    whole = min(max(math.floor(value + 0.5), scale.minimum), scale.maximum)
    if not scale.options_only or whole in scale.values:
        return whole
    return min(scale.values, key=lambda option: abs(option - value))


def _clip(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)
