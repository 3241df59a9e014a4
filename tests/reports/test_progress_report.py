"""The clinic's progress report: the page, the PDF (rendered and looked at), access and audit."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium  # type: ignore[import-untyped]
import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from prolotrack.audit.models import AuditEvent
from prolotrack.followup.selectors import medication_change
from prolotrack.followup.services import medication_record
from prolotrack.reports.progress import progress_report
from tests.conftest import actor
from tests.web.conftest import logged_in

BAND_RGB = (0xBF, 0xE3, 0xC6)  # prolotrack.analytics.progress_chart.BAND_COLOUR


def page_url(patient, side: str = "") -> str:
    url = reverse("progress_report", kwargs={"patient_id": patient.public_id})
    return f"{url}?side={side}" if side else url


def pdf_url(patient, side: str = "") -> str:
    url = reverse("progress_report_pdf", kwargs={"patient_id": patient.public_id})
    return f"{url}?side={side}" if side else url


def text_of(html: str) -> str:
    without_svg = re.sub(r"<svg.*?</svg>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", without_svg)).split())


@pytest.fixture
def medication(report_data, clinician_a):
    """Oral NSAID every day before the course; none at the latest visit."""
    for day, time_point, category, days in (
        (report_data.start - dt.timedelta(days=2), "baseline", "nsaid_oral", 7),
        (dt.date.today(), "follow_up", "none", None),
    ):
        medication_record(
            actor=actor(clinician_a),
            patient=report_data.patient,
            recorded_on=day,
            time_point=time_point,
            category=category,
            days_per_week=days,
        )
    change = medication_change(patient=report_data.patient, side="right")
    assert change is not None
    return change


def test_the_page_shows_each_knee_with_chart_band_sessions_and_words(
    report_data, medication, clinician_a
):
    response = logged_in(clinician_a).get(page_url(report_data.patient))
    html = response.content.decode()
    text = text_of(html)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    # One page per knee of interest (patient_a: both knees), each with its heading.
    assert html.count('<article class="report-page">') == 2
    assert "Right knee" in text
    assert "Left knee" in text
    # The right knee's chart: an SVG with its title, the MCID band and the session line.
    assert "<title>Right knee: scores over time</title>" in html
    assert re.search(r'<g id="mcid-band-right-\d+">', html)
    assert '<g id="session-right-0-0">' in html
    # The left knee has no scores: no chart, and says so.
    assert "<title>Left knee: scores over time</title>" not in html
    assert "No questionnaire scores for this knee yet." in text
    # Scores in words: KOOS pain 50 -> 75 (MCID 10), knee pain 7 -> 4 (2 points or 30 %).
    assert "Pain (KOOS): 50 on" in text
    assert "75 on" in text
    assert "25 points better, a change most people notice" in text
    assert "3 points better, a change most people notice" in text
    assert 'you rated the change in this knee as "much improved"' in text  # PGIC 2
    # The responder status in plain words (KOOS pain +25 from 50 is 50 %: a responder).
    assert "this knee has responded to the treatment" in text
    # Medication, side effects and the next step.
    assert medication.summary in text
    for line in medication.lines:
        assert line in text
    assert "Post-injection pain flare" in text
    assert "mild, settled on" in text
    assert "Next steps" in text
    # Identifiers: the name and birth date on the report; never the record number.
    assert report_data.patient.full_name in text
    assert "born 17 May 1960" in text
    assert report_data.patient.mrn not in html


def test_one_knee_only_and_a_bad_side(report_data, clinician_a):
    client = logged_in(clinician_a)
    right = client.get(page_url(report_data.patient, "right")).content.decode()
    assert right.count('<article class="report-page">') == 1
    assert "Left knee" not in text_of(right).replace("Left knee only", "")
    response = client.get(page_url(report_data.patient, "middle"))
    assert response.status_code == 400
    assert "Unknown knee" in response.content.decode()


def test_opening_and_downloading_are_audited_with_the_patient(report_data, clinician_a):
    client = logged_in(clinician_a)
    client.get(page_url(report_data.patient))
    client.get(pdf_url(report_data.patient))
    for action in ("report.view", "report.pdf"):
        event = AuditEvent.objects.get(action=action)
        assert event.patient_id == report_data.patient.id
        assert event.clinic_id == report_data.patient.clinic_id
        assert event.user == clinician_a
        assert event.detail == {"knees": ["right", "left"]}


def test_another_clinic_gets_404_and_front_desk_403(report_data, clinician_b, front_desk_a):
    for url in (page_url(report_data.patient), pdf_url(report_data.patient)):
        assert logged_in(clinician_b).get(url).status_code == 404
        assert logged_in(front_desk_a).get(url).status_code == 403
    assert not AuditEvent.objects.filter(action__startswith="report.").exists()


def test_a_nurse_of_the_clinic_may_print_it(report_data, nurse_a):
    assert logged_in(nurse_a).get(pdf_url(report_data.patient)).status_code == 200


# --- the PDF ---


@pytest.fixture
def pdf(report_data, clinician_a):
    response = logged_in(clinician_a).get(pdf_url(report_data.patient))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="progress-report.pdf"'
    assert response["Cache-Control"] == "no-store"
    assert response.content.startswith(b"%PDF-")
    document = pdfium.PdfDocument(response.content)
    yield document
    document.close()


def first_page_pixels(document) -> np.ndarray:
    """Page 1 as RGB pixels (the raw bitmap is BGR; PIL converts it)."""
    image = document[0].render(scale=1.5).to_pil().convert("RGB")
    return np.asarray(image).astype(int)


def test_the_first_page_renders_one_knee_with_its_chart(pdf):
    """Page 1 is drawn (not blank) and the MCID band's green is on it: the SVG chart was
    rendered, not dropped. One page per knee: patient_a has both knees of interest."""
    assert len(pdf) == 2
    pixels = first_page_pixels(pdf)
    not_white = (pixels < 235).any(axis=-1).mean()
    assert not_white > 0.03, f"only {not_white:.1%} of the page is drawn"
    band = (np.abs(pixels - np.array(BAND_RGB)) <= 6).all(axis=-1).sum()
    assert band > 2000, f"{band} band-coloured pixels"


def test_the_pdf_text_holds_the_patients_chart(pdf, report_data):
    text = " ".join(pdf[0].get_textpage().get_text_range().split())
    assert "Your knee progress report" in text
    assert report_data.patient.full_name in text
    assert "Right knee" in text
    # The chart's own text (kept as text in the SVG): its panel titles and axis labels.
    assert "Pain (KOOS)" in text
    assert "Pain (0-10 scale)" in text
    assert "Post-injection pain flare" in text
    second = " ".join(pdf[1].get_textpage().get_text_range().split())
    assert "Left knee" in second


def test_the_pdf_of_a_patient_without_scores_still_renders(patient_b, clinician_b):
    response = logged_in(clinician_b).get(pdf_url(patient_b))
    assert response.status_code == 200
    document = pdfium.PdfDocument(response.content)
    assert len(document) == 1
    assert "No questionnaire scores" in document[0].get_textpage().get_text_range()


def test_the_report_data_for_a_knee(report_data, clinician_a):
    report = progress_report(
        actor=actor(clinician_a), patient=report_data.patient, purpose="view", side="right"
    )
    (knee,) = report.knees
    assert knee.session_dates == (report_data.start,)
    names = [line.name for line in knee.score_lines]
    assert names[0] == "Pain (0-10 scale)"
    assert "Pain (KOOS)" in names
    compared = [line for line in knee.score_lines if line.noticeable is not None]
    assert len(compared) == len(names) - 1  # all but PGIC, a rating without a baseline
    assert all(line.noticeable for line in compared)
    (effect,) = knee.side_effects
    assert effect.grade_words == "mild"
    assert effect.reviewed


def test_the_chart_links_to_the_report_for_clinical_roles_only(
    report_data, clinician_a, front_desk_a
):
    chart = reverse("patient_chart", kwargs={"patient_id": report_data.patient.public_id})
    link = f'href="{page_url(report_data.patient)}"'
    assert link in logged_in(clinician_a).get(chart).content.decode()
    assert link not in logged_in(front_desk_a).get(chart).content.decode()


def test_the_page_uses_the_print_stylesheet_with_one_knee_per_page(report_data, clinician_a):
    html = logged_in(clinician_a).get(page_url(report_data.patient)).content.decode()
    assert 'href="/static/web/report.css"' in html
    found = finders.find("web/report.css")
    assert isinstance(found, str)
    css = Path(found).read_text(encoding="utf-8")
    print_rules = css[css.index("@media print") :]
    assert re.search(r"\.report-page \{[^}]*page-break-after: always;", print_rules)
