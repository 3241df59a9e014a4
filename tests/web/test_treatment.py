"""Conditions, courses, sessions and injections through the pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from prolotrack.audit.models import AuditEvent
from prolotrack.patients.models import KneeCondition
from prolotrack.patients.services import weight_record
from prolotrack.treatment.models import Course, Injection, Session
from tests.conftest import actor
from tests.safety.conftest import screen_clean
from tests.web.conftest import injection_data, local_input, logged_in, snapshot


def url(name: str, obj) -> str:
    parameter = {
        "patient_chart": "patient_id",
        "condition_create": "patient_id",
        "course_create": "patient_id",
        "course_detail": "course_id",
        "session_detail": "session_id",
        "session_edit": "session_id",
        "injection_create": "session_id",
    }[name]
    return reverse(name, kwargs={parameter: obj.public_id})


def test_condition_code_for_the_other_knee_is_a_field_error(clinician_a, patient_a):
    before = KneeCondition.objects.count()
    response = logged_in(clinician_a).post(
        url("condition_create", patient_a), {"side": "left", "icd10_code": "M17.11"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["icd10_code"] == ["M17.11 is coded for the right side."]
    assert "There is a problem" in response.content.decode()
    assert KneeCondition.objects.count() == before


def test_kl_grade_for_a_non_oa_code_is_a_field_error(clinician_a, patient_a):
    response = logged_in(clinician_a).post(
        url("condition_create", patient_a),
        {"side": "right", "icd10_code": "M76.51", "kl_grade": "2"},
    )
    assert response.status_code == 400
    assert "osteoarthritis only" in response.context["form"].errors["kl_grade"][0]


def test_condition_sides_are_the_patients_knees(clinic_a, clinician_a, make_patient):
    patient = make_patient(clinic_a, clinician_a, knees="left")
    form = logged_in(clinician_a).get(url("condition_create", patient)).context["form"]
    assert [value for value, _ in form.fields["side"].choices] == ["left"]
    codes = [value for value, _ in form.fields["icd10_code"].choices]
    assert "M17.12" in codes
    assert "M17.11" not in codes


def test_unconfirmed_codes_say_so_in_the_select(clinician_a, patient_a):
    html = logged_in(clinician_a).get(url("condition_create", patient_a)).content.decode()
    assert "(unconfirmed)" in html


def test_plan_a_course_with_three_sessions(clinician_a, patient_a):
    start = timezone.localdate() + dt.timedelta(days=1)
    lines = "\n".join(f"{start + dt.timedelta(weeks=w)} 09:30" for w in (0, 4, 8))
    response = logged_in(clinician_a).post(
        url("course_create", patient_a),
        {
            "side": "right",
            "protocol_reference": "Rabago 2013",
            "start_date": start.isoformat(),
            "session_times": lines + "\n\n",
        },
    )
    course = Course.objects.get(patient=patient_a)
    assert response.status_code == 302
    assert response["Location"] == url("course_detail", course)
    times = list(course.sessions.values_list("scheduled_at", flat=True))
    assert times == [
        dt.datetime.combine(start + dt.timedelta(weeks=w), dt.time(9, 30), tzinfo=dt.UTC)
        for w in (0, 4, 8)
    ]


def test_a_bad_session_line_names_the_line(clinician_a, patient_a):
    response = logged_in(clinician_a).post(
        url("course_create", patient_a),
        {
            "side": "right",
            "protocol_reference": "Rabago 2013",
            "start_date": timezone.localdate().isoformat(),
            "session_times": "2030-01-02 09:00\nnext tuesday",
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["session_times"][0].startswith("Line 2:")
    assert not Course.objects.exists()


def test_sessions_out_of_order_are_refused_by_the_service(clinician_a, patient_a):
    response = logged_in(clinician_a).post(
        url("course_create", patient_a),
        {
            "side": "right",
            "protocol_reference": "Rabago 2013",
            "start_date": "2030-01-01",
            "session_times": "2030-02-01 09:00\n2030-01-02 09:00",
        },
    )
    assert response.status_code == 400
    assert "in order" in response.context["form"].errors["session_times"][0]


def test_document_a_session_and_an_injection_shows_on_the_chart(clinician_a, patient_a):
    client = logged_in(clinician_a)
    start = timezone.localdate() - dt.timedelta(days=2)
    client.post(
        url("course_create", patient_a),
        {
            "side": "left",
            "protocol_reference": "Reeves 2000",
            "start_date": start.isoformat(),
            "session_times": f"{start} 10:00",
        },
    )
    session = Session.objects.get(course__patient=patient_a)
    performed = dt.datetime.combine(start, dt.time(10, 15), tzinfo=dt.UTC)
    done_form = {
        "scheduled_at": local_input(session.scheduled_at),
        "status": "done",
        "performed_at": local_input(performed),
        "clinician": str(clinician_a.public_id),
    }
    # The product's order: inject while the session is open, screen, then mark it done.
    added = client.post(url("injection_create", session), injection_data(site_code="pes_anserinus"))
    assert added.status_code == 302, added.content.decode()[:1500]
    assert added["Location"] == url("session_detail", session)
    session.refresh_from_db()
    refused = client.post(url("session_edit", session), {**done_form, "version": session.version})
    assert refused.status_code == 400
    assert "status" in refused.context["form"].errors  # not screened yet: cannot be done
    weight_record(
        actor=actor(clinician_a), patient=patient_a, weight_kg=Decimal("70.0"), measured_on=start
    )
    screen_clean(session, clinician_a)
    session.refresh_from_db()
    done = client.post(url("session_edit", session), {**done_form, "version": session.version})
    assert done.status_code == 302, done.content.decode()[:1500]
    chart = client.get(url("patient_chart", patient_a)).content.decode()
    assert "Pes anserinus" in chart
    assert "D50-24A117" in chart
    assert "Reeves 2000" in chart
    session.refresh_from_db()
    assert session.course.status == "active"


def test_done_session_needs_a_performed_time(objects_a):
    session = objects_a.session
    response = logged_in(objects_a.clinician).post(
        url("session_edit", session),
        {
            "scheduled_at": local_input(session.scheduled_at),
            "status": "done",
            "performed_at": "",
            "clinician": str(objects_a.clinician.public_id),
            "version": session.version,
        },
    )
    assert response.status_code == 400
    assert "performed_at" in response.context["form"].errors


def test_session_clinician_is_chosen_among_the_clinics_clinicians(objects_a, nurse_a):
    form = logged_in(nurse_a).get(url("session_edit", objects_a.session)).context["form"]
    offered = [value for value, _ in form.fields["clinician"].choices]
    assert offered == ["", str(objects_a.clinician.public_id)]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"dextrose_pct": "60"}, "dextrose_pct"),
        ({"volume_ml": "-1"}, "volume_ml"),
        ({"lidocaine_pct": "5"}, "lidocaine_pct"),
        ({"site_code": "intra_articular", "approach": "extra_articular"}, "approach"),
    ],
)
def test_injection_out_of_range_is_a_field_error(objects_a, changes, field):
    before = snapshot()
    response = logged_in(objects_a.clinician).post(
        url("injection_create", objects_a.session), injection_data(**changes)
    )
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert snapshot() == before


def test_injection_on_a_cancelled_session_is_refused(objects_a):
    cancelled = objects_a.course.sessions.filter(status="scheduled").first()
    Session.objects.filter(id=cancelled.id).update(status="cancelled")
    response = logged_in(objects_a.clinician).post(
        url("injection_create", cancelled), injection_data()
    )
    assert response.status_code == 400
    assert "cancelled or no-show" in response.content.decode()
    assert not Injection.objects.filter(session=cancelled).exists()


def test_course_and_session_pages_are_audited_reads(objects_a):
    client = logged_in(objects_a.clinician)
    client.get(url("course_detail", objects_a.course))
    client.get(url("session_detail", objects_a.session))
    actions = set(
        AuditEvent.objects.filter(patient=objects_a.patient).values_list("action", flat=True)
    )
    assert {"course.view", "session.view"} <= actions


def test_approach_fragment_defaults_to_the_sites_approach(clinician_a):
    client = logged_in(clinician_a)
    fragment = reverse("injection_approach")
    joint = client.get(fragment, {"site_code": "intra_articular"}).content.decode()
    assert '<option value="intra_articular" selected>' in joint
    ligament = client.get(fragment, {"site_code": "mcl_femoral"}).content.decode()
    assert '<option value="extra_articular" selected>' in ligament
    assert 'id="field-approach"' in ligament


def test_code_fragment_narrows_codes_to_the_side(clinician_a):
    client = logged_in(clinician_a)
    html = client.get(
        reverse("condition_codes"), {"side": "left", "icd10_code": "M17.12"}
    ).content.decode()
    assert '<option value="M17.12" selected>' in html
    assert 'value="M17.11"' not in html
