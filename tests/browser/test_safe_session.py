"""Issue 4's acceptance in a real Chromium: a clinician plans a Rabago 2013 course, screening
blocks the first session until an override with a reason, injections are recorded by choosing
sites on the knee map while the lidocaine total updates in place, and a grade 2 post-injection
pain flare is recorded for that session.

Expected lidocaine (mg = mL x % x 10, clinical.md §2) from Rabago 2013's syringes
(knowledge/protocols/rabago_2013.toml, clinical.md §1a): intra-articular 6 mL of 0.5 % = 30 mg;
each extra-articular insertion 0.5 mL of 0.5 % = 2.5 mg.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.utils import timezone

from prolotrack.knowledge.screening import screening_rules
from prolotrack.safety.models import AdverseEvent, Screening
from prolotrack.treatment.models import Injection
from tests.browser.conftest import chromium_page
from tests.conftest import PASSWORD
from tests.safety.conftest import first_monday_before, weigh

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SITES_CLICKED = [
    ("Knee joint (intra-articular)", "30.00 mg"),
    ("MCL, femoral insertion", "32.50 mg"),
    ("Pes anserinus", "35.00 mg"),
]
OVERRIDE_REASON = "Infected patch is on the opposite side of the knee; dressing checked."


def sign_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))


def test_plan_screen_override_map_and_record_a_flare(live_server, clinician_a, patient_a):
    first_day = first_monday_before(timezone.localdate(), days=3)
    weigh(patient_a, clinician_a, first_day)  # 70 kg: the maximum is 300 mg (capped)
    rule_codes = [rule.code for rule in screening_rules().rules]
    with chromium_page() as page:
        from playwright.sync_api import expect

        base = live_server.url
        sign_in(page, base, clinician_a.username)

        # Plan the course from the protocol page.
        page.goto(f"{base}/patients/{patient_a.public_id}/courses/from-protocol/")
        page.select_option("#id_side", "right")
        page.select_option("#id_protocol_code", "rabago_2013")
        page.fill("#id_first_day", first_day.isoformat())
        page.get_by_role("button", name="Plan course").click()
        page.wait_for_url(re.compile(r"/courses/[0-9a-f-]+/$"))
        course_id = page.url.rstrip("/").rsplit("/", 1)[1]

        # Open the first session.
        page.locator('a[href^="/sessions/"]', has_text=first_day.isoformat()).first.click()
        page.wait_for_url(re.compile(r"/sessions/[0-9a-f-]+/$"))
        session_id = page.url.rstrip("/").rsplit("/", 1)[1]

        # An absolute contraindication blocks the session.
        for code in rule_codes:
            answer = "yes" if code == "skin_infection_at_site" else "no"
            page.check(f'input[name="answer_{code}"][value="{answer}"]')
        page.get_by_role("button", name="Save screening").click()
        page.wait_for_load_state()
        blockers = page.locator("#done-blockers")
        expect(blockers.locator("li", has_text=re.compile("screening", re.I))).to_have_count(1)
        expect(page.locator(".notice", has_text="Blocks the session")).to_be_visible()

        # A written override unblocks it.
        page.fill("#screening_override_reason", OVERRIDE_REASON)
        page.get_by_role("button", name="Override screening").click()
        page.wait_for_load_state()
        expect(blockers.locator("li", has_text=re.compile("screening", re.I))).to_have_count(0)
        expect(page.locator(".screening-result")).to_contain_text(OVERRIDE_REASON)

        # Record injections by choosing sites on the map: the lidocaine total updates in place.
        lidocaine = page.locator("#dose-panel .dose-lidocaine")
        expect(lidocaine).to_contain_text("0 mg")
        page.evaluate("window.stillTheSamePage = true")
        page.fill("#map-needle_gauge", "22")  # the protocol names no needle for the joint
        for index, (label, total) in enumerate(SITES_CLICKED):
            site = page.get_by_role("button", name=f"Add injection: {label}")
            if index == len(SITES_CLICKED) - 1:
                site.focus()  # the last one by keyboard
                page.keyboard.press("Enter")
            else:
                site.click()
            expect(lidocaine).to_contain_text(f"{total} of at most 300.00 mg")
            expect(page.locator(".map-status")).to_contain_text(f"Recorded: {label}")
            expect(page.locator("table.injections tbody tr")).to_have_count(index + 1)
            marker = page.get_by_role("button", name=f"Add injection: {label}")
            expect(marker).to_have_class(re.compile(r"map-site--now"))
            expect(marker).to_have_text("1")
        assert page.evaluate("window.stillTheSamePage") is True  # htmx swaps, no reload

        # The printable note shows the map read-only with the three sites.
        page.goto(f"{base}/sessions/{session_id}/note/")
        expect(page.locator(".map-mark--now")).to_have_count(3)
        expect(page.locator(".note-lidocaine")).to_contain_text("35.00 mg")
        expect(page.locator(".note-screening")).to_contain_text(OVERRIDE_REASON)

        # A grade 2 post-injection pain flare after that session.
        page.goto(f"{base}/patients/{patient_a.public_id}/adverse-events/new/")
        page.select_option("#id_course", course_id)
        page.select_option("#id_session", session_id)
        page.select_option("#id_term", "pain_flare")
        page.fill("#id_onset_after_hours", "8")
        page.check('input[name="grade"][value="2"]')
        page.check('input[name="relatedness"][value="probable"]')
        page.select_option("#id_outcome", "recovering")
        page.get_by_role("button", name="Record side effect").click()
        page.wait_for_url(re.compile(r"/adverse-events/[0-9a-f-]+/$"))
        expect(page.locator("main")).to_contain_text("Post-injection pain flare")
        expect(page.locator("main")).to_contain_text("2 · Moderate")

        page.goto(f"{base}/patients/{patient_a.public_id}/")
        side_effects = page.locator("section", has=page.locator("#side-effects-title"))
        expect(side_effects).to_contain_text("Post-injection pain flare")

    injections = Injection.objects.filter(session__public_id=session_id).order_by("id")
    assert [i.site_code for i in injections] == ["intra_articular", "mcl_femoral", "pes_anserinus"]
    assert [i.volume_ml for i in injections] == [Decimal("6.00"), Decimal("0.50"), Decimal("0.50")]
    assert [i.needle_gauge for i in injections] == [22, 27, 27]
    screening = Screening.objects.get(session__public_id=session_id)
    assert screening.blocked
    assert screening.override_reason == OVERRIDE_REASON
    event = AdverseEvent.objects.select_related("session").get()
    assert (event.term, event.grade) == ("pain_flare", 2)
    assert event.session is not None
    assert str(event.session.public_id) == session_id
