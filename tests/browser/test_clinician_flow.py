"""A clinician signs in, finds a patient and opens the chart, in a real Chromium."""

from __future__ import annotations

import re

import pytest

from prolotrack.demo.services import demo_load, demo_password
from prolotrack.patients.models import Patient
from tests.browser.conftest import chromium_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/patients/")
    assert "/login/" in page.url  # anonymous users are sent to the sign-in page
    page.fill("#id_username", username)
    page.fill("#id_password", demo_password())
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/patients/$"))


def test_demo_clinician_searches_and_opens_a_chart(live_server):
    demo_load(patients=30, seed=42)
    patient = Patient.objects.get(mrn="A000001", clinic__slug="demo-a")
    condition = patient.conditions.first()
    assert condition is not None
    other_clinic = Patient.objects.get(mrn="B000001", clinic__slug="demo-b")
    with chromium_page() as page:
        search_and_open_chart(page, live_server.url, patient, condition.icd10_code, other_clinic)


def search_and_open_chart(page, base_url, patient, condition_code, other_clinic) -> None:
    sign_in(page, base_url, "demo-clinician")
    page.fill("#id_query", f"{patient.given_name} {patient.family_name}")
    page.click("form[role=search] button[type=submit]")
    page.wait_for_load_state()
    assert patient.family_name not in page.url  # the search text never goes into a URL
    row = page.locator("tbody tr", has_text=patient.mrn)
    assert row.count() == 1
    row.get_by_role("link").click()
    page.wait_for_url(re.compile(rf"/patients/{patient.public_id}/$"))
    body = page.locator("main").inner_text()
    assert patient.mrn in body
    assert condition_code in body

    # A patient of clinic B does not exist for a clinician of clinic A.
    page.goto(f"{base_url}/patients/")
    page.fill("#id_query", other_clinic.mrn)
    page.click("form[role=search] button[type=submit]")
    page.wait_for_load_state()
    assert "No patient matches your search." in page.locator("main").inner_text()
    response = page.goto(f"{base_url}/patients/{other_clinic.public_id}/")
    assert response is not None
    assert response.status == 404
