"""Side effect pages (record, confirm, follow up, review), the dashboard cards, consent and the
aftercare sheet. Who may open which page is in test_access.py."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from prolotrack.safety.clinic_settings import aftercare_text_for
from prolotrack.safety.models import AdverseEvent, Consent
from tests.web.conftest import event_fields, logged_in, patient_report


def chart_url(patient) -> str:
    return reverse("patient_chart", kwargs={"patient_id": patient.public_id})


def create_url(patient) -> str:
    return reverse("adverse_event_create", kwargs={"patient_id": patient.public_id})


def event_url(name: str, event: AdverseEvent) -> str:
    return reverse(name, kwargs={"event_id": event.public_id})


def flare(course, session, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "course": str(course.public_id),
        "session": str(session.public_id),
        "term": "pain_flare",
        "onset_after_hours": "6",
        "grade": "2",
        "relatedness": "probable",
        "action_taken": "advice",
        "outcome": "recovering",
    }
    data.update(changes)
    return data


@pytest.fixture
def admin_email(admin_a):
    admin_a.email = "admin-a@clinic-a.example"
    admin_a.save()
    return admin_a.email


def test_the_form_shows_grade_definitions_and_serious_criteria(course_a, clinician_a):
    course, _, _ = course_a
    response = logged_in(clinician_a).get(create_url(course.patient))
    html = response.content.decode()
    assert response.status_code == 200
    assert "2 · Moderate: Needs minimal, local or non-invasive treatment" in html
    assert "Hospitalisation" in html
    assert 'type="checkbox" name="criteria" value="hospitalisation"' in html


def test_record_a_grade_2_flare_and_it_shows_on_the_chart(course_a, clinician_a, mailoutbox):
    course, session, _ = course_a
    client = logged_in(clinician_a)
    response = client.post(create_url(course.patient), flare(course, session))
    event = AdverseEvent.objects.get()
    assert response.status_code == 302
    assert response["Location"] == event_url("adverse_event_detail", event)
    assert (event.grade, event.is_serious, event.onset_on, event.confirmed_by) == (
        2,
        False,
        session.day,
        clinician_a,
    )
    assert mailoutbox == []
    chart = client.get(chart_url(course.patient)).content.decode()
    assert "Side effects" in chart
    assert "Post-injection pain flare" in chart
    assert event_url("adverse_event_detail", event) in chart
    detail = client.get(event_url("adverse_event_detail", event)).content.decode()
    assert "2 · Moderate" in detail
    assert "Follow up" in detail


def test_a_refused_event_comes_back_with_field_errors(course_a, clinician_a):
    course, session, _ = course_a
    response = logged_in(clinician_a).post(
        create_url(course.patient), flare(course, session, grade="5")
    )
    assert response.status_code == 400
    assert "A fatal outcome goes with grade 5" in response.content.decode()
    assert not AdverseEvent.objects.exists()


def test_a_serious_event_is_on_the_dashboard_and_emailed(
    course_a, clinician_a, admin_a, admin_email, mailoutbox
):
    course, session, _ = course_a
    client = logged_in(clinician_a)
    response = client.post(
        create_url(course.patient),
        flare(course, session, term="infection", grade="3", criteria=["hospitalisation"]),
    )
    assert response.status_code == 302
    event = AdverseEvent.objects.get()
    assert event.is_serious
    assert [message.to for message in mailoutbox] == [[admin_email]]
    assert mailoutbox[0].subject == "Serious adverse event to review"
    assert course.patient.family_name not in mailoutbox[0].body
    for user in (clinician_a, admin_a):
        html = logged_in(user).get(reverse("dashboard")).content.decode()
        assert "Serious side effects to review" in html
        assert event_url("adverse_event_detail", event) in html


def test_nurse_and_front_desk_do_not_get_the_cards(course_a, nurse_a, front_desk_a):
    for user in (nurse_a, front_desk_a):
        html = logged_in(user).get(reverse("dashboard")).content.decode()
        assert "Serious side effects to review" not in html
        assert "Patient reports to confirm" not in html


def test_review_takes_the_event_off_the_card(course_a, clinician_a, admin_a, mailoutbox):
    course, session, _ = course_a
    logged_in(clinician_a).post(
        create_url(course.patient),
        flare(course, session, grade="3", criteria=["important_medical_event"]),
    )
    event = AdverseEvent.objects.get()
    client = logged_in(admin_a)
    assert event_url("adverse_event_detail", event) in client.get("/").content.decode()
    response = client.post(
        event_url("adverse_event_review", event),
        {"review-version": event.version, "review-review_notes": "Seen; admitted for antibiotics."},
    )
    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.reviewed_by, event.notes) == (admin_a, "Seen; admitted for antibiotics.")
    html = client.get("/").content.decode()
    assert event_url("adverse_event_detail", event) not in html
    assert "No serious side effects to review." in html


def test_confirm_a_patient_report(course_a, clinician_a):
    course, _, _ = course_a
    report = patient_report(course)
    client = logged_in(clinician_a)
    dashboard = client.get("/").content.decode()
    assert "Patient reports to confirm" in dashboard
    assert event_url("adverse_event_detail", report) in dashboard
    detail = client.get(event_url("adverse_event_detail", report)).content.decode()
    assert "My knee swelled up and is warm." in detail
    assert "Confirm the patient's report" in detail
    response = client.post(
        event_url("adverse_event_confirm", report),
        event_fields(report, "confirm", grade=1, relatedness="possible"),
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.confirmed_by, report.grade, report.relatedness) == (clinician_a, 1, "possible")
    assert event_url("adverse_event_detail", report) not in client.get("/").content.decode()


def test_confirming_without_a_grade_is_refused_on_the_page(course_a, clinician_a):
    course, _, _ = course_a
    report = patient_report(course)
    response = logged_in(clinician_a).post(
        event_url("adverse_event_confirm", report),
        event_fields(report, "confirm", relatedness="possible"),
    )
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    report.refresh_from_db()
    assert report.confirmed_at is None


def test_a_nurse_may_not_confirm(course_a, nurse_a):
    course, _, _ = course_a
    report = patient_report(course)
    response = logged_in(nurse_a).post(
        event_url("adverse_event_confirm", report),
        event_fields(report, "confirm", grade=1, relatedness="possible"),
    )
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.confirmed_at is None


def test_front_desk_gets_403_and_no_side_effects_on_the_chart(course_a, front_desk_a):
    course, session, _ = course_a
    client = logged_in(front_desk_a)
    assert client.get(create_url(course.patient)).status_code == 403
    assert client.post(create_url(course.patient), flare(course, session)).status_code == 403
    assert "Side effects" not in client.get(chart_url(course.patient)).content.decode()
    assert not AdverseEvent.objects.exists()


def test_consent_needs_the_patients_name(course_a, clinician_a):
    course, _, _ = course_a
    client = logged_in(clinician_a)
    course_page = client.get(reverse("course_detail", kwargs={"course_id": course.public_id}))
    assert "Consent" in course_page.content.decode()
    assert "No consent recorded for this course." in course_page.content.decode()
    url = reverse("course_consent", kwargs={"course_id": course.public_id})
    wrong = client.post(url, {"typed_name": "Somebody Else"})
    assert wrong.status_code == 400
    assert wrong.context["form"].errors == {
        "typed_name": ["The typed name does not match the patient's full name."]
    }
    assert not Consent.objects.exists()
    typed = f"  {course.patient.given_name.upper()}   {course.patient.family_name} "
    right = client.post(url, {"typed_name": typed})
    assert right.status_code == 302
    consent = Consent.objects.get()
    assert consent.typed_name == typed.strip().replace("   ", " ")
    html = client.get(right["Location"]).content.decode()
    assert consent.document_version in html
    assert consent.typed_name in html


def test_the_aftercare_sheet_shows_the_default_text(course_a, clinician_a):
    course, session, _ = course_a
    client = logged_in(clinician_a)
    url = reverse("session_aftercare", kwargs={"session_id": session.public_id})
    session_page = client.get(reverse("session_detail", kwargs={"session_id": session.public_id}))
    assert url in session_page.content.decode()
    response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "aftercare-print.css" in html
    first_line = aftercare_text_for(clinic_id=course.clinic_id).splitlines()[0]
    assert first_line
    assert first_line in html
    assert "When to call us" in html


def test_follow_up_that_makes_an_event_serious_emails_and_asks_for_review(
    objects_a, admin_email, mailoutbox
):
    event = objects_a.adverse_event
    client = logged_in(objects_a.clinician)
    response = client.post(
        event_url("adverse_event_edit", event),
        event_fields(event, "edit", grade=3, criteria=["hospitalisation"], action_taken="referred"),
    )
    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.grade, event.is_serious, event.reviewed_at) == (3, True, None)
    assert [message.to for message in mailoutbox] == [[admin_email]]
    assert event_url("adverse_event_detail", event) in client.get("/").content.decode()


def test_a_stale_follow_up_is_a_conflict(objects_a):
    event = objects_a.adverse_event
    client = logged_in(objects_a.clinician)
    stale = event_fields(event, "edit", outcome="recovering")
    assert client.post(event_url("adverse_event_edit", event), stale).status_code == 302
    again = client.post(event_url("adverse_event_edit", event), {**stale, "edit-notes": "Later"})
    assert again.status_code == 409
    event.refresh_from_db()
    assert event.notes == ""


def test_the_session_page_lists_that_sessions_side_effects_only(course_a, clinician_a):
    course, session, _ = course_a
    client = logged_in(clinician_a)
    client.post(create_url(course.patient), flare(course, session))
    event = AdverseEvent.objects.get()
    other = AdverseEvent.objects.create(
        clinic_id=course.clinic_id,
        patient=course.patient,
        course=course,
        term="bruising",
        grade=1,
        relatedness="possible",
        onset_on=session.day,
    )
    page = client.get(reverse("session_detail", kwargs={"session_id": session.public_id}))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Side effects" in html
    assert event_url("adverse_event_detail", event) in html
    assert event_url("adverse_event_detail", other) not in html
