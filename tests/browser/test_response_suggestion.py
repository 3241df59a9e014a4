"""Issue 5 acceptance: a demo non-responder's chart shows change, MCID and OMERACT-OARSI per
knee; after the second session the "review the plan" suggestion appears with its reason; the
clinician decides otherwise with a reason, and the decision is listed on the course.

The demo cohort's courses are finished, so the chosen course is trimmed back to the moment
after its second session: later sessions become scheduled again, the course is active again,
and questionnaires completed after the third session's date are cancelled (their scores
removed). The patient is chosen from the data with the domain functions (no score reached its
MCID and none got worse by it by then), not by a hard-coded id.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from prolotrack.assessment.models import Decision
from prolotrack.assessment.refresh import suggestions_refresh
from prolotrack.demo.services import demo_load, demo_password
from prolotrack.domain.thresholds import change_for
from prolotrack.knowledge.instruments import instrument_definitions
from prolotrack.knowledge.thresholds import default_thresholds
from prolotrack.outcomes.models import Administration, AdministrationStatus, Score
from prolotrack.safety.models import AdverseEvent
from prolotrack.treatment.models import Course, CourseStatus, Session, SessionStatus
from tests.browser.conftest import chromium_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ALTERNATIVE = "Continue to the third session as planned"
REASON = "Patient reports better sleep; reassess at the next questionnaire"


def cutoff_after_second_session(course: Course) -> tuple[Session, dt.datetime | None] | None:
    sessions = list(course.sessions.order_by("scheduled_at"))
    done = [s for s in sessions if s.status == SessionStatus.DONE]
    if len(done) < 2:
        return None
    later = [s for s in sessions if s.scheduled_at > done[1].scheduled_at]
    return done[1], later[0].scheduled_at if later else None


def verdicts_until(course: Course, cutoff: dt.datetime | None) -> list[tuple[bool, bool]]:
    """(reaches MCID, worse by the MCID) of every score with a threshold, baseline -> last."""
    thresholds, definitions = default_thresholds(), instrument_definitions()
    rows = Score.objects.filter(
        administration__course=course,
        administration__status=AdministrationStatus.COMPLETED,
        value__isnull=False,
    ).order_by("administration__target_date", "administration__completed_at")
    if cutoff is not None:
        rows = rows.filter(administration__completed_at__lt=cutoff)
    series: dict[tuple[str, str], list[float]] = {}
    for score in rows:
        assert score.value is not None
        series.setdefault((score.instrument_code, score.scale), []).append(score.value)
    verdicts = []
    for (code, key), values in series.items():
        threshold = thresholds.for_score(code, key)
        if threshold is None or key.endswith("_normalised") or len(values) < 2:
            continue
        top = definitions[code].score_range[1]
        better = change_for(threshold, values[0], values[-1], scale_max=top).reaches_mcid
        worse = change_for(threshold, values[-1], values[0], scale_max=top).reaches_mcid
        verdicts.append((bool(better), bool(worse)))
    return verdicts


def demo_non_responder() -> Course:
    """The first demo-a course that, after its second session, shows no important change."""
    for course in Course.objects.filter(clinic__slug="demo-a").order_by("id"):
        newer = Course.objects.filter(
            patient=course.patient, side=course.side, start_date__gt=course.start_date
        )
        serious = AdverseEvent.objects.filter(course=course, is_serious=True)
        point = cutoff_after_second_session(course)
        if newer.exists() or serious.exists() or point is None:
            continue
        second, cutoff = point
        after = Administration.objects.filter(
            course=course,
            status=AdministrationStatus.COMPLETED,
            completed_at__gt=second.scheduled_at,
        )
        if cutoff is not None:
            after = after.filter(completed_at__lt=cutoff)
        verdicts = verdicts_until(course, cutoff)
        if after.exists() and verdicts and not any(b or w for b, w in verdicts):
            return course
    raise AssertionError("the demo cohort has no non-responder after two sessions")


def trim_to_second_session(course: Course) -> None:
    point = cutoff_after_second_session(course)
    assert point is not None
    second, cutoff = point
    later = course.sessions.filter(scheduled_at__gt=second.scheduled_at)
    if cutoff is None:  # a two-session course: plan a third so the course is not complete
        Session.objects.create(
            clinic=course.clinic,
            course=course,
            scheduled_at=second.scheduled_at + dt.timedelta(weeks=4),
        )
    later.update(status=SessionStatus.SCHEDULED, performed_at=None, clinician=None)
    if cutoff is not None:
        gone = Administration.objects.filter(course=course, completed_at__gte=cutoff)
        Score.objects.filter(administration__in=gone).delete()
        gone.update(status=AdministrationStatus.CANCELLED)
    Course.objects.filter(pk=course.pk).update(status=CourseStatus.ACTIVE, stop_reason="")
    # The rows were changed behind the services' back: do what they do after a change.
    suggestions_refresh(patient=course.patient)


def sign_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", demo_password())
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))


def test_non_responder_gets_review_suggestion_and_the_decision_is_recorded(live_server):
    demo_load(patients=30, seed=42)
    course = demo_non_responder()
    trim_to_second_session(course)
    patient, side = course.patient, course.side
    with chromium_page() as page:
        page.set_default_timeout(45_000)  # the chart of a demo patient is slow on a busy machine
        sign_in(page, live_server.url, "demo-clinician")
        page.goto(f"{live_server.url}/patients/{patient.public_id}/")
        section = page.locator("section.knee-response", has=page.locator(f"#response-{side}-title"))
        heading = section.locator("h3").inner_text()
        assert f"{side.capitalize()} knee" in heading
        assert course.protocol_reference in heading
        # Change from baseline with the MCID and its source, per score.
        koos_pain = section.locator('tr[data-score="KOOS.pain"]')
        assert "≥ 10 points" in koos_pain.inner_text()
        assert "Paradowski" in koos_pain.inner_text()
        assert koos_pain.locator("td").nth(5).inner_text() == "No"  # MCID reached
        assert section.locator("tbody tr").count() >= 2
        # OMERACT-OARSI in plain words.
        omeract = section.locator(".omeract__words").inner_text()
        assert omeract.startswith("Not a responder yet")
        # The suggestion, with its reason and source.
        suggestion = section.locator('article[data-rule="review_plan_no_improvement"]')
        assert "Review the plan with the patient" in suggestion.inner_text()
        assert "After 2 sessions" in suggestion.locator(".suggestion__reason").inner_text()
        assert "clinical.md §6" in suggestion.locator(".suggestion__source").inner_text()
        # Decide otherwise, with the reason.
        suggestion.get_by_role("radio", name="Decide otherwise").check()
        suggestion.get_by_role("textbox", name=re.compile("^What you decided instead")).fill(
            ALTERNATIVE
        )
        suggestion.get_by_role("textbox", name=re.compile("^Reason")).fill(REASON)
        suggestion.get_by_role("button", name="Record decision").click()
        page.wait_for_url(re.compile(rf"/courses/{course.public_id}/$"))
        row = page.locator(".decisions-table tbody tr", has_text=ALTERNATIVE)
        assert row.count() == 1
        text = row.inner_text()
        assert REASON in text
        assert "Clinician (demo)" in text
        assert "Review the plan with the patient" in text
    decision = Decision.objects.select_related("suggestion", "clinician").get()
    assert decision.accepted is False
    assert decision.clinician.username == "demo-clinician"
    assert decision.suggestion.course_id == course.id
    assert decision.suggestion.rule_code == "review_plan_no_improvement"
