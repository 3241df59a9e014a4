"""Registering, editing, searching and viewing patients through the pages."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from prolotrack.audit.models import AuditEvent
from prolotrack.clinics.models import Membership, Role
from prolotrack.patients.models import Patient, WeightMeasurement
from prolotrack.web.views.patients import SEARCH_SESSION_KEY
from tests.web.conftest import demographics, logged_in

NEW_PATIENT = {
    "mrn": "A-1001",
    "given_name": "Ada",
    "family_name": "Quinlan",
    "date_of_birth": "1958-02-11",
    "sex": "female",
    "email": "ada@example.org",
    "phone": "+1 555 0100 2000",
    "knees": "right",
}


def chart_url(patient: Patient) -> str:
    return reverse("patient_chart", kwargs={"patient_id": patient.public_id})


def test_register_with_initial_weight_goes_to_the_chart(clinician_a):
    client = logged_in(clinician_a)
    response = client.post(
        reverse("patient_create"), {**NEW_PATIENT, "weight_kg": "71.4", "measured_on": ""}
    )
    patient = Patient.objects.get(mrn="A-1001")
    assert response.status_code == 302
    assert response["Location"] == chart_url(patient)
    weight = WeightMeasurement.objects.get(patient=patient)
    assert str(weight.weight_kg) == "71.4"
    assert weight.measured_on == timezone.localdate()
    chart = client.get(response["Location"]).content.decode()
    assert "71.4 kg" in chart


def test_a_bad_initial_weight_registers_nothing(clinician_a):
    """Registration and weight are one transaction: the weight's error undoes the patient."""
    response = logged_in(clinician_a).post(
        reverse("patient_create"), {**NEW_PATIENT, "weight_kg": "900.0"}
    )
    assert response.status_code == 400
    assert "weight_kg" in response.context["form"].errors
    assert not Patient.objects.filter(mrn="A-1001").exists()


def test_front_desk_registers_without_the_weight_fields(front_desk_a):
    client = logged_in(front_desk_a)
    page = client.get(reverse("patient_create"))
    assert page.status_code == 200
    assert 'name="weight_kg"' not in page.content.decode()
    response = client.post(reverse("patient_create"), NEW_PATIENT)
    assert response.status_code == 302


def test_duplicate_mrn_is_a_field_error(clinician_a, patient_a):
    response = logged_in(clinician_a).post(
        reverse("patient_create"), {**NEW_PATIENT, "mrn": patient_a.mrn}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["mrn"] == [
        "A patient with this record number already exists."
    ]


def test_clinic_choice_only_offers_the_users_clinics(clinician_a, clinic_a, clinic_b):
    Membership.objects.create(user=clinician_a, clinic=clinic_b, role=Role.FRONT_DESK)
    client = logged_in(clinician_a)
    page = client.get(reverse("patient_create")).content.decode()
    assert 'name="clinic"' in page
    response = client.post(
        reverse("patient_create"), {**NEW_PATIENT, "clinic": str(clinic_b.public_id)}
    )
    assert response.status_code == 302
    assert Patient.objects.get(mrn="A-1001").clinic == clinic_b


def test_clinic_choice_refuses_a_clinic_the_user_does_not_belong_to(
    clinician_a, clinic_a, clinic_b
):
    other = type(clinic_a).objects.create(name="Clinic C", slug="clinic-c")
    Membership.objects.create(user=clinician_a, clinic=clinic_b, role=Role.NURSE)
    response = logged_in(clinician_a).post(
        reverse("patient_create"), {**NEW_PATIENT, "clinic": str(other.public_id)}
    )
    assert response.status_code == 400
    assert "clinic" in response.context["form"].errors
    assert not Patient.objects.filter(mrn="A-1001").exists()


def test_edit_with_a_stale_version_is_a_conflict(clinician_a, patient_a):
    client = logged_in(clinician_a)
    url = reverse("patient_edit", kwargs={"patient_id": patient_a.public_id})
    stale = demographics(patient_a, given_name="First")
    assert client.post(url, demographics(patient_a, given_name="Second")).status_code == 302
    response = client.post(url, stale)
    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()
    patient_a.refresh_from_db()
    assert patient_a.given_name == "Second"
    assert patient_a.version == 2


def test_edit_shows_model_errors_on_their_fields(clinician_a, patient_a):
    url = reverse("patient_edit", kwargs={"patient_id": patient_a.public_id})
    response = logged_in(clinician_a).post(url, demographics(patient_a, date_of_birth="1850-01-01"))
    assert response.status_code == 400
    assert "between 1900 and today" in response.context["form"].errors["date_of_birth"][0]


def test_chart_view_is_audited(clinician_a, patient_a):
    logged_in(clinician_a).get(chart_url(patient_a))
    event = AuditEvent.objects.filter(action="patient.view").get()
    assert event.patient_id == patient_a.id
    assert event.user == clinician_a
    assert event.channel == "web"
    assert event.client_address == "127.0.0.1"


def test_chart_shows_conditions_history_and_stale_weight(clinician_a, patient_a):
    from prolotrack.core.actor import Actor
    from prolotrack.patients.services import history_update, weight_record

    actor = Actor(user=clinician_a)
    old = timezone.localdate() - dt.timedelta(days=200)
    weight_record(actor=actor, patient=patient_a, weight_kg=Decimal("80.0"), measured_on=old)
    history_update(
        actor=actor, patient=patient_a, expected_version=1, diabetes=True, bleeding_disorder=True
    )
    html = logged_in(clinician_a).get(chart_url(patient_a)).content.decode()
    assert "M17.0" in html
    assert "Primary osteoarthritis, both knees" in html
    assert "stale" in html
    assert "Bleeding disorder" in html
    assert "Diabetes" in html


@pytest.fixture
def two_patients(clinic_a, clinician_a, make_patient):
    wanted = make_patient(clinic_a, clinician_a, family_name="Okonkwo", given_name="Ife")
    other = make_patient(clinic_a, clinician_a, family_name="Lindqvist", given_name="Sven")
    return wanted, other


def test_search_is_posted_kept_in_the_session_and_out_of_urls(clinician_a, two_patients):
    wanted, other = two_patients
    client = logged_in(clinician_a)
    response = client.post(reverse("patient_list"), {"query": "okonk"})
    assert response.status_code == 302
    assert response["Location"] == reverse("patient_list")
    assert "okonk" not in response["Location"].lower()
    assert client.session[SEARCH_SESSION_KEY] == "okonk"
    listing = client.get(response["Location"])
    html = listing.content.decode()
    assert wanted.family_name in html
    assert other.family_name not in html
    assert "okonk" not in listing.request["PATH_INFO"] + listing.request.get("QUERY_STRING", "")


def test_clear_resets_the_search(clinician_a, two_patients):
    wanted, other = two_patients
    client = logged_in(clinician_a)
    client.post(reverse("patient_list"), {"query": "okonk"})
    response = client.post(reverse("patient_list"), {"query": "okonk", "clear": "1"})
    assert response.status_code == 302
    assert SEARCH_SESSION_KEY not in client.session
    html = client.get(reverse("patient_list")).content.decode()
    assert wanted.family_name in html
    assert other.family_name in html


def test_search_is_audited_without_its_text(clinician_a, two_patients):
    logged_in(clinician_a).post(reverse("patient_list"), {"query": "Okonkwo"})
    event = AuditEvent.objects.get(action="patient.search")
    assert event.detail == {"results": 1}
    stored = json.dumps(
        {field.name: str(getattr(event, field.attname)) for field in event._meta.fields}
    )
    assert "okonkwo" not in stored.lower()


def test_search_never_shows_another_clinics_patient(clinician_a, patient_b):
    client = logged_in(clinician_a)
    client.post(reverse("patient_list"), {"query": patient_b.family_name})
    html = client.get(reverse("patient_list")).content.decode()
    assert patient_b.mrn not in html
    assert "No patient matches your search." in html


def test_list_paginates_25_per_page(clinic_a, clinician_a, make_patient):
    for _ in range(30):
        make_patient(clinic_a, clinician_a)
    client = logged_in(clinician_a)
    first = client.get(reverse("patient_list"))
    second = client.get(reverse("patient_list") + "?page=2")
    assert len(first.context["page_obj"].object_list) == 25
    assert len(second.context["page_obj"].object_list) == 5
    assert "Page 2 of 2" in second.content.decode()


def test_list_shows_the_clinic_column_only_for_several_clinics(clinician_a, clinic_b, patient_a):
    client = logged_in(clinician_a)
    assert ">Clinic</th>" not in client.get(reverse("patient_list")).content.decode()
    Membership.objects.create(user=clinician_a, clinic=clinic_b, role=Role.NURSE)
    assert ">Clinic</th>" in client.get(reverse("patient_list")).content.decode()


def test_names_are_escaped(clinic_a, clinician_a, make_patient):
    patient = make_patient(clinic_a, clinician_a, family_name="<script>alert(1)</script>")
    client = logged_in(clinician_a)
    for url in (reverse("patient_list"), chart_url(patient)):
        html = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_pages_load_no_inline_script(clinician_a, patient_a):
    html = logged_in(clinician_a).get(chart_url(patient_a)).content.decode()
    assert "<script>" not in html
    assert " onclick=" not in html
    assert " onchange=" not in html
    assert "htmx-2.0.10.min.js" in html


def test_chart_flags_a_weight_older_than_the_clinic_allows(clinician_a, patient_a):
    from decimal import Decimal

    from django.utils import timezone

    from prolotrack.patients.services import weight_record
    from prolotrack.safety.models import ClinicSettings
    from tests.conftest import actor

    measured = timezone.localdate() - dt.timedelta(days=100)
    weight_record(
        actor=actor(clinician_a), patient=patient_a, weight_kg=Decimal("70"), measured_on=measured
    )
    client = logged_in(clinician_a)
    chart = reverse("patient_chart", kwargs={"patient_id": patient_a.public_id})
    assert client.get(chart).context["weight_stale"] is True  # default limit: 90 days
    ClinicSettings.objects.create(clinic=patient_a.clinic, weight_max_age_days=120)
    page = client.get(chart)
    assert page.context["weight_stale"] is False
    ClinicSettings.objects.filter(clinic=patient_a.clinic).update(weight_max_age_days=30)
    assert "older than 30 days" in client.get(chart).content.decode()
