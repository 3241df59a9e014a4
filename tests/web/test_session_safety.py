"""The safety pages: a course planned from a protocol, and the session's screening checklist,
dose panel, overrides and the done gate, through the pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from prolotrack.knowledge.screening import screening_rules
from prolotrack.patients.services import history_update
from prolotrack.safety.models import DoseCheck, Screening
from prolotrack.treatment.models import Course, Deviation, Injection, Session
from prolotrack.treatment.services import injection_add
from tests.conftest import actor
from tests.safety.conftest import (
    RABAGO_IA,
    Documented,
    first_monday_before,
    first_session,
    rabago_course,
    weigh,
)
from tests.web.conftest import injection_data, local_input, logged_in, snapshot

SESSION_POSTS = [
    "session_screening",
    "session_screening_override",
    "session_dose",
    "session_dose_override",
]


@pytest.fixture
def documented(patient_a, clinician_a) -> Documented:
    """As tests/safety's rabago_a: a Rabago course's first session, scheduled, with the IA
    injection recorded and 70 kg weighed that day; not screened yet."""
    course = rabago_course(patient_a, clinician_a)
    session = first_session(course)
    weigh(patient_a, clinician_a, session.day)
    injection_add(actor=actor(clinician_a), session=session, **RABAGO_IA)
    session.refresh_from_db()
    return Documented(course, session, clinician_a)


def session_url(name: str, session: Session) -> str:
    return reverse(name, kwargs={"session_id": session.public_id})


def all_answers(value: str = "no", **changes: str) -> dict[str, str]:
    return {
        **{f"answer_{rule.code}": value for rule in screening_rules().rules},
        **{f"answer_{code}": answer for code, answer in changes.items()},
    }


def open_screening(client, session: Session) -> Screening:
    """Open the session page (which starts the screening) and return the screening."""
    assert client.get(session_url("session_detail", session)).status_code == 200
    return Screening.objects.get(session=session)


def screen(client, session: Session, **changes: str):
    screening = open_screening(client, session)
    return client.post(
        session_url("session_screening", session),
        {"version": screening.version, **all_answers(**changes)},
    )


def safety_state() -> dict[str, Any]:
    return {
        "Screening": sorted(Screening.objects.values_list("id", "version")),
        "DoseCheck": sorted(DoseCheck.objects.values_list("id", "version")),
        **snapshot(),
    }


def form_data(values: dict[str, Any]) -> dict[str, str]:
    return {name: str(value) for name, value in values.items()}


# --- Planning a course from a protocol ----------------------------------------------------


def test_plan_a_rabago_course_from_the_page(clinician_a, patient_a):
    client = logged_in(clinician_a)
    url = reverse("course_create_from_protocol", kwargs={"patient_id": patient_a.public_id})
    blank = client.get(url)
    form = blank.context["form"]
    for name in ("side", "protocol_code", "first_day", "include_optional"):
        assert f'name="{name}"' in blank.content.decode()
    groups = form.fields["protocol_code"].choices
    assert groups[1][0] == "Fits the patient's conditions"  # knee OA (M17.0) first
    assert "rabago_2013" in [code for code, _ in groups[1][1]]
    assert "topol_2011" in [code for code, _ in groups[2][1]]  # Osgood-Schlatter: the rest
    monday = first_monday_before(timezone.localdate() + dt.timedelta(days=14), days=0)
    response = client.post(
        url, {"side": "right", "protocol_code": "rabago_2013", "first_day": monday.isoformat()}
    )
    course = Course.objects.get(patient=patient_a)
    assert response.status_code == 302
    assert response["Location"] == reverse("course_detail", kwargs={"course_id": course.public_id})
    days = [s.day for s in course.sessions.order_by("scheduled_at")]
    assert days == [monday + dt.timedelta(days=offset) for offset in (0, 28, 56)]
    page = client.get(response["Location"]).content.decode()
    assert "Unconfirmed:" in page
    assert "value used" in page
    assert "Deviations from the protocol" in page


def test_plan_from_protocol_is_linked_from_the_chart(clinician_a, patient_a):
    chart = logged_in(clinician_a).get(
        reverse("patient_chart", kwargs={"patient_id": patient_a.public_id})
    )
    url = reverse("course_create_from_protocol", kwargs={"patient_id": patient_a.public_id})
    assert url in chart.content.decode()


def test_plan_from_protocol_without_a_protocol_is_a_field_error(clinician_a, patient_a):
    response = logged_in(clinician_a).post(
        reverse("course_create_from_protocol", kwargs={"patient_id": patient_a.public_id}),
        {"side": "right", "protocol_code": "", "first_day": "2030-01-07"},
    )
    assert response.status_code == 400
    assert "protocol_code" in response.context["form"].errors
    assert not Course.objects.exists()


def test_front_desk_cannot_plan_from_a_protocol(front_desk_a, patient_a):
    url = reverse("course_create_from_protocol", kwargs={"patient_id": patient_a.public_id})
    assert logged_in(front_desk_a).get(url).status_code == 403


# --- Access to the session's safety forms --------------------------------------------------


@pytest.mark.parametrize("name", SESSION_POSTS)
def test_other_clinic_gets_404_on_a_scheduled_session(documented: Documented, clinician_b, name):
    client = logged_in(clinician_b)
    before = safety_state()
    response = client.post(session_url(name, documented.session), {"reason": "x" * 20})
    assert response.status_code == 404
    assert safety_state() == before


@pytest.mark.parametrize("name", SESSION_POSTS)
def test_front_desk_gets_403_on_the_safety_forms(documented: Documented, front_desk_a, name):
    before = safety_state()
    response = logged_in(front_desk_a).post(session_url(name, documented.session), {})
    assert response.status_code == 403
    assert safety_state() == before


def test_each_safety_form_is_accepted_from_the_own_clinic(documented: Documented):
    """The counterpart of test_access's own-clinic test, on a scheduled session."""
    client = logged_in(documented.clinician)
    session = documented.session
    blocked = screen(client, session, skin_infection_at_site="yes")
    assert blocked.status_code == 302
    override = {"reason": "Infection is far from the injection sites."}
    assert (
        client.post(session_url("session_screening_override", session), override).status_code == 302
    )
    stock = client.post(session_url("session_dose", session), {"lidocaine_stock_pct": "2"})
    assert stock.status_code == 302
    weigh(documented.course.patient, documented.clinician, session.day, kg="5.0")
    client.get(session_url("session_detail", session))  # nothing stored changes on a read
    assert client.post(session_url("session_dose_override", session), override).status_code == 302


# --- Screening -----------------------------------------------------------------------------


def test_the_session_page_starts_the_screening_prefilled(documented: Documented, patient_a):
    history_update(
        actor=actor(documented.clinician),
        patient=patient_a,
        expected_version=patient_a.history.version,
        on_anticoagulants=True,
    )
    client = logged_in(documented.clinician)
    screening = open_screening(client, documented.session)
    assert screening.answers["anticoagulants"] is True
    html = client.get(session_url("session_detail", documented.session)).content.decode()
    assert screening_rules().rule("anticoagulants").question in html
    assert "Absolute" in html  # severity badges
    assert "Relative" in html


def test_the_screening_form_saves_answers(documented: Documented):
    client = logged_in(documented.clinician)
    response = screen(client, documented.session)
    assert response.status_code == 302
    screening = Screening.objects.get(session=documented.session)
    assert set(screening.answers.values()) == {False}
    assert screening.completed_at is not None
    assert not screening.unanswered
    html = client.get(response["Location"]).content.decode()
    assert "Clear" in html


def test_an_unanswered_question_is_shown(documented: Documented):
    client = logged_in(documented.clinician)
    screen(client, documented.session, pregnancy="")
    screening = Screening.objects.get(session=documented.session)
    assert screening.unanswered == ["pregnancy"]
    html = client.get(session_url("session_detail", documented.session)).content.decode()
    assert "1 unanswered" in html
    assert "Answer every screening question (1 still open)." in html


def test_a_stale_screening_form_is_a_conflict(documented: Documented):
    client = logged_in(documented.clinician)
    screening = open_screening(client, documented.session)
    url = session_url("session_screening", documented.session)
    assert client.post(url, {"version": screening.version, **all_answers()}).status_code == 302
    again = client.post(url, {"version": screening.version, **all_answers("yes")})
    assert again.status_code == 409
    assert Screening.objects.get(session=documented.session).blocked is False


def test_a_blocked_screening_offers_the_override_to_a_clinician_only(
    documented: Documented, nurse_a
):
    clinician = logged_in(documented.clinician)
    assert screen(clinician, documented.session, skin_infection_at_site="yes").status_code == 302
    page = clinician.get(session_url("session_detail", documented.session)).content.decode()
    assert "Blocked" in page
    assert 'id="screening-override"' in page
    assert page.count('id="screening_override_reason"') == 1  # its own id, not the dose form's
    nurse_page = logged_in(nurse_a).get(session_url("session_detail", documented.session))
    assert 'id="screening-override"' not in nurse_page.content.decode()
    refused = logged_in(nurse_a).post(
        session_url("session_screening_override", documented.session),
        {"reason": "Nurse tries to override this."},
    )
    assert refused.status_code == 403
    assert not Screening.objects.get(session=documented.session).is_overridden


def test_override_needs_a_reason_and_unblocks(documented: Documented):
    client = logged_in(documented.clinician)
    screen(client, documented.session, skin_infection_at_site="yes")
    url = session_url("session_screening_override", documented.session)
    short = client.post(url, {"reason": "ok"})
    assert short.status_code == 400
    assert "reason" in short.context["screening_override_form"].errors
    done = client.post(url, {"reason": "Small healed scratch, far from every site."})
    assert done.status_code == 302
    screening = Screening.objects.get(session=documented.session)
    assert screening.is_overridden
    html = client.get(session_url("session_detail", documented.session)).content.decode()
    assert "Overridden" in html
    assert "Small healed scratch" in html
    assert "The screening blocks this session" not in html
    assert 'id="screening-override"' not in html


# --- Dose panel ------------------------------------------------------------------------------


def test_changing_the_stock_updates_the_totals(documented: Documented):
    client = logged_in(documented.clinician)
    before = client.get(session_url("session_detail", documented.session)).content.decode()
    assert "30.00 mg of at most 300.00 mg" in before  # 6 mL of 0.5 %, 70 kg, plain
    response = client.post(
        session_url("session_dose", documented.session),
        {"lidocaine_stock_pct": "2", "epinephrine": "on"},
    )
    assert response.status_code == 302
    check = DoseCheck.objects.get(session=documented.session)
    assert (check.lidocaine_stock_pct, check.epinephrine) == (2, True)
    assert check.max_lidocaine_mg == Decimal("490.00")  # 7 mg/kg x 70 kg
    after = client.get(session_url("session_detail", documented.session)).content.decode()
    assert "30.00 mg of at most 490.00 mg" in after
    assert "1.500 g" in after  # dextrose: 6 mL x 25 %


def test_a_bad_stock_is_a_field_error(documented: Documented):
    response = logged_in(documented.clinician).post(
        session_url("session_dose", documented.session), {"lidocaine_stock_pct": "5"}
    )
    assert response.status_code == 400
    assert "lidocaine_stock_pct" in response.context["dose_form"].errors


def test_missing_weight_is_flagged(patient_a, clinician_a):
    session = first_session(rabago_course(patient_a, clinician_a))
    injection_add(actor=actor(clinician_a), session=session, **RABAGO_IA)
    html = logged_in(clinician_a).get(session_url("session_detail", session)).content.decode()
    assert "Weight missing" in html
    assert "Record the patient&#x27;s weight" in html


def test_over_the_limit_shows_the_override(documented: Documented, nurse_a):
    weigh(documented.course.patient, documented.clinician, documented.session.day, kg="5.0")
    client = logged_in(documented.clinician)
    html = client.get(session_url("session_detail", documented.session)).content.decode()
    assert "Over the maximum" in html  # 30 mg against 22.5 mg for 5 kg
    assert 'id="dose-override"' in html
    nurse_html = logged_in(nurse_a).get(session_url("session_detail", documented.session))
    assert 'id="dose-override"' not in nurse_html.content.decode()
    response = client.post(
        session_url("session_dose_override", documented.session),
        {"reason": "Weight recorded wrongly, checked by hand."},
    )
    assert response.status_code == 302
    assert DoseCheck.objects.get(session=documented.session).is_overridden


# --- Deviations and the done gate -------------------------------------------------------------


def test_a_departing_injection_needs_a_deviation_reason(documented: Documented):
    client = logged_in(documented.clinician)
    url = session_url("injection_create", documented.session)
    form_page = client.get(url).content.decode()
    assert "Reason for departing from the protocol" in form_page
    departing = injection_data(volume_ml="3.00", lidocaine_pct="0.5")  # EA: 0.5 mL per point
    refused = client.post(url, departing)
    assert refused.status_code == 400
    assert "departs from the protocol" in refused.context["form"].errors["deviation_reason"][0]
    accepted = client.post(url, {**departing, "deviation_reason": "Large tender area."})
    assert accepted.status_code == 302
    assert Deviation.objects.filter(
        session=documented.session, reason="Large tender area."
    ).exists()
    course = client.get(reverse("course_detail", kwargs={"course_id": documented.course.public_id}))
    assert "Large tender area." in course.content.decode()


def test_an_extra_session_needs_a_deviation_reason(documented: Documented):
    client = logged_in(documented.clinician)
    url = reverse("session_create", kwargs={"course_id": documented.course.public_id})
    extra = {"scheduled_at": local_input(documented.session.scheduled_at + dt.timedelta(days=200))}
    refused = client.post(url, extra)
    assert refused.status_code == 400
    assert "deviation_reason" in refused.context["form"].errors
    accepted = client.post(url, {**extra, "deviation_reason": "Pain returned at month 7."})
    assert accepted.status_code == 302


def done_form(session: Session, clinician) -> dict[str, str]:
    session.refresh_from_db()
    return {
        "scheduled_at": local_input(session.scheduled_at),
        "status": "done",
        "performed_at": local_input(session.scheduled_at),
        "clinician": str(clinician.public_id),
        "version": str(session.version),
    }


def test_marking_done_without_screening_shows_the_refusal(documented: Documented):
    client = logged_in(documented.clinician)
    session = documented.session
    response = client.post(
        session_url("session_edit", session), done_form(session, documented.clinician)
    )
    assert response.status_code == 400
    [message] = response.context["form"].errors["status"]
    assert message == "Complete the pre-session screening first."
    assert message in response.content.decode()
    session.refresh_from_db()
    assert session.status == "scheduled"


def test_inject_screen_weigh_and_mark_done_through_the_pages(clinician_a, patient_a):
    client = logged_in(clinician_a)
    monday = first_monday_before(timezone.localdate(), days=3)
    client.post(
        reverse("course_create_from_protocol", kwargs={"patient_id": patient_a.public_id}),
        {"side": "right", "protocol_code": "rabago_2013", "first_day": monday.isoformat()},
    )
    session = Session.objects.filter(course__patient=patient_a).order_by("scheduled_at").first()
    assert session is not None
    injected = client.post(session_url("injection_create", session), form_data(RABAGO_IA))
    assert injected.status_code == 302, injected.content.decode()[:1500]
    assert Injection.objects.filter(session=session).count() == 1
    page = client.get(session_url("session_detail", session)).content.decode()
    assert "30.00 mg" in page
    assert "Weight missing" in page
    refused = client.post(session_url("session_edit", session), done_form(session, clinician_a))
    assert refused.status_code == 400
    refusal = refused.context["form"].errors["status"][0]
    assert "screening" in refusal  # every reason in one message
    assert "weight" in refusal
    assert screen(client, session).status_code == 302
    weighed = client.post(
        reverse("weight_add", kwargs={"patient_id": patient_a.public_id}),
        {"weight_kg": "70.0", "measured_on": session.day.isoformat()},
    )
    assert weighed.status_code == 302
    page = client.get(session_url("session_detail", session)).content.decode()
    assert "Nothing stored blocks marking this session done" in page
    done = client.post(session_url("session_edit", session), done_form(session, clinician_a))
    assert done.status_code == 302, done.content.decode()[:2000]
    session.refresh_from_db()
    assert session.status == "done"


def test_screening_a_done_session_is_refused_on_the_page(objects_a):
    """objects_a's session is done: its screening is shown read-only and cannot change."""
    client = logged_in(objects_a.clinician)
    session = objects_a.session
    page = client.get(session_url("session_detail", session)).content.decode()
    assert "Save screening" not in page
    assert 'action="/sessions/' not in page.split('id="safety"')[1].split("dose-panel")[1]
    before = safety_state()
    response = client.post(
        session_url("session_screening", session), {"version": "1", **all_answers("yes")}
    )
    assert response.status_code == 400
    assert "while it is scheduled" in response.content.decode()
    assert safety_state() == before
