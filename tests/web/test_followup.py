"""The follow-up pages: record and correct medication, examinations and surgery; the chart's
section and the course page's surgery-free time; roles, stale edits and audit rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from prolotrack.audit.models import AuditEvent
from prolotrack.followup.models import Examination, MedicationUse, Surgery
from prolotrack.followup.services import (
    examination_record,
    medication_record,
    medication_update,
)
from tests.conftest import actor
from tests.web.conftest import logged_in

TODAY = timezone.localdate()


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def chart_url(patient) -> str:
    return reverse("patient_chart", kwargs={"patient_id": patient.public_id})


def test_clinician_records_an_opioid_and_the_chart_shows_the_change(objects_a):
    client = logged_in(objects_a.clinician)
    patient = objects_a.patient
    url = reverse("medication_create", kwargs={"patient_id": patient.public_id})
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "recorded_on": (TODAY - dt.timedelta(days=40)).isoformat(),
            "time_point": "baseline",
            "category": "opioid",
            "opioid_code": "oxycodone",
            "dose_mg_per_day": "20",
            "days_per_week": "7",
            "source": "staff",
        },
    )
    assert response.status_code == 302
    use = MedicationUse.objects.get()
    assert (use.mme_per_day, use.recorded_by) == (Decimal("30.0"), objects_a.clinician)
    client.post(
        url,
        {
            "recorded_on": TODAY.isoformat(),
            "time_point": "follow_up",
            "category": "none",
            "source": "questionnaire",
        },
    )
    html = client.get(chart_url(patient)).content.decode()
    assert "Medication, examinations and surgery" in html
    assert "Opioids: 30 -&gt; 0 MME/day" in html
    assert AuditEvent.objects.filter(action="medication.record").count() == 2
    assert AuditEvent.objects.filter(action="followup.view", patient_id=patient.id).exists()


def test_out_of_range_examination_is_a_field_error_and_nothing_is_saved(objects_a):
    client = logged_in(objects_a.clinician)
    url = reverse("examination_create", kwargs={"patient_id": objects_a.patient.public_id})
    response = client.post(
        url, {"side": "right", "examined_on": TODAY.isoformat(), "flexion_degrees": "170"}
    )
    assert response.status_code == 400
    assert "flexion_degrees" in response.context["form"].errors
    empty = client.post(url, {"side": "right", "examined_on": TODAY.isoformat()})
    assert empty.status_code == 400
    assert "Record at least one measure." in empty.content.decode()
    assert not Examination.objects.exists()


def test_a_stale_edit_is_a_conflict_and_changes_nothing(objects_a):
    use = objects_a.medication_use
    client = logged_in(objects_a.clinician)
    url = reverse("medication_edit", kwargs={"use_id": use.public_id})
    form = client.get(url)
    assert form.status_code == 200
    opened = AuditEvent.objects.filter(action="followup.view", detail__part="medication")
    assert opened.count() == 1
    medication_update(
        actor=actor(objects_a.clinician), use=use, expected_version=1, days_per_week=2
    )
    body = {
        "recorded_on": use.recorded_on.isoformat(),
        "time_point": "baseline",
        "category": "opioid",
        "opioid_code": "tramadol",
        "dose_mg_per_day": "300",
        "days_per_week": "5",
        "source": "staff",
        "version": "1",
    }
    response = client.post(url, body)
    assert response.status_code == 409
    use.refresh_from_db()
    assert (use.version, use.dose_mg_per_day, use.days_per_week) == (2, Decimal("100.00"), 2)
    accepted = client.post(url, body | {"version": "2"})
    assert accepted.status_code == 302
    use.refresh_from_db()
    assert (use.version, use.mme_per_day) == (3, Decimal("60.0"))


def test_surgery_shows_on_the_chart_and_the_course_page(objects_a):
    client = logged_in(objects_a.clinician)
    course = objects_a.course  # right knee, started 30 days ago
    response = client.post(
        reverse("surgery_create", kwargs={"patient_id": objects_a.patient.public_id}),
        {
            "side": "right",
            "performed_on": (course.start_date + dt.timedelta(days=21)).isoformat(),
            "procedure": "other",
            "other_procedure": "Meniscal repair",
            "course": str(course.public_id),
        },
    )
    assert response.status_code == 302
    assert Surgery.objects.get().course == course
    chart = client.get(chart_url(objects_a.patient)).content.decode()
    assert "Meniscal repair" in chart
    assert "21 days</strong> from the course start to surgery" in chart
    page = client.get(reverse("course_detail", kwargs={"course_id": course.public_id}))
    assert "21 days</strong> from the course start to surgery" in page.content.decode()


def test_the_chart_draws_one_chart_per_recorded_measure_with_censored_time(objects_a):
    exam = objects_a.examination  # flexion, extension, effusion and chair stand, 20 days ago
    html = logged_in(objects_a.clinician).get(chart_url(objects_a.patient)).content.decode()
    assert html.count('<div class="score-chart" aria-label="') == 4
    assert "<title>Flexion, right knee</title>" in html
    assert "<title>Timed up-and-go" not in html  # not recorded, not drawn
    assert exam.get_effusion_grade_display() in html
    # censored at the last follow-up: the examination 20 days ago, 10 days after the start
    assert "surgery-free for at least <strong>10 days</strong>" in html


def test_clinic_admin_reads_the_section_but_gets_no_forms(objects_a, admin_a):
    assert objects_a.examination.flexion_degrees == 110
    client = logged_in(admin_a)
    html = client.get(chart_url(objects_a.patient)).content.decode()
    assert "Medication, examinations and surgery" in html
    assert "Record examination" not in html
    url = reverse("examination_create", kwargs={"patient_id": objects_a.patient.public_id})
    assert client.get(url).status_code == 403


def test_front_desk_sees_no_follow_up_data(objects_a, front_desk_a):
    assert objects_a.medication_use.category == "opioid"
    assert objects_a.surgery.procedure == "arthroscopy"
    html = logged_in(front_desk_a).get(chart_url(objects_a.patient)).content.decode()
    assert "Medication, examinations and surgery" not in html
    assert "Arthroscopy" not in html
    assert "MME" not in html
    assert not AuditEvent.objects.filter(action="followup.view").exists()


def test_nurse_records_medication_from_a_patient_questionnaire(objects_a, nurse_a):
    medication_record(
        actor=actor(nurse_a),
        patient=objects_a.patient,
        recorded_on=TODAY,
        time_point="baseline",
        category="nsaid_topical",
        days_per_week=3,
        source="questionnaire",
    )
    html = logged_in(nurse_a).get(chart_url(objects_a.patient)).content.decode()
    assert "Patient questionnaire" in html
    assert "NSAID, topical" in html


def test_the_follow_up_section_queries_do_not_grow_with_records(objects_a):
    """More medication rows, examinations, surgeries and courses: the same number of queries."""
    clinician = objects_a.clinician
    client = logged_in(clinician)
    url = chart_url(objects_a.patient)
    assert objects_a.examination.side == "right"
    assert objects_a.surgery.course == objects_a.course
    count_queries(client, url)  # the first view may store derived rows (response suggestions)
    few = count_queries(client, url)
    who = actor(clinician)
    for days_ago in (1, 2, 3):
        day = TODAY - dt.timedelta(days=days_ago)
        medication_record(
            actor=who,
            patient=objects_a.patient,
            recorded_on=day,
            time_point="follow_up",
            category="paracetamol",
            days_per_week=days_ago,
        )
        examination_record(
            actor=who,
            patient=objects_a.patient,
            side="left",
            examined_on=day,
            timed_up_and_go_seconds=Decimal("8.5"),
            lachman_grade=1,
        )
    assert count_queries(client, url) == few
    html = client.get(url).content.decode()
    assert "<title>Lachman, left knee</title>" in html  # a grade above 0 is charted
    assert "<title>Lachman, right knee</title>" not in html  # never graded on the right
