"""Small pure helpers that shape records for the chart templates."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prolotrack.patients.models import KneeCondition, MedicalHistory
    from prolotrack.treatment.models import Course, Session

SIDE_LABELS = {"right": "Right knee", "left": "Left knee"}


def history_summary(history: MedicalHistory) -> list[str]:
    """One short line per recorded fact of the history; an empty list when nothing is recorded."""
    lines: list[str] = []
    if history.on_anticoagulants:
        name = f" ({history.anticoagulant_name})" if history.anticoagulant_name else ""
        lines.append(f"On anticoagulants{name}")
    if history.bleeding_disorder:
        lines.append("Bleeding disorder")
    if history.diabetes:
        lines.append(_diabetes_line(history))
    if history.arthroplasty_right:
        lines.append("Right knee arthroplasty")
    if history.arthroplasty_left:
        lines.append("Left knee arthroplasty")
    if history.allergy_local_anaesthetic:
        lines.append("Allergy to local anaesthetic")
    if history.allergy_corn_dextrose:
        lines.append("Allergy to corn or dextrose")
    if history.other_allergies:
        lines.append(f"Other allergies: {history.other_allergies}")
    if history.pregnant:
        lines.append("Pregnant")
    if history.last_corticosteroid_injection_on:
        lines.append(
            f"Last corticosteroid injection {history.last_corticosteroid_injection_on:%Y-%m-%d}"
        )
    return lines


def _diabetes_line(history: MedicalHistory) -> str:
    if history.hba1c_pct is None:
        return "Diabetes"
    measured = f" on {history.hba1c_measured_on:%Y-%m-%d}" if history.hba1c_measured_on else ""
    return f"Diabetes, HbA1c {history.hba1c_pct} %{measured}"


def conditions_by_side(
    conditions: Iterable[KneeCondition], sides: Sequence[str]
) -> list[tuple[str, list[KneeCondition]]]:
    """(knee label, its conditions) for each of the patient's knees, in the patient's order."""
    grouped: dict[str, list[KneeCondition]] = {side: [] for side in sides}
    for condition in conditions:
        grouped.setdefault(condition.side, []).append(condition)
    return [(SIDE_LABELS.get(side, side), items) for side, items in grouped.items()]


def schedule_of(courses: Iterable[Course]) -> list[Session]:
    """Every session of the courses by scheduled time: the front desk's view of the chart."""
    sessions = [session for course in courses for session in course.sessions.all()]
    return sorted(sessions, key=lambda session: (session.scheduled_at, session.id))


# --- questionnaires ---

SCALE_LABELS = {
    "pain": "Pain",
    "symptoms": "Symptoms",
    "adl": "Daily living",
    "sport_rec": "Sport/recreation",
    "qol": "Quality of life",
    "stiffness": "Stiffness",
    "function": "Function",
    "total": "Total",
    "change": "Change",
    "improved": "Improved",
    "current": "Current",
    "before_injury": "Before injury",
}
NORMALISED_SUFFIX = "_normalised"


def time_point_label(key: str) -> str:
    """'baseline' -> 'Baseline', 'pre_session_2' -> 'Before session 2', 'month_3' -> 'Month 3'."""
    head, _, number = key.rpartition("_")
    if head == "pre_session" and number.isdigit():
        return f"Before session {number}"
    if head in ("week", "month") and number.isdigit():
        return f"{head.capitalize()} {number}"
    return key.replace("_", " ").capitalize()


def scale_label(key: str) -> str:
    """A score key as a column heading: 'sport_rec' -> 'Sport/recreation'."""
    if key.endswith(NORMALISED_SUFFIX):
        return f"{scale_label(key.removesuffix(NORMALISED_SUFFIX))} (0-100)"
    return SCALE_LABELS.get(key, key.replace("_", " ").capitalize())


def score_cell(value: float | None) -> str:
    """A score rounded to one decimal, or an em dash when there is none."""
    return "\N{EM DASH}" if value is None else f"{value:.1f}"


def recall_text(recall_period: str) -> str:
    """The recall period for the person answering, without our notes in parentheses."""
    return recall_period.split(" (", 1)[0].strip()
