"""The patient's post-session check-in from the questionnaire link (issue 4, item 5).

A patient ticks the problems they have had since their last injection; each becomes one
unconfirmed adverse event (reporter: the patient) on the link's course and its most recent
done session, for a clinician to grade and confirm. The choices and wording are data
(`knowledge/check_in.toml`); "how bad" is kept in the patient's words with a suggested grade,
never as the grade itself.

Which links may report: a genuine link that has not expired and is not revoked, also after its
questionnaires were submitted (a used link). The check-in is about the injection, not the
questionnaire, and side effects often start after the patient has answered; the link's expiry
(the end of its questionnaire window) bounds how long it stays open.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from prolotrack.core.errors import ApplicationError
from prolotrack.knowledge.check_in import CheckIn, check_in
from prolotrack.outcomes.models import AccessLink
from prolotrack.safety.events import adverse_event_report_by_patient, link_course
from prolotrack.safety.models import AdverseEvent
from prolotrack.treatment.models import Session, SessionStatus


@dataclass(frozen=True)
class CheckInTarget:
    """The session a check-in reports on and how many days ago it was (in the clinic's zone)."""

    session: Session
    days_since: int

    def onset_choices(self, wording: CheckIn) -> list[int]:
        return list(range(min(self.days_since, wording.max_onset_days) + 1))


def check_in_target(link: AccessLink) -> CheckInTarget | None:
    """The link's course's most recent done session; None when nothing was injected yet."""
    course = link_course(link)
    if course is None:
        return None
    session = (
        Session.objects.filter(course=course, status=SessionStatus.DONE)
        .select_related("clinic")
        .order_by("-performed_at", "-id")
        .first()
    )
    if session is None:
        return None
    # The earlier of the clinic's day and the server's: the model refuses an onset after the
    # server's local day, so no choice offered may be later than either.
    today = min(session.day_of(timezone.now()), timezone.localdate())
    return CheckInTarget(session=session, days_since=max((today - session.day).days, 0))


@dataclass(frozen=True)
class CheckInAnswers:
    problems: Sequence[str]
    days_after: int
    severity: str
    sought_care: str
    description: str = ""


def _checked(answers: CheckInAnswers, target: CheckInTarget, wording: CheckIn) -> str:
    """Refuse what the form cannot have sent; returns the patient's words, stripped."""
    known = {problem.code for problem in wording.problems}
    if not answers.problems:
        raise ApplicationError("Tick at least one problem.", field="problems")
    if set(answers.problems) - known or len(set(answers.problems)) != len(answers.problems):
        raise ApplicationError("Choose problems from the list.", field="problems")
    if answers.days_after not in target.onset_choices(wording):
        raise ApplicationError("Choose when it started from the list.", field="days_after")
    if answers.severity not in {severity.code for severity in wording.severities}:
        raise ApplicationError("Say how bad it is.", field="severity")
    if answers.sought_care not in {choice.code for choice in wording.sought_care}:
        raise ApplicationError(
            "Say whether you have seen anyone else about it.", field="sought_care"
        )
    text = answers.description.strip()
    if len(text) > wording.max_description_chars:
        raise ApplicationError(
            f"Keep it under {wording.max_description_chars} characters.", field="description"
        )
    needs_words = [wording.problem(code) for code in answers.problems]
    if not text and any(problem.needs_description for problem in needs_words):
        raise ApplicationError("Describe the other problem in a few words.", field="description")
    return text


def report_text(answers: CheckInAnswers, words: str, wording: CheckIn) -> str:
    """What staff read as the patient's report: the choices in words, then their own words."""
    severity = wording.severity(answers.severity)
    started = (
        "the day of the injection"
        if answers.days_after == 0
        else (
            f"{answers.days_after} day{'s' if answers.days_after != 1 else ''} after the injection"
        )
    )
    ticked = "; ".join(wording.problem(code).label for code in answers.problems)
    lines = [
        f"Problems ticked: {ticked}.",
        f"Started: {started}.",
        f"How bad: {severity.label} (suggested grade {severity.suggested_grade}; "
        "the clinician assigns the grade).",
        f"Seen anyone else about it: {wording.sought_care_label(answers.sought_care)}.",
    ]
    if words:
        lines.append(f"In their words: {words}")
    return "\n".join(lines)


@transaction.atomic
def check_in_report(
    *, link: AccessLink, answers: CheckInAnswers, client_address: str = ""
) -> list[AdverseEvent]:
    """One unconfirmed event per ticked problem, all or none (each audited as the portal)."""
    wording = check_in()
    target = check_in_target(link)
    if target is None:
        raise ApplicationError("There is no injection to report on yet; call the clinic instead.")
    words = _checked(answers, target, wording)
    text = report_text(answers, words, wording)
    onset_on = target.session.day + dt.timedelta(days=answers.days_after)
    return [
        adverse_event_report_by_patient(
            link=link,
            description=text,
            onset_on=onset_on,
            term=wording.problem(code).term,
            session=target.session,
            client_address=client_address,
        )
        for code in answers.problems
    ]
