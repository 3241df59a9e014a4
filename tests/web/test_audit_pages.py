"""The audit report (clinic admins only, filtered, paged, CSV) and a patient's disclosures."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from prolotrack.audit.models import AuditEvent
from prolotrack.audit.selectors import AuditFilter, audit_events, is_disclosure
from prolotrack.audit.services import audit_disclosure, audit_record
from prolotrack.domain.csv_cells import FORMULA_STARTS, neutralise
from tests.conftest import actor
from tests.web.conftest import logged_in

REPORT = "/audit/"
EXPORT = "/audit/export.csv"


def rows_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.fixture
def history(patient_a, patient_b, clinician_a, admin_a, clinician_b):
    """Events of both clinics, including a disclosure and a hostile-looking address."""
    audit_record(
        actor=actor(clinician_a),
        action="patient.export",
        clinic_id=patient_a.clinic_id,
        patient_id=patient_a.id,
        detail={"purpose": "referral letter", "recipient": "Dr Orthopaedics"},
    )
    audit_record(
        actor=actor(clinician_a),
        action="session.update",
        clinic_id=patient_a.clinic_id,
        patient_id=patient_a.id,
        client_address='=HYPERLINK("http://x")',
    )
    audit_record(
        actor=actor(clinician_b),
        action="patient.export",
        clinic_id=patient_b.clinic_id,
        patient_id=patient_b.id,
    )
    return patient_a


def test_only_clinic_admins_open_the_report(history, clinician_a, front_desk_a, researcher_a):
    for user in (clinician_a, front_desk_a, researcher_a):
        client = logged_in(user)
        assert client.get(REPORT).status_code == 403
        assert client.get(EXPORT).status_code == 403


def test_an_admin_sees_only_their_clinics_events(history, admin_a, patient_b):
    response = logged_in(admin_a).get(REPORT)
    assert response.status_code == 200
    shown = list(response.context["page_obj"].object_list)
    assert shown
    assert all(
        e.clinic_id == history.clinic_id or (e.patient and e.patient.clinic_id == history.clinic_id)
        for e in shown
    )
    assert not any(e.patient_id == patient_b.id for e in shown)
    assert "clinician-b" not in response.content.decode()


def test_viewing_the_report_is_audited(history, admin_a):
    before = AuditEvent.objects.count()
    logged_in(admin_a).get(REPORT, {"action": "patient.export"})
    event = AuditEvent.objects.order_by("-sequence")[0]
    assert AuditEvent.objects.count() == before + 1
    assert (event.action, event.user, event.clinic_id) == ("audit.view", admin_a, history.clinic_id)
    assert event.detail["action"] == "patient.export"
    assert event.detail["results"] == 1


def test_filters_equal_a_direct_query(history, admin_a, clinician_a):
    today = dt.datetime.now(dt.UTC).date()
    params = {
        "date_from": today.isoformat(),
        "date_to": today.isoformat(),
        "user": str(clinician_a.public_id),
        "patient": str(history.public_id),
        "action": "session.update",
    }
    response = logged_in(admin_a).get(REPORT, params)
    assert response.status_code == 200
    shown = [e.id for e in response.context["page_obj"].object_list]
    direct = AuditEvent.objects.filter(
        user=clinician_a, patient=history, action="session.update", at__date=today
    )
    assert shown == [e.id for e in direct.order_by("-at", "-sequence")]
    assert len(shown) == 1


def test_an_earlier_range_finds_nothing(history, admin_a):
    response = logged_in(admin_a).get(REPORT, {"date_to": "2020-01-01"})
    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == 0


@pytest.mark.parametrize(
    "column", ["time", "-time", "user", "-user", "action", "-action", "outcome", "-outcome"]
)
def test_every_column_sorts(history, admin_a, column):
    response = logged_in(admin_a).get(REPORT, {"sort": column})
    assert response.status_code == 200
    shown = list(response.context["page_obj"].object_list)
    field = {"time": "at", "user": "username", "action": "action", "outcome": "outcome"}[
        column.lstrip("-")
    ]
    values = [getattr(e, field) for e in shown]
    assert values == sorted(values, reverse=column.startswith("-"))


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "2026-13-40"},
        {"date_from": "2026-02-02", "date_to": "2026-02-01"},
        {"user": "not-a-member"},
        {"action": "made.up"},
        {"patient": "not-a-uuid"},
        {"sort": "id; DROP TABLE audit_auditevent"},
    ],
)
def test_bad_filters_are_400_and_not_audited_as_views(history, admin_a, params):
    before = AuditEvent.objects.filter(action="audit.view").count()
    assert logged_in(admin_a).get(REPORT, params).status_code == 400
    assert logged_in(admin_a).get(EXPORT, params).status_code == 400
    assert AuditEvent.objects.filter(action="audit.view").count() == before


def test_another_clinics_patient_is_refused_as_a_filter(history, admin_a, patient_b):
    response = logged_in(admin_a).get(REPORT, {"patient": str(patient_b.public_id)})
    assert response.status_code == 400
    assert "not one of this clinic" in response.content.decode()


def test_another_clinic_in_the_url_is_404(history, admin_a, clinic_b):
    assert logged_in(admin_a).get(REPORT, {"clinic": str(clinic_b.public_id)}).status_code == 404


def test_the_patient_is_picked_by_a_posted_search_and_travels_as_an_opaque_id(history, admin_a):
    client = logged_in(admin_a)
    response = client.post(REPORT, {"query": history.mrn})
    assert response.status_code == 200
    html = response.content.decode()
    assert f"patient={history.public_id}" in html
    assert history.mrn not in response.request["QUERY_STRING"]
    search = AuditEvent.objects.filter(action="patient.search").order_by("-sequence").first()
    assert search is not None
    assert history.mrn not in str(search.detail)


def test_paging(history, admin_a, clinician_a):
    for number in range(60):
        audit_record(
            actor=actor(clinician_a),
            action="patient.view",
            clinic_id=history.clinic_id,
            patient_id=history.id,
            detail={"n": number},
        )
    client = logged_in(admin_a)
    first = client.get(REPORT, {"action": "patient.view"})
    second = client.get(REPORT, {"action": "patient.view", "page": "2"})
    one = {e.id for e in first.context["page_obj"].object_list}
    two = {e.id for e in second.context["page_obj"].object_list}
    assert len(one) == 50
    assert one.isdisjoint(two)
    assert "page=2" in first.content.decode()


def test_the_csv_export_matches_the_report_is_formula_safe_and_audited(history, admin_a):
    client = logged_in(admin_a)
    response = client.get(EXPORT, {"patient": str(history.public_id)})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = rows_of(response)
    assert rows[0][:3] == ["sequence", "time_utc", "user"]
    direct = audit_events(clinic=history.clinic, filters=AuditFilter(patient=history))
    exported = AuditEvent.objects.filter(action="audit.export").get()
    listed = [int(row[0]) for row in rows[1:]]
    assert listed == [e.sequence for e in direct if e.sequence < exported.sequence]
    addresses = [row[8] for row in rows[1:]]
    assert '\'=HYPERLINK("http://x")' in addresses
    assert not any(cell.startswith(FORMULA_STARTS) for row in rows for cell in row)
    assert (exported.user, exported.patient_id, exported.detail["rows"]) == (
        admin_a,
        history.id,
        len(rows) - 1,
    )
    assert history.mrn not in response.content.decode()


@given(st.text(max_size=30))
def test_formula_cells_get_an_apostrophe_and_others_round_trip(text):
    cell = neutralise(text)
    if text.startswith(FORMULA_STARTS):
        assert cell == "'" + text
    else:
        assert cell == text
    if "\0" in text:  # the csv module refuses NUL characters; nothing to round-trip
        return
    buffer = io.StringIO()
    csv.writer(buffer).writerow([cell, "x"])
    assert next(csv.reader(io.StringIO(buffer.getvalue(), newline=""))) == [cell, "x"]


def test_disclosures_list_exports_of_that_patient_only(history, admin_a, clinician_a, patient_b):
    audit_disclosure(
        actor=actor(clinician_a),
        action="cohort.export",
        clinic_id=history.clinic_id,
        patient_ids=[history.id],
        detail={"purpose": "registry"},
    )
    url = reverse("patient_disclosures", kwargs={"patient_id": history.public_id})
    for user in (admin_a, clinician_a):
        response = logged_in(user).get(url)
        assert response.status_code == 200
        listed = [e.action for e in response.context["events"]]
        assert listed == ["cohort.export", "patient.export"]
        html = response.content.decode()
        assert "referral letter" in html
        assert "registry" in html
    viewed = AuditEvent.objects.filter(action="patient.disclosures_view")
    assert viewed.count() == 2
    assert all(e.patient_id == history.id for e in viewed)


def test_the_chart_links_to_the_disclosures(history, clinician_a):
    url = reverse("patient_chart", kwargs={"patient_id": history.public_id})
    html = logged_in(clinician_a).get(url).content.decode()
    assert reverse("patient_disclosures", kwargs={"patient_id": history.public_id}) in html


def test_a_disclosure_of_several_patients_is_one_event_each(clinic_a, clinician_a, make_patient):
    patients = [make_patient(clinic_a, clinician_a) for _ in range(3)]
    events = audit_disclosure(
        actor=actor(clinician_a),
        action="outcomes.export",
        clinic_id=clinic_a.id,
        patient_ids=[p.id for p in patients] + [patients[0].id],
    )
    assert sorted(e.patient_id or 0 for e in events) == sorted(p.id for p in patients)
    assert len({e.detail["batch"] for e in events}) == 1


@pytest.mark.parametrize(
    ("action", "disclosed"),
    [
        ("patient.export", True),
        ("session.print", True),
        ("report.pdf", True),
        ("fhir.read", True),
        ("audit.export", False),
        ("patient.view", False),
        ("patient.exports", False),
    ],
)
def test_which_actions_are_disclosures(action, disclosed):
    assert is_disclosure(action) is disclosed


def test_the_header_shows_the_audit_link_to_admins_only(admin_a, clinician_a):
    assert 'href="/audit/"' in logged_in(admin_a).get("/").content.decode()
    assert 'href="/audit/"' not in logged_in(clinician_a).get("/").content.decode()
