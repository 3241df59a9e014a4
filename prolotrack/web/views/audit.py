"""The audit report for clinic admins (filter, page, CSV export) and a patient's disclosures.

Every view here is audited: reading the report (`audit.view`), exporting it (`audit.export`)
and reading a patient's accounting of disclosures (`patient.disclosures_view`). The patient
filter is chosen from a POSTed search and carried as the patient's opaque id, never an MRN.
"""

from __future__ import annotations

import csv
import uuid
from http import HTTPStatus

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone

from prolotrack.audit import selectors
from prolotrack.clinics.access import access_clinic, clinics_for
from prolotrack.clinics.models import Clinic, Role, User
from prolotrack.core.errors import AccessDenied, NotFound
from prolotrack.patients.access import access_patient
from prolotrack.patients.models import Patient
from prolotrack.patients.selectors import audit_search, patients_for
from prolotrack.web.actors import actor_for
from prolotrack.web.errors import page
from prolotrack.web.forms.audit import AuditFilterForm, AuditPatientSearchForm

AUDIT_REPORT_ROLES = frozenset({Role.CLINIC_ADMIN})
DISCLOSURE_READ_ROLES = frozenset({Role.CLINICIAN, Role.CLINIC_ADMIN})
EVENTS_PER_PAGE = 50
PATIENT_MATCHES = 20


def _clinic(request: HttpRequest, user: User) -> tuple[Clinic, list[Clinic]]:
    clinics = clinics_for(user, AUDIT_REPORT_ROLES)
    if not clinics:
        raise AccessDenied("The audit report is for clinic administrators.")
    chosen = request.GET.get("clinic")
    if chosen:
        return access_clinic(chosen, user=user, roles=AUDIT_REPORT_ROLES), clinics
    return clinics[0], clinics


def _members(clinic: Clinic) -> list[User]:
    return list(User.objects.filter(memberships__clinic=clinic).order_by("username").distinct())


def _filters(form: AuditFilterForm, clinic: Clinic, user: User) -> selectors.AuditFilter | None:
    """The filters of a valid form (the patient must be one of this clinic's), else None."""
    if not form.is_valid():
        return None
    patient = None
    if form.cleaned_data.get("patient"):
        try:
            patient = access_patient(
                form.cleaned_data["patient"], user=user, roles=AUDIT_REPORT_ROLES
            )
        except (NotFound, AccessDenied):
            patient = None
        if patient is None or patient.clinic_id != clinic.id:
            form.add_error(None, "That patient is not one of this clinic's.")
            return None
    return selectors.AuditFilter(
        date_from=form.cleaned_data.get("date_from"),
        date_to=form.cleaned_data.get("date_to"),
        user=form.chosen_user(),
        patient=patient,
        action=form.cleaned_data.get("action") or "",
        sort=form.cleaned_data["sort"],
    )


def _query(request: HttpRequest, **changes: str) -> str:
    """The current filters as a query string, with `changes` applied and the page dropped."""
    params: QueryDict = request.GET.copy()
    params.pop("page", None)
    for key, value in changes.items():
        params[key] = value
    return params.urlencode()


@page("GET", "POST")
def audit_report(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    clinic, clinics = _clinic(request, actor.user)
    form = AuditFilterForm(
        request.GET, members=_members(clinic), actions=selectors.clinic_actions(clinic)
    )
    search = AuditPatientSearchForm(request.POST if request.method == "POST" else None)
    matches: list[Patient] = []
    if request.method == "POST" and search.is_valid():
        found = patients_for(actor=actor, query=search.cleaned_data["query"].strip())
        matches = list(found.filter(clinic=clinic)[:PATIENT_MATCHES])
        audit_search(actor=actor, result_count=len(matches))
    filters = _filters(form, clinic, actor.user)
    if filters is None:
        context = {"form": form, "search": search, "clinic": clinic, "clinics": clinics}
        return render(request, "web/audit/report.html", context, status=HTTPStatus.BAD_REQUEST)
    events = Paginator(selectors.audit_events(clinic=clinic, filters=filters), EVENTS_PER_PAGE)
    page_obj = events.get_page(request.GET.get("page"))
    selectors.audit_report_viewed(
        actor=actor, clinic=clinic, filters=filters, page=page_obj.number, count=events.count
    )
    context = {
        "form": form,
        "search": search,
        "matches": [(p, _query(request, patient=str(p.public_id))) for p in matches],
        "clinic": clinic,
        "clinics": clinics,
        "filters": filters,
        "page_obj": page_obj,
        "query": _query(request),
        "sort_links": {
            column: _query(request, sort=column if filters.sort != column else f"-{column}")
            for column in ("time", "user", "action", "outcome")
        },
        "without_patient": _query(request, patient=""),
    }
    status = HTTPStatus.BAD_REQUEST if search.errors else HTTPStatus.OK
    return render(request, "web/audit/report.html", context, status=status)


@page("GET")
def audit_export(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    clinic, _ = _clinic(request, actor.user)
    form = AuditFilterForm(
        request.GET, members=_members(clinic), actions=selectors.clinic_actions(clinic)
    )
    filters = _filters(form, clinic, actor.user)
    if filters is None:
        errors = "; ".join(
            str(message) for messages in form.errors.values() for message in messages
        )
        return HttpResponse(
            f"Invalid filters: {errors}",
            status=HTTPStatus.BAD_REQUEST,
            content_type="text/plain; charset=utf-8",
        )
    rows = selectors.audit_csv_rows(actor=actor, clinic=clinic, filters=filters)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{clinic.slug}-{stamp}.csv"'
    csv.writer(response).writerows(rows)
    return response


@page("GET")
def patient_disclosures(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    patient = access_patient(patient_id, user=actor.user, roles=DISCLOSURE_READ_ROLES)
    events = selectors.patient_disclosures(actor=actor, patient=patient)
    return render(request, "web/audit/disclosures.html", {"patient": patient, "events": events})
