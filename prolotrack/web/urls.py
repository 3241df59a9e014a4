"""Clinician pages. URLs carry opaque public ids only: never an MRN, a name or a birth date."""

from django.urls import include, path

from prolotrack.web.views import (
    assessment,
    audit,
    auth,
    clinical,
    dashboard,
    emergency,
    followup,
    partials,
    patients,
    protocols,
    questionnaires,
    reports,
    safety_events,
    safety_session,
    session_map,
    treatment,
    two_factor,
)

urlpatterns = [
    path("login/", auth.login, name="login"),
    path("logout/", auth.logout, name="logout"),
    path("session/keep-alive/", auth.keepalive, name="session_keepalive"),
    # Two-factor authentication: the user's own device, and the second step of sign-in.
    path("account/two-factor/", two_factor.two_factor_overview, name="two_factor_overview"),
    path("account/two-factor/setup/", two_factor.two_factor_setup, name="two_factor_setup"),
    path("account/two-factor/verify/", two_factor.two_factor_verify, name="two_factor_verify"),
    path(
        "account/two-factor/recovery-codes/",
        two_factor.two_factor_recovery_codes,
        name="two_factor_recovery_codes",
    ),
    path("", dashboard.dashboard, name="dashboard"),
    path("patients/", patients.patient_list, name="patient_list"),
    path("patients/new/", patients.patient_create, name="patient_create"),
    path("patients/<uuid:patient_id>/", patients.patient_chart, name="patient_chart"),
    path("patients/<uuid:patient_id>/edit/", patients.patient_edit, name="patient_edit"),
    path("patients/<uuid:patient_id>/history/", clinical.history_edit, name="history_edit"),
    path("patients/<uuid:patient_id>/weight/", clinical.weight_add, name="weight_add"),
    path(
        "patients/<uuid:patient_id>/conditions/new/",
        clinical.condition_create,
        name="condition_create",
    ),
    path("conditions/<uuid:condition_id>/edit/", clinical.condition_edit, name="condition_edit"),
    path("patients/<uuid:patient_id>/courses/new/", treatment.course_create, name="course_create"),
    path(
        "patients/<uuid:patient_id>/courses/from-protocol/",
        safety_session.course_create_from_protocol,
        name="course_create_from_protocol",
    ),
    path("courses/<uuid:course_id>/", treatment.course_detail, name="course_detail"),
    path("courses/<uuid:course_id>/edit/", treatment.course_edit, name="course_edit"),
    path("courses/<uuid:course_id>/sessions/new/", treatment.session_create, name="session_create"),
    path("sessions/<uuid:session_id>/", treatment.session_detail, name="session_detail"),
    path("sessions/<uuid:session_id>/edit/", treatment.session_edit, name="session_edit"),
    path(
        "sessions/<uuid:session_id>/injections/new/",
        treatment.injection_create,
        name="injection_create",
    ),
    path("injections/<uuid:injection_id>/edit/", treatment.injection_edit, name="injection_edit"),
    path(
        "sessions/<uuid:session_id>/screening/",
        safety_session.session_screening,
        name="session_screening",
    ),
    path(
        "sessions/<uuid:session_id>/screening/override/",
        safety_session.session_screening_override,
        name="session_screening_override",
    ),
    path("sessions/<uuid:session_id>/dose/", safety_session.session_dose, name="session_dose"),
    path(
        "sessions/<uuid:session_id>/dose/override/",
        safety_session.session_dose_override,
        name="session_dose_override",
    ),
    path(
        "questionnaires/<uuid:administration_id>/fill/",
        questionnaires.questionnaire_fill,
        name="questionnaire_fill",
    ),
    path(
        "questionnaires/<uuid:administration_id>/send-link/",
        questionnaires.questionnaire_send_link,
        name="questionnaire_send_link",
    ),
    path("outbox/", questionnaires.demo_outbox, name="demo_outbox"),
    # Side effects (adverse events), consent and aftercare.
    path(
        "patients/<uuid:patient_id>/adverse-events/new/",
        safety_events.adverse_event_create,
        name="adverse_event_create",
    ),
    path(
        "adverse-events/<uuid:event_id>/",
        safety_events.adverse_event_detail,
        name="adverse_event_detail",
    ),
    path(
        "adverse-events/<uuid:event_id>/confirm/",
        safety_events.adverse_event_confirm_view,
        name="adverse_event_confirm",
    ),
    path(
        "adverse-events/<uuid:event_id>/edit/",
        safety_events.adverse_event_edit,
        name="adverse_event_edit",
    ),
    path(
        "adverse-events/<uuid:event_id>/review/",
        safety_events.adverse_event_review_view,
        name="adverse_event_review",
    ),
    path("courses/<uuid:course_id>/consent/", safety_events.course_consent, name="course_consent"),
    path(
        "sessions/<uuid:session_id>/aftercare/",
        safety_events.session_aftercare,
        name="session_aftercare",
    ),
    # The knee injection map, the printable session note and the injection form's live dose.
    path(
        "sessions/<uuid:session_id>/map/add/",
        session_map.session_map_add,
        name="session_map_add",
    ),
    path("sessions/<uuid:session_id>/note/", session_map.session_note, name="session_note"),
    path(
        "sessions/<uuid:session_id>/dose/preview/",
        session_map.injection_dose_preview,
        name="injection_dose_preview",
    ),
    # The patient progress report (printable page and PDF).
    path(
        "reports/patients/<uuid:patient_id>/progress/",
        reports.progress_report_page,
        name="progress_report",
    ),
    path(
        "reports/patients/<uuid:patient_id>/progress.pdf",
        reports.progress_report_pdf,
        name="progress_report_pdf",
    ),
    # Follow-up: medication use, knee examinations and surgery (issue 5 items 4-6).
    path(
        "patients/<uuid:patient_id>/medication/new/",
        followup.medication_create,
        name="medication_create",
    ),
    path("medication/<uuid:use_id>/edit/", followup.medication_edit, name="medication_edit"),
    path(
        "patients/<uuid:patient_id>/examinations/new/",
        followup.examination_create,
        name="examination_create",
    ),
    path(
        "examinations/<uuid:examination_id>/edit/",
        followup.examination_edit,
        name="examination_edit",
    ),
    path(
        "patients/<uuid:patient_id>/surgeries/new/",
        followup.surgery_create,
        name="surgery_create",
    ),
    path("surgeries/<uuid:surgery_id>/edit/", followup.surgery_edit, name="surgery_edit"),
    # Is it working? The clinician's decision on a next-step suggestion (issue 5).
    path(
        "suggestions/<uuid:suggestion_id>/decide/",
        assessment.suggestion_decide,
        name="suggestion_decide",
    ),
    # Audit trail (issue 6): the clinic admin's report and CSV export, and a patient's
    # accounting of disclosures.
    path("audit/", audit.audit_report, name="audit_report"),
    path("audit/export.csv", audit.audit_export, name="audit_export"),
    path(
        "patients/<uuid:patient_id>/disclosures/",
        audit.patient_disclosures,
        name="patient_disclosures",
    ),
    # The protocol library (issue 4): published protocols, and each clinic's versioned copies.
    path("protocols/", protocols.protocol_list, name="protocol_list"),
    path("protocols/<slug:code>/", protocols.protocol_detail, name="protocol_detail"),
    path("protocols/<slug:code>/copy/", protocols.protocol_copy, name="protocol_copy"),
    path(
        "clinic-protocols/<uuid:copy_id>/",
        protocols.clinic_protocol_detail,
        name="clinic_protocol_detail",
    ),
    path(
        "clinic-protocols/<uuid:copy_id>/edit/",
        protocols.clinic_protocol_edit,
        name="clinic_protocol_edit",
    ),
    # Break-glass emergency access (issue 6 item 3): activation by right holders, the chart of
    # one's own running grant (by its opaque id), ending it, and the clinic admins' report.
    path("emergency/", emergency.emergency_activate, name="emergency_activate"),
    path("emergency/report/", emergency.emergency_report, name="emergency_report"),
    path("emergency/<uuid:access_id>/", emergency.emergency_chart, name="emergency_chart"),
    path("emergency/<uuid:access_id>/end/", emergency.emergency_end, name="emergency_end"),
    path("htmx/injection-approach/", partials.injection_approach, name="injection_approach"),
    path("htmx/condition-codes/", partials.condition_codes, name="condition_codes"),
    # The patients' home questionnaire pages: no login, a signed token instead of an id.
    path("q/", include("prolotrack.portal.urls")),
]
