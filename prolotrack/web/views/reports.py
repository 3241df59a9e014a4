"""The patient progress report: a printable page and the same page as a PDF.

The URL carries the patient's opaque id only (and an optional `?side=right|left`); the name and
date of birth appear on the report itself, never in the URL or the PDF's file name. Opening or
downloading the report is audited (`report.view`, `report.pdf`) with the patient's id: a print
or an export is a disclosure.
"""

from __future__ import annotations

import uuid
from http import HTTPStatus
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse

from prolotrack.clinics.access import CLINICAL_READ_ROLES
from prolotrack.patients.access import access_patient
from prolotrack.patients.models import Patient
from prolotrack.reports.pdf import html_to_pdf
from prolotrack.reports.progress import SIDE_HEADINGS, SIDES, Purpose, progress_report
from prolotrack.web.actors import actor_for
from prolotrack.web.errors import page

TEMPLATE = "web/reports/progress.html"
PDF_FILENAME = "progress-report.pdf"
BAD_SIDE = "Unknown knee: use side=right or side=left, or leave it out for both knees."


def _side(request: HttpRequest) -> str | HttpResponse | None:
    side = request.GET.get("side", "")
    if side == "":
        return None
    if side not in SIDES:
        return HttpResponse(BAD_SIDE, status=HTTPStatus.BAD_REQUEST, content_type="text/plain")
    return side


def _context(
    request: HttpRequest, patient: Patient, side: str | None, purpose: Purpose
) -> dict[str, Any]:
    actor = actor_for(request)
    report = progress_report(actor=actor, patient=patient, purpose=purpose, side=side)
    page_url = reverse("progress_report", kwargs={"patient_id": patient.public_id})
    pdf_url = reverse("progress_report_pdf", kwargs={"patient_id": patient.public_id})
    return {
        "report": report,
        "side": side,
        "pdf": purpose == "pdf",
        "chart_url": reverse("patient_chart", kwargs={"patient_id": patient.public_id}),
        "pdf_url": f"{pdf_url}?side={side}" if side else pdf_url,
        "all_url": page_url,
        "knee_links": [
            {"label": SIDE_HEADINGS[knee.side], "url": f"{page_url}?side={knee.side}"}
            for knee in report.knees
        ]
        if len(report.knees) > 1
        else [],
    }


@page("GET")
def progress_report_page(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    patient = access_patient(patient_id, user=actor_for(request).user, roles=CLINICAL_READ_ROLES)
    side = _side(request)
    if isinstance(side, HttpResponse):
        return side
    response = render(request, TEMPLATE, _context(request, patient, side, "view"))
    response["Cache-Control"] = "no-store"
    return response


@page("GET")
def progress_report_pdf(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    patient = access_patient(patient_id, user=actor_for(request).user, roles=CLINICAL_READ_ROLES)
    side = _side(request)
    if isinstance(side, HttpResponse):
        return side
    html = render_to_string(TEMPLATE, _context(request, patient, side, "pdf"), request=request)
    response = HttpResponse(html_to_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{PDF_FILENAME}"'
    response["Cache-Control"] = "no-store"
    return response
