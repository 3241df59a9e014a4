"""The patients' home questionnaire (/q/<token>/): no login, no identifiers, one invalid page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from prolotrack.audit.models import AuditEvent
from prolotrack.outcomes.links import link_issue, link_open_items, link_token
from prolotrack.outcomes.models import AccessLink, Administration, Score
from prolotrack.portal.views import INVALID_TEXT
from tests.conftest import actor
from tests.web.conftest import plan_course_due_now, snapshot

KOOS_PAIN = [f"P{number}" for number in range(1, 10)]


@pytest.fixture
def link(patient_a, clinician_a) -> AccessLink:
    course = plan_course_due_now(patient_a, clinician_a, side="right")
    due = list(Administration.objects.filter(course=course, status="due"))
    assert {item.instrument_code for item in due} == {"KOOS", "KNEE_PAIN_NRS"}
    return link_issue(actor=actor(clinician_a), administrations=due)


def url(name: str, link: AccessLink) -> str:
    return reverse(name, kwargs={"token": link_token(link)})


def prefix(link: AccessLink, code: str) -> str:
    """The form prefix of one questionnaire of the link (its position among the link's)."""
    codes = [item.instrument_code for item in link_open_items(link)]
    return f"q{codes.index(code)}"


def answer(link: AccessLink, code: str, values: dict[str, int]) -> dict[str, str]:
    return {f"{prefix(link, code)}-item-{item}": str(value) for item, value in values.items()}


def administration(link: AccessLink, code: str) -> Administration:
    return link.administrations.get(instrument_code=code)


def is_checked(html: str, name: str, value: int) -> bool:
    found = re.search(rf'<input[^>]*name="{name}"[^>]*value="{value}"[^>]*>', html)
    assert found is not None, f"no radio {name}={value}"
    return "checked" in found.group(0)


def assert_invalid_page(response) -> None:
    assert response.status_code == 404
    assert response.templates[0].name == "portal/invalid.html"
    main = response.content.decode().split('<main id="main" class="portal-main">')[1]
    text = " ".join(re.sub(r"<[^>]+>", " ", main).split())
    assert text == f"Link not valid {INVALID_TEXT}"  # nothing else: no reason, no clinic
    assert_private(response)


def assert_private(response) -> None:
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "strict-origin"  # see portal.views


def test_a_valid_link_opens_without_login_and_shows_no_identifiers(client, link, patient_a):
    response = client.get(url("portal_link", link))
    html = response.content.decode()
    assert response.status_code == 200
    assert_private(response)
    assert "Clinic A" in html  # the clinic name and the knee are fine
    assert "right knee" in html
    assert "Knee injury and Osteoarthritis Outcome Score" in html
    assert "Knee pain numeric rating scale" in html
    for identifier in (
        patient_a.given_name,
        patient_a.family_name,
        patient_a.mrn,
        patient_a.email,
        patient_a.phone,
        str(patient_a.public_id),
        patient_a.date_of_birth.isoformat(),
        "1960",
    ):
        assert identifier not in html
    assert 'hx-post="' + url("portal_save", link) + '"' in html
    assert 'hx-trigger="change"' in html
    assert "csrfmiddlewaretoken" in html


def test_the_page_loads_only_our_own_files_and_urls_hold_only_the_token(client, link):
    html = client.get(url("portal_link", link)).content.decode()
    token = link_token(link)
    addresses = re.findall(r'(?:src|href|action|hx-post|formaction)="([^"]*)"', html)
    assert addresses
    for address in addresses:
        assert address.startswith(("/static/", "/q/", "#")), address
        if address.startswith("/q/"):
            assert re.fullmatch(rf"/q/{re.escape(token)}/(save/|submit/)?", address), address


def test_opening_is_audited_as_the_portal(client, link):
    client.get(url("portal_link", link), REMOTE_ADDR="203.0.113.9")
    event = AuditEvent.objects.filter(action="link.open").get()
    assert (event.channel, event.client_address, event.user) == ("portal", "203.0.113.9", None)


def test_partial_save_then_reload_shows_the_saved_answers(client, link):
    response = client.post(
        url("portal_save", link), answer(link, "KOOS", {"P1": 2, "S3": 4}), follow=True
    )
    html = response.content.decode()
    assert response.redirect_chain == [(url("portal_link", link), 302)]
    assert "Your answers are saved" in html
    koos = administration(link, "KOOS")
    assert koos.answers == {"P1": 2, "S3": 4}
    assert (koos.status, koos.channel) == ("due", "home")
    reloaded = client.get(url("portal_link", link)).content.decode()
    name = f"{prefix(link, 'KOOS')}-item-"
    assert is_checked(reloaded, name + "P1", 2)
    assert is_checked(reloaded, name + "S3", 4)
    assert not is_checked(reloaded, name + "P2", 2)


def test_htmx_autosave_returns_a_status_fragment(client, link):
    response = client.post(
        url("portal_save", link),
        answer(link, "KNEE_PAIN_NRS", {"pain": 6}),
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert_private(response)
    assert "Saved" in body
    assert "<html" not in body
    assert administration(link, "KNEE_PAIN_NRS").answers == {"pain": 6}


def test_an_unchanged_autosave_writes_nothing(client, link):
    data = answer(link, "KNEE_PAIN_NRS", {"pain": 6})
    client.post(url("portal_save", link), data, headers={"HX-Request": "true"})
    before = snapshot(), AuditEvent.objects.count()
    response = client.post(url("portal_save", link), data, headers={"HX-Request": "true"})
    assert "Saved" in response.content.decode()
    assert (snapshot(), AuditEvent.objects.count()) == before


def test_a_bad_value_is_refused_and_nothing_is_saved(client, link):
    before = snapshot()
    data = answer(link, "KOOS", {"P1": 9, "P2": 1})
    response = client.post(url("portal_save", link), data, headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert "Not saved" in response.content.decode()
    page = client.post(url("portal_save", link), data)
    assert page.status_code == 400
    assert "Please check your answers" in page.content.decode()
    assert snapshot() == before


def test_submit_completes_every_questionnaire_and_uses_the_link_up(client, link):
    client.post(url("portal_save", link), answer(link, "KOOS", {"P1": 1}))
    data = {
        **answer(link, "KOOS", dict.fromkeys(KOOS_PAIN[1:], 1)),
        **answer(link, "KNEE_PAIN_NRS", {"pain": 3}),
    }
    response = client.post(url("portal_submit", link), data, REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 302
    assert response["Location"] == url("portal_link_thanks", link)
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200
    assert "Thank you" in thanks.content.decode()
    assert_private(thanks)
    for item in link.administrations.all():
        assert (item.status, item.channel, item.completed_by) == ("completed", "home", None)
    koos_pain = Score.objects.get(administration=administration(link, "KOOS"), scale="pain")
    assert koos_pain.value == 75.0  # 100 - mean(1) x 25 (KOOS 2012)
    nrs = Score.objects.get(administration=administration(link, "KNEE_PAIN_NRS"), scale="pain")
    assert nrs.value == 3.0
    link.refresh_from_db()
    assert link.used_at is not None
    event = AuditEvent.objects.filter(action="administration.complete").first()
    assert event is not None
    assert (event.channel, event.client_address) == ("portal", "198.51.100.7")
    assert_invalid_page(client.get(url("portal_link", link)))


def test_submit_with_an_empty_questionnaire_completes_none(client, link):
    response = client.post(url("portal_submit", link), answer(link, "KOOS", {"P1": 1}))
    html = response.content.decode()
    assert response.status_code == 400
    assert "Answer at least one question before submitting." in html
    assert set(link.administrations.values_list("status", flat=True)) == {"due"}
    assert administration(link, "KOOS").answers == {"P1": 1}  # what was answered is kept
    link.refresh_from_db()
    assert link.used_at is None


@pytest.mark.parametrize("change", ["tampered", "expired", "revoked", "used", "unknown"])
def test_invalid_links_get_the_same_404_page(client, link, change):
    token = link_token(link)
    if change == "tampered":
        token = token[:-1] + ("A" if not token.endswith("A") else "B")
    elif change == "expired":
        AccessLink.objects.filter(id=link.id).update(
            expires_at=timezone.now() - dt.timedelta(minutes=1)
        )
    elif change == "revoked":
        AccessLink.objects.filter(id=link.id).update(revoked_at=timezone.now())
    elif change == "used":
        AccessLink.objects.filter(id=link.id).update(used_at=timezone.now())
    else:
        token = "not-a-token"
    before = snapshot()
    assert_invalid_page(client.get(reverse("portal_link", kwargs={"token": token})))
    data = answer(link, "KOOS", {"P1": 1})
    for name in ("portal_save", "portal_submit"):
        assert_invalid_page(client.post(reverse(name, kwargs={"token": token}), data))
    autosave = client.post(
        reverse("portal_save", kwargs={"token": token}), data, headers={"HX-Request": "true"}
    )
    assert autosave.status_code == 404
    assert INVALID_TEXT in autosave.content.decode()
    assert snapshot() == before


def test_a_link_whose_questionnaires_were_done_in_clinic_is_invalid(client, link, clinician_a):
    from prolotrack.outcomes.services import administration_complete

    for item in link.administrations.all():
        first = item.instrument_code == "KOOS"
        administration_complete(
            actor=actor(clinician_a),
            administration=item,
            answers={"P1": 1} if first else {"pain": 2},
            channel="clinic",
        )
    assert_invalid_page(client.get(url("portal_link", link)))


def test_posts_need_the_csrf_token(link):
    client = Client(enforce_csrf_checks=True)
    data = answer(link, "KOOS", {"P1": 1})
    assert client.post(url("portal_save", link), data).status_code == 403
    page = client.get(url("portal_link", link)).content.decode()
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert found is not None
    response = client.post(url("portal_save", link), {**data, "csrfmiddlewaretoken": found[1]})
    assert response.status_code == 302
    assert administration(link, "KOOS").answers == {"P1": 1}


def test_wrong_methods_are_refused_privately(client, link):
    response = client.get(url("portal_save", link))
    assert response.status_code == 405
    assert_private(response)
    assert client.post(url("portal_link", link)).status_code == 405


def test_the_portal_is_phone_sized_and_readable(client, link):
    """The layout rules the brief asks for: at most ~28rem wide, 18px text."""
    from django.contrib.staticfiles import finders

    html = client.get(url("portal_link", link)).content.decode()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    path = finders.find("web/portal.css")
    assert path is not None
    with open(path, encoding="utf-8") as css:
        rules = css.read()
    assert "max-width: 28rem" in rules
    assert "font-size: 1.125rem" in rules


@pytest.mark.parametrize("step", ["answers_save", "administration_complete"])
def test_a_double_tap_on_submit_still_thanks_the_patient(client, link, monkeypatch, step):
    """A second Submit request can read the questionnaires just before the first one completes
    them (seen in Chromium on a slow machine): it must not show the patient an error."""
    from prolotrack.outcomes.services import administration_complete
    from prolotrack.portal import views

    real = getattr(views, step)

    def overtaken(**kwargs):
        if kwargs["administration"].instrument_code == "KNEE_PAIN_NRS":
            administration_complete(**{**kwargs, "answers": {"pain": 3}})  # the first request
        return real(**kwargs)

    monkeypatch.setattr(views, step, overtaken)
    data = {
        **answer(link, "KOOS", {"P1": 1}),
        **answer(link, "KNEE_PAIN_NRS", {"pain": 3}),
    }
    response = client.post(url("portal_submit", link), data)
    assert response.status_code == 302
    assert response["Location"] == url("portal_link_thanks", link)
    assert set(link.administrations.values_list("status", flat=True)) == {"completed"}
