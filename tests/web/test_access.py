"""Who may open which page: login, clinic isolation (404), and roles (403).

Every route x role x method, own clinic and another's, is checked against the permission matrix
in tests/web/test_permission_matrix.py; this file keeps the table of id pages and the cases the
matrix does not cover (the same POST works for the own clinic, missing ids, role details).
"""

from __future__ import annotations

import uuid
from urllib.parse import quote

import pytest
from django.urls import URLPattern, URLResolver, reverse

from prolotrack.web.urls import urlpatterns
from tests.web.conftest import logged_in, snapshot, valid_post

# Every page that takes an object id: (url name, id parameter, object, methods).
# A page added to web/urls.py with an id must get a row here (test_every_id_page_is_in_the_table).
OBJECT_PAGES = [
    ("patient_chart", "patient_id", "patient", ("GET",)),
    ("patient_edit", "patient_id", "patient", ("GET", "POST")),
    ("history_edit", "patient_id", "patient", ("GET", "POST")),
    ("weight_add", "patient_id", "patient", ("GET", "POST")),
    ("condition_create", "patient_id", "patient", ("GET", "POST")),
    ("condition_edit", "condition_id", "condition", ("GET", "POST")),
    ("course_create", "patient_id", "patient", ("GET", "POST")),
    ("course_detail", "course_id", "course", ("GET",)),
    ("course_edit", "course_id", "course", ("GET", "POST")),
    ("session_create", "course_id", "course", ("GET", "POST")),
    ("session_detail", "session_id", "session", ("GET",)),
    ("session_edit", "session_id", "session", ("GET", "POST")),
    ("injection_create", "session_id", "session", ("GET", "POST")),
    ("injection_edit", "injection_id", "injection", ("GET", "POST")),
    ("questionnaire_fill", "administration_id", "administration", ("GET", "POST")),
    ("questionnaire_send_link", "administration_id", "administration", ("POST",)),
    ("course_create_from_protocol", "patient_id", "patient", ("GET", "POST")),
    ("session_screening", "session_id", "session", ("POST",)),
    ("session_screening_override", "session_id", "session", ("POST",)),
    ("session_dose", "session_id", "session", ("POST",)),
    ("session_dose_override", "session_id", "session", ("POST",)),
    ("adverse_event_create", "patient_id", "patient", ("GET", "POST")),
    ("adverse_event_detail", "event_id", "adverse_event", ("GET",)),
    ("adverse_event_confirm", "event_id", "patient_report", ("POST",)),
    ("adverse_event_edit", "event_id", "adverse_event", ("POST",)),
    ("adverse_event_review", "event_id", "adverse_event", ("POST",)),
    ("course_consent", "course_id", "course", ("GET", "POST")),
    ("session_aftercare", "session_id", "session", ("GET",)),
    ("session_map_add", "session_id", "session", ("POST",)),
    ("session_note", "session_id", "session", ("GET",)),
    ("injection_dose_preview", "session_id", "session", ("POST",)),
    ("medication_create", "patient_id", "patient", ("GET", "POST")),
    ("medication_edit", "use_id", "medication_use", ("GET", "POST")),
    ("examination_create", "patient_id", "patient", ("GET", "POST")),
    ("examination_edit", "examination_id", "examination", ("GET", "POST")),
    ("surgery_create", "patient_id", "patient", ("GET", "POST")),
    ("surgery_edit", "surgery_id", "surgery", ("GET", "POST")),
    ("suggestion_decide", "suggestion_id", "suggestion", ("GET", "POST")),
    ("progress_report", "patient_id", "patient", ("GET",)),
    ("progress_report_pdf", "patient_id", "patient", ("GET",)),
    ("patient_disclosures", "patient_id", "patient", ("GET",)),
    ("clinic_protocol_detail", "copy_id", "clinic_protocol", ("GET",)),
    ("clinic_protocol_edit", "copy_id", "clinic_protocol", ("GET", "POST")),
]
# Pages addressed by a published protocol's code (not patient data, not an object id).
CODE_PAGES = {
    "protocol_detail": {"code": "rabago_2013"},
    "protocol_copy": {"code": "rabago_2013"},
}
# These change a scheduled session only (objects_a's session is done): the same POST by the own
# clinic is tested in tests/web/test_session_safety.py.
SCHEDULED_SESSION_POSTS = {
    "session_screening",
    "session_screening_override",
    "session_dose",
    "session_dose_override",
}
# Tested in tests/web/test_knee_map.py: the map adds at a site of a protocol plan (objects_a's
# course has none, so it redirects to the form) and the live dose panel changes nothing.
KNEE_MAP_POSTS = {"session_map_add", "injection_dose_preview"}
CASES = [
    pytest.param(name, parameter, key, method, id=f"{name}-{method}")
    for name, parameter, key, methods in OBJECT_PAGES
    for method in methods
]
POST_PAGES = [
    pytest.param(name, parameter, key, id=name)
    for name, parameter, key, methods in OBJECT_PAGES
    if "POST" in methods and name not in SCHEDULED_SESSION_POSTS | KNEE_MAP_POSTS
]
# The patients' home questionnaire (prolotrack.portal, included under /q/): no login, and the
# URL carries a signed token, not an object id. tests/web/test_portal.py covers who gets in.
TOKEN_PAGES = {
    "portal_link",
    "portal_save",
    "portal_submit",
    "portal_link_thanks",
    "portal_check_in",
    "portal_check_in_sent",
    "portal_progress",
}
PUBLIC_PAGES = {"login", "logout", "portal_thanks", *TOKEN_PAGES}
# Pages whose id is an emergency access grant: owned by a user, not a clinic, so they are not
# clinic-A objects; tests/web/test_permission_matrix.py (kind `grant`) and tests/emergency/
# check that only the grant's own user gets in (404 for everyone else).
GRANT_PAGES = {"emergency_chart", "emergency_end"}


def all_patterns(patterns=urlpatterns) -> list[URLPattern]:
    """Every route of web/urls.py, including those of included url modules (the portal)."""
    found: list[URLPattern] = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            found.extend(all_patterns(pattern.url_patterns))
        elif isinstance(pattern, URLPattern):
            found.append(pattern)
    return found


def object_url(objects, name: str, parameter: str, key: str) -> str:
    return reverse(name, kwargs={parameter: getattr(objects, key).public_id})


def send(client, method: str, url: str, name: str, objects):
    """GET the page, or POST it a body that would change data if access were not checked."""
    return client.get(url) if method == "GET" else client.post(url, valid_post(name, objects))


def test_every_id_page_is_in_the_table():
    in_table = {name for name, *_ in OBJECT_PAGES}
    with_ids = {
        pattern.name
        for pattern in all_patterns()
        if pattern.pattern.converters
        and pattern.name not in TOKEN_PAGES | set(CODE_PAGES) | GRANT_PAGES
    }
    assert {pattern.name for pattern in all_patterns()} >= TOKEN_PAGES
    assert with_ids - in_table == set(), "add these pages to OBJECT_PAGES"
    assert in_table - with_ids == set(), "these rows name no page with an id"


@pytest.mark.parametrize(
    "pattern",
    [p for p in all_patterns() if p.name not in PUBLIC_PAGES],
    ids=lambda p: p.name,
)
def test_anonymous_get_redirects_to_login(client, db, pattern):
    kwargs = {parameter: uuid.uuid4() for parameter in pattern.pattern.converters}
    url = reverse(pattern.name, kwargs=kwargs)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={quote(url)}"


@pytest.mark.parametrize(("name", "parameter", "key"), POST_PAGES)
def test_the_same_post_by_own_clinic_is_accepted(objects_a, name, parameter, key):
    """The 404 above is about access: the very same POST works for clinic A's clinician."""
    client = logged_in(objects_a.clinician)
    before = snapshot()
    response = client.post(object_url(objects_a, name, parameter, key), valid_post(name, objects_a))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert snapshot() != before


@pytest.mark.parametrize(("name", "parameter", "key", "method"), CASES)
def test_missing_id_is_the_same_404_as_another_clinics(
    objects_a, clinician_b, name, parameter, key, method
):
    client = logged_in(clinician_b)
    foreign = client.generic(method, object_url(objects_a, name, parameter, key))
    missing = client.generic(method, reverse(name, kwargs={parameter: uuid.uuid4()}))
    assert missing.status_code == foreign.status_code == 404
    assert [t.name for t in missing.templates] == [t.name for t in foreign.templates]


def test_front_desk_chart_shows_no_clinical_details(objects_a, front_desk_a):
    response = logged_in(front_desk_a).get(
        reverse("patient_chart", kwargs={"patient_id": objects_a.patient.public_id})
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert objects_a.patient.mrn in html
    assert "Appointments" in html
    for clinical in (
        objects_a.condition.icd10_code,
        objects_a.injection.site_label,
        objects_a.injection.dextrose_lot,
        objects_a.course.protocol_reference,
        "Medical history",
    ):
        assert clinical not in html


def test_front_desk_sees_the_patient_list(objects_a, front_desk_a):
    response = logged_in(front_desk_a).get(reverse("patient_list"))
    assert response.status_code == 200
    assert objects_a.patient.family_name in response.content.decode()


@pytest.mark.parametrize("name", ["patient_list", "patient_create"])
def test_researcher_gets_403_on_patient_pages(researcher_a, name):
    response = logged_in(researcher_a).get(reverse(name))
    assert response.status_code == 403


def test_researcher_gets_403_on_the_chart(objects_a, researcher_a):
    url = reverse("patient_chart", kwargs={"patient_id": objects_a.patient.public_id})
    assert logged_in(researcher_a).get(url).status_code == 403


def test_researcher_dashboard_says_patient_pages_are_not_for_their_role(researcher_a):
    response = logged_in(researcher_a).get(reverse("dashboard"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "not available to your role" in html
    assert 'href="/patients/"' not in html


def test_clinic_admin_reads_clinical_pages_but_does_not_write(objects_a, admin_a):
    client = logged_in(admin_a)
    chart = client.get(reverse("patient_chart", kwargs={"patient_id": objects_a.patient.public_id}))
    assert chart.status_code == 200
    assert objects_a.condition.icd10_code in chart.content.decode()
    assert "Edit history" not in chart.content.decode()
    course = reverse("course_detail", kwargs={"course_id": objects_a.course.public_id})
    assert client.get(course).status_code == 200
    history = reverse("history_edit", kwargs={"patient_id": objects_a.patient.public_id})
    assert client.get(history).status_code == 403


def test_authenticated_pages_are_not_cached(objects_a):
    client = logged_in(objects_a.clinician)
    for url in (
        reverse("dashboard"),
        reverse("patient_list"),
        reverse("patient_chart", kwargs={"patient_id": objects_a.patient.public_id}),
    ):
        assert client.get(url)["Cache-Control"] == "no-store"


def test_login_with_password_goes_to_the_dashboard(client, clinician_a):
    from tests.conftest import PASSWORD

    page = client.get(reverse("login"))
    assert page.status_code == 200
    response = client.post(reverse("login"), {"username": "clinician-a", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_wrong_password_shows_the_form_again(client, clinician_a):
    response = client.post(reverse("login"), {"username": "clinician-a", "password": "wrong"})
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()


def test_logout_is_post_only(clinician_a):
    client = logged_in(clinician_a)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 302
