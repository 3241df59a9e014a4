"""The knee injection map, the printable session note and the injection form's live dose,
through the pages. Expected numbers: Rabago 2013's syringes (knowledge/protocols/rabago_2013.toml,
clinical.md §1a) and mg = mL x % x 10, g = mL x % / 100 (clinical.md §2)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from prolotrack.audit.models import AuditEvent
from prolotrack.knowledge import injection_sites
from prolotrack.safety.models import DoseCheck
from prolotrack.treatment.models import Deviation, Injection, Session
from prolotrack.treatment.services import injection_add, session_update
from tests.conftest import actor
from tests.safety.conftest import (
    RABAGO_EA,
    RABAGO_IA,
    Documented,
    first_session,
    rabago_course,
    weigh,
)
from tests.web.conftest import logged_in, snapshot

HTMX = {"HTTP_HX_REQUEST": "true"}
MARKER_COUNT = sum(len(site.map) for site in injection_sites().values())


@pytest.fixture
def planned(patient_a, clinician_a) -> Documented:
    """A Rabago course's first session, scheduled, 70 kg weighed that day, nothing injected."""
    course = rabago_course(patient_a, clinician_a)
    session = first_session(course)
    weigh(patient_a, clinician_a, session.day)
    return Documented(course, session, clinician_a)


def url(name: str, session: Session) -> str:
    return reverse(name, kwargs={"session_id": session.public_id})


def add_on_map(client, session: Session, site_code: str, needle_gauge: str = "", **extra):
    return client.post(
        url("session_map_add", session),
        {"site_code": site_code, "needle_gauge": needle_gauge},
        **extra,
    )


def stored_lidocaine_mg(session: Session) -> Decimal:
    return DoseCheck.objects.get(session=session).total_lidocaine_mg


# --- The map on the session page ------------------------------------------------------------


def test_session_page_has_one_labelled_button_per_site_position(planned: Documented):
    page = logged_in(planned.clinician).get(url("session_detail", planned.session))
    html = page.content.decode()
    assert page.status_code == 200
    labels = re.findall(r'aria-label="Add injection: ([^"]+)"', html)
    assert len(labels) == MARKER_COUNT == 15
    assert set(labels) == {site.label.replace("'", "&#x27;") for site in injection_sites().values()}
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert svg.count("<foreignObject") == MARKER_COUNT
    assert svg.count('<button type="submit" name="site_code"') == MARKER_COUNT
    assert "style=" not in svg
    assert "<script" not in svg


def test_a_planned_site_adds_one_injection_with_the_protocol_syringe(planned: Documented):
    client = logged_in(planned.clinician)
    response = add_on_map(client, planned.session, "mcl_tibial")
    assert response.status_code == 302
    injection = Injection.objects.get(session=planned.session)
    assert (
        injection.site_code,
        injection.approach,
        injection.guidance,
        injection.needle_gauge,
        injection.volume_ml,
        injection.dextrose_pct,
        injection.lidocaine_pct,
    ) == (
        "mcl_tibial",
        "extra_articular",
        "palpation",
        27,
        Decimal("0.50"),
        Decimal(15),
        Decimal("0.5"),
    )
    assert not Deviation.objects.exists()  # the plan's own syringe: nothing departs from it
    assert stored_lidocaine_mg(planned.session) == Decimal("2.50")  # 0.5 mL x 0.5 % x 10
    created = AuditEvent.objects.filter(action="injection.create", object_id=injection.public_id)
    assert created.get().user == planned.clinician


def test_the_joint_needs_a_needle_since_the_protocol_names_none(planned: Documented):
    client = logged_in(planned.clinician)
    before = snapshot()
    refused = add_on_map(client, planned.session, "intra_articular")
    assert refused.status_code == 400
    assert "names no needle for Knee joint (intra-articular)" in refused.content.decode()
    assert snapshot() == before
    assert add_on_map(client, planned.session, "intra_articular", "22").status_code == 302
    injection = Injection.objects.get(session=planned.session)
    assert injection.needle_gauge == 22
    assert (injection.volume_ml, injection.dextrose_pct) == (Decimal(6), Decimal(25))
    assert injection.lidocaine_pct == Decimal("0.5")
    assert stored_lidocaine_mg(planned.session) == Decimal("30.00")  # clinical.md §2: 30 mg


def test_htmx_click_returns_the_updated_regions(planned: Documented):
    client = logged_in(planned.clinician)
    add_on_map(client, planned.session, "intra_articular", "22")
    response = add_on_map(client, planned.session, "mcl_femoral", "22", **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert Injection.objects.filter(session=planned.session).count() == 2
    for region in ('id="session-injections"', 'id="dose-panel"', 'id="done-blockers"'):
        assert region in html
    assert (
        "32.50 mg of at most 300.00 mg" in html
    )  # 30 + 2.5; 4.5 mg/kg x 70 kg = 315, capped at 300 mg
    assert "Recorded: MCL, femoral insertion, 0.5 mL, dextrose 15 %, lidocaine 0.5 %." in html
    assert re.search(r'id="map-medial-mcl_femoral" class="map-site map-site--now"', html)
    assert 'value="22"' in html  # the needle stays filled in for the next site


def test_a_site_outside_the_plan_opens_the_form_with_the_site(planned: Documented):
    client = logged_in(planned.clinician)
    before = snapshot()
    response = add_on_map(client, planned.session, "quadriceps_tendon")
    form_url = url("injection_create", planned.session) + "?site_code=quadriceps_tendon"
    assert (response.status_code, response["Location"]) == (302, form_url)
    htmx = add_on_map(client, planned.session, "quadriceps_tendon", **HTMX)
    assert htmx["HX-Redirect"] == form_url
    assert snapshot() == before
    form = client.get(form_url).context["form"]
    assert form["site_code"].value() == "quadriceps_tendon"


def test_unknown_site_is_refused(planned: Documented):
    before = snapshot()
    response = add_on_map(logged_in(planned.clinician), planned.session, "elbow")
    assert response.status_code == 400
    assert snapshot() == before


def test_a_cancelled_session_takes_no_injection(planned: Documented):
    session = session_update(
        actor=actor(planned.clinician),
        session=planned.session,
        expected_version=planned.session.version,
        status="cancelled",
        deviation_reason="The patient was unwell that week.",
    )
    client = logged_in(planned.clinician)
    page = client.get(url("session_detail", session)).content.decode()
    assert "Add injection:" not in page  # read-only map
    before = snapshot()
    response = add_on_map(client, session, "mcl_tibial", "27")
    assert response.status_code == 400
    assert "never on a cancelled or no-show one" in response.content.decode()
    assert snapshot() == before


def test_other_clinic_gets_404(planned: Documented, clinician_b):
    before = snapshot()
    response = add_on_map(logged_in(clinician_b), planned.session, "mcl_tibial")
    assert response.status_code == 404
    assert snapshot() == before


def test_a_role_that_does_not_document_gets_403(planned: Documented, admin_a):
    client = logged_in(admin_a)
    page = client.get(url("session_detail", planned.session)).content.decode()
    assert "Add injection:" not in page
    assert "knee-map" in page  # the admin still sees the map, read-only
    before = snapshot()
    assert add_on_map(client, planned.session, "mcl_tibial").status_code == 403
    assert snapshot() == before
    refused = AuditEvent.objects.filter(action="web.session_map_add", outcome="denied")
    assert refused.count() == 1


def test_sites_of_earlier_sessions_are_marked(planned: Documented):
    injection_add(actor=actor(planned.clinician), session=planned.session, **RABAGO_EA)
    second = planned.course.sessions.order_by("scheduled_at")[1]
    html = logged_in(planned.clinician).get(url("session_detail", second)).content.decode()
    assert 'id="map-medial-mcl_femoral" class="map-site map-site--earlier"' in html
    assert 'id="map-medial-mcl_tibial" class="map-site map-site--none"' in html
    assert "injected in an earlier session of this course" in html


# --- The printable session note --------------------------------------------------------------


def test_session_note_shows_the_record_and_is_audited_as_a_print(planned: Documented):
    clinician = planned.clinician
    injection_add(actor=actor(clinician), session=planned.session, **RABAGO_IA)
    injection_add(actor=actor(clinician), session=planned.session, **RABAGO_EA)
    client = logged_in(clinician)
    client.get(url("session_detail", planned.session))  # starts the screening
    response = client.get(url("session_note", planned.session))
    html = response.content.decode()
    assert response.status_code == 200
    patient = planned.course.patient
    assert patient.family_name in html
    assert patient.mrn in html
    assert "Knee joint (intra-articular)" in html
    assert "MCL, femoral insertion" in html
    assert "32.50 mg of at most 300.00 mg" in html
    assert "session-note-print.css" in html
    assert "Add injection:" not in html  # read-only
    assert html.count('class="map-mark map-mark--now"') == 2
    assert "Screening" in html
    assert "unanswered" in html
    printed = AuditEvent.objects.filter(action="session.print", patient=patient)
    assert printed.get().object_id == str(planned.session.public_id)


def test_session_note_roles(planned: Documented, admin_a, front_desk_a, clinician_b):
    note = url("session_note", planned.session)
    assert logged_in(admin_a).get(note).status_code == 200
    assert logged_in(front_desk_a).get(note).status_code == 403
    assert logged_in(clinician_b).get(note).status_code == 404


# --- The live dose on the injection form ------------------------------------------------------


def preview(client, session: Session, query: str = "", **numbers: str):
    return client.post(url("injection_dose_preview", session) + query, numbers)


def test_live_dose_shows_the_syringe_and_the_session_total(planned: Documented):
    injection_add(actor=actor(planned.clinician), session=planned.session, **RABAGO_IA)
    client = logged_in(planned.clinician)
    response = preview(
        client, planned.session, volume_ml="0.5", dextrose_pct="15", lidocaine_pct="0.5"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "2.50 mg lidocaine, 0.075 g dextrose" in html  # this syringe
    assert "32.50 mg lidocaine of at most 300.00 mg" in html  # with the IA 30 mg
    assert "Within" in html
    event = AuditEvent.objects.filter(action="session.dose_preview").get()
    assert event.object_id == str(planned.session.public_id)


def test_live_dose_on_the_edit_form_replaces_the_edited_injection(planned: Documented):
    injection = injection_add(actor=actor(planned.clinician), session=planned.session, **RABAGO_IA)
    client = logged_in(planned.clinician)
    edit_page = client.get(reverse("injection_edit", kwargs={"injection_id": injection.public_id}))
    query = f"?injection={injection.public_id}"
    assert url("injection_dose_preview", planned.session) + query in edit_page.content.decode()
    html = preview(
        client, planned.session, query, volume_ml="5", dextrose_pct="25", lidocaine_pct="0.5"
    ).content.decode()
    assert "25.00 mg lidocaine of at most 300.00 mg" in html  # not 30 + 25


def test_live_dose_over_the_maximum_is_flagged(planned: Documented):
    html = preview(
        logged_in(planned.clinician),
        planned.session,
        volume_ml="60",
        dextrose_pct="5",
        lidocaine_pct="0.6",
    ).content.decode()
    assert "360.00 mg lidocaine of at most 300.00 mg" in html  # 60 mL x 0.6 % x 10
    assert "Over the maximum" in html


@pytest.mark.parametrize(
    ("numbers", "message"),
    [
        ({"volume_ml": "abc", "dextrose_pct": "15", "lidocaine_pct": "0.5"}, "Enter a number"),
        ({"volume_ml": "-1", "dextrose_pct": "15", "lidocaine_pct": "0.5"}, "greater than or"),
        ({"volume_ml": "1e400", "dextrose_pct": "15", "lidocaine_pct": "0.5"}, "Volume (mL)"),
        ({"volume_ml": "NaN", "dextrose_pct": "15", "lidocaine_pct": "0.5"}, "Volume (mL)"),
        ({"volume_ml": "1", "dextrose_pct": "70", "lidocaine_pct": "0.5"}, "less than or"),
        ({"volume_ml": "1", "dextrose_pct": "15"}, "This field is required"),
        ({"volume_ml": "1", "dextrose_pct": "15", "lidocaine_pct": "2"}, "Cannot be made"),
        ({"volume_ml": "1", "dextrose_pct": "45", "lidocaine_pct": "1"}, "Cannot be made"),
    ],
)
def test_bad_numbers_get_a_message_not_an_error(planned: Documented, numbers, message):
    response = preview(logged_in(planned.clinician), planned.session, **numbers)
    assert response.status_code == 200
    assert message in response.content.decode()


def test_empty_form_gets_a_prompt(planned: Documented):
    response = preview(logged_in(planned.clinician), planned.session)
    assert response.status_code == 200
    assert "Enter the volume and the dextrose and lidocaine strengths" in response.content.decode()


def test_live_dose_of_an_injection_of_another_session_is_not_found(planned: Documented):
    other = first_session(rabago_course(planned.course.patient, planned.clinician, days_ago=40))
    foreign = injection_add(actor=actor(planned.clinician), session=other, **RABAGO_IA)
    client = logged_in(planned.clinician)
    for query in (f"?injection={foreign.public_id}", "?injection=not-a-uuid"):
        response = preview(
            client, planned.session, query, volume_ml="1", dextrose_pct="15", lidocaine_pct="0.5"
        )
        assert response.status_code == 404


def test_injection_form_posts_its_numbers_to_the_live_dose(planned: Documented):
    html = logged_in(planned.clinician).get(url("injection_create", planned.session))
    content = html.content.decode()
    assert f'hx-post="{url("injection_dose_preview", planned.session)}"' in content
    assert 'hx-trigger="load, change from:closest form"' in content
    assert 'id="live-dose"' in content
