"""The permission matrix: who may use each page, by role and HTTP method.

One row per named route of `prolotrack.web.urls` (the portal's included routes too). The views
enforce these rules through `access_*` / `require_role` with the role sets of
`prolotrack.clinics.access`; this table states them in one place, and
`tests/web/test_permission_matrix.py` holds the two together: it fails when a route has no row,
and it sends every route x role x method and checks the answer (allowed; 403 for a role the row
does not list; 404 for another clinic's object, the same answer as a missing one).

Route kinds:
- `object`: the URL carries an object's opaque id; the object's clinic decides (404 for a user
  with no membership there, 403 for a member whose role is not listed).
- `clinic`: no object in the URL; the user's roles in any of their clinics decide what they see.
- `login`: any signed-in user (catalogue data or the user's own session, no patient data).
- `token`: the patients' questionnaire link (`/q/<token>/`): a signed, expiring token, no account.
- `public`: no sign-in (the sign-in page itself, the portal's thank-you page).
- `privilege`: needs a right given to the user in advance, not a role in the page's clinic
  (break-glass: `prolotrack emergency allow`); the role columns say which roles may hold it.
  403 for everyone without it.
- `grant`: the URL carries the opaque id of a grant owned by a user, not by a clinic (an
  emergency access): only that user, while it runs (403 after); 404 for everyone else,
  whatever their role or clinic.

`prolotrack permissions` prints the table as Markdown; docs/security.md includes that output and
a test checks it is current.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from prolotrack.assessment.services import DECIDE_ROLES
from prolotrack.clinics.access import (
    CLINICAL_READ_ROLES,
    CLINICAL_WRITE_ROLES,
    DEMOGRAPHIC_READ_ROLES,
    DEMOGRAPHIC_WRITE_ROLES,
    SESSION_DOCUMENT_ROLES,
)
from prolotrack.clinics.models import Role
from prolotrack.emergency.selectors import REPORT_ROLES as EMERGENCY_REPORT_ROLES
from prolotrack.emergency.services import EMERGENCY_ROLES
from prolotrack.safety.clinic_protocols import EDIT_ROLES as PROTOCOL_EDIT_ROLES
from prolotrack.safety.doses import OVERRIDE_ROLES as DOSE_OVERRIDE_ROLES
from prolotrack.safety.events import EVENT_CONFIRM_ROLES, EVENT_UPDATE_ROLES
from prolotrack.safety.screening import OVERRIDE_ROLES as SCREENING_OVERRIDE_ROLES
from prolotrack.web.views.audit import AUDIT_REPORT_ROLES, DISCLOSURE_READ_ROLES

Kind = Literal["object", "clinic", "login", "token", "public", "privilege", "grant"]
Method = Literal["GET", "POST"]
ALL_ROLES: tuple[str, ...] = tuple(Role.values)
NOBODY: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Rule:
    kind: Kind
    methods: dict[str, frozenset[str]] = field(default_factory=dict)
    note: str = ""
    # What a role the row does not list gets: 403, or 404 where the page does not exist for it.
    denied_status: int = 403

    def allows(self, method: str, role: str) -> bool:
        return role in self.methods.get(method, NOBODY)


def _object(note: str = "", **methods: frozenset[str]) -> Rule:
    return Rule("object", dict(methods), note)


def _clinic(note: str = "", **methods: frozenset[str]) -> Rule:
    return Rule("clinic", dict(methods), note)


EVERYONE = frozenset(ALL_ROLES)

MATRIX: dict[str, Rule] = {
    # Sign-in.
    "login": Rule("public", note="sign-in form"),
    "logout": Rule("login", note="POST only"),
    "session_keepalive": Rule("login", note="POST only; resets the idle clock"),
    # Two-factor authentication: the user's own authenticator and recovery codes.
    "two_factor_overview": Rule("login", note="the user's own two-factor status"),
    "two_factor_setup": Rule("login", note="enrol an authenticator; shows the key once"),
    "two_factor_verify": Rule("login", note="second sign-in step; the only page until verified"),
    "two_factor_recovery_codes": Rule("login", note="new recovery codes for a current code"),
    # Lists and dashboards: what each role sees depends on its clinics.
    "dashboard": _clinic("everyone signed in; patient lists only for staff", GET=EVERYONE),
    "patient_list": _clinic(
        "search by name or MRN in a POST body",
        GET=DEMOGRAPHIC_READ_ROLES,
        POST=DEMOGRAPHIC_READ_ROLES,
    ),
    "patient_create": _clinic(GET=DEMOGRAPHIC_WRITE_ROLES, POST=DEMOGRAPHIC_WRITE_ROLES),
    "demo_outbox": Rule(
        "clinic",
        {"GET": CLINICAL_READ_ROLES},
        "demo clinics only; 404 for everyone else",
        denied_status=404,
    ),
    # The patient record.
    "patient_chart": _object(
        "front desk sees demographics and appointments only", GET=DEMOGRAPHIC_READ_ROLES
    ),
    "patient_edit": _object(GET=DEMOGRAPHIC_WRITE_ROLES, POST=DEMOGRAPHIC_WRITE_ROLES),
    "history_edit": _object(GET=CLINICAL_WRITE_ROLES, POST=CLINICAL_WRITE_ROLES),
    "weight_add": _object(GET=CLINICAL_WRITE_ROLES, POST=CLINICAL_WRITE_ROLES),
    "condition_create": _object(GET=CLINICAL_WRITE_ROLES, POST=CLINICAL_WRITE_ROLES),
    "condition_edit": _object(GET=CLINICAL_WRITE_ROLES, POST=CLINICAL_WRITE_ROLES),
    # Courses, sessions, injections.
    "course_create": _object(GET=CLINICAL_WRITE_ROLES, POST=CLINICAL_WRITE_ROLES),
    "course_create_from_protocol": _object(GET=CLINICAL_WRITE_ROLES, POST=CLINICAL_WRITE_ROLES),
    "course_detail": _object(GET=CLINICAL_READ_ROLES),
    "course_edit": _object(GET=CLINICAL_WRITE_ROLES, POST=CLINICAL_WRITE_ROLES),
    "session_create": _object(GET=CLINICAL_WRITE_ROLES, POST=CLINICAL_WRITE_ROLES),
    "session_detail": _object(GET=CLINICAL_READ_ROLES),
    "session_edit": _object(GET=SESSION_DOCUMENT_ROLES, POST=SESSION_DOCUMENT_ROLES),
    "injection_create": _object(GET=SESSION_DOCUMENT_ROLES, POST=SESSION_DOCUMENT_ROLES),
    "injection_edit": _object(GET=SESSION_DOCUMENT_ROLES, POST=SESSION_DOCUMENT_ROLES),
    "session_map_add": _object("click a site on the knee map", POST=SESSION_DOCUMENT_ROLES),
    "session_note": _object("printable session note", GET=CLINICAL_READ_ROLES),
    "injection_dose_preview": _object(
        "live dose on the injection form", POST=SESSION_DOCUMENT_ROLES
    ),
    # Session safety.
    "session_screening": _object(POST=SESSION_DOCUMENT_ROLES),
    "session_screening_override": _object(
        "a clinician, with a written reason", POST=SCREENING_OVERRIDE_ROLES
    ),
    "session_dose": _object(POST=SESSION_DOCUMENT_ROLES),
    "session_dose_override": _object(
        "a clinician, with a written reason", POST=DOSE_OVERRIDE_ROLES
    ),
    "session_aftercare": _object("printable sheet", GET=CLINICAL_READ_ROLES),
    "course_consent": _object(GET=CLINICAL_WRITE_ROLES, POST=CLINICAL_WRITE_ROLES),
    # Adverse events.
    "adverse_event_create": _object(GET=CLINICAL_WRITE_ROLES, POST=CLINICAL_WRITE_ROLES),
    "adverse_event_detail": _object(GET=CLINICAL_READ_ROLES),
    "adverse_event_confirm": _object(
        "a patient's report becomes an event", POST=EVENT_CONFIRM_ROLES
    ),
    "adverse_event_edit": _object(POST=EVENT_UPDATE_ROLES),
    "adverse_event_review": _object("serious events leave the dashboard", POST=EVENT_CONFIRM_ROLES),
    # Questionnaires.
    "questionnaire_fill": _object(
        "tablet or paper entry", GET=CLINICAL_WRITE_ROLES, POST=CLINICAL_WRITE_ROLES
    ),
    "questionnaire_send_link": _object(POST=CLINICAL_WRITE_ROLES),
    # Is it working? Follow-up measures, next-step decisions, the progress report.
    "medication_create": _object(GET=CLINICAL_WRITE_ROLES, POST=CLINICAL_WRITE_ROLES),
    "medication_edit": _object(GET=CLINICAL_WRITE_ROLES, POST=CLINICAL_WRITE_ROLES),
    "examination_create": _object(GET=CLINICAL_WRITE_ROLES, POST=CLINICAL_WRITE_ROLES),
    "examination_edit": _object(GET=CLINICAL_WRITE_ROLES, POST=CLINICAL_WRITE_ROLES),
    "surgery_create": _object(GET=CLINICAL_WRITE_ROLES, POST=CLINICAL_WRITE_ROLES),
    "surgery_edit": _object(GET=CLINICAL_WRITE_ROLES, POST=CLINICAL_WRITE_ROLES),
    "suggestion_decide": _object(
        "clinicians decide; the chart shows suggestions to every clinical role",
        GET=DECIDE_ROLES,
        POST=DECIDE_ROLES,
    ),
    "progress_report": _object("for the patient; audited", GET=CLINICAL_READ_ROLES),
    "progress_report_pdf": _object(
        "a disclosure: audited with the patient", GET=CLINICAL_READ_ROLES
    ),
    # The audit trail.
    "audit_report": _clinic(
        "the admin's own clinic; filters posted, patient by opaque id",
        GET=AUDIT_REPORT_ROLES,
        POST=AUDIT_REPORT_ROLES,
    ),
    "audit_export": _clinic("CSV, formula-safe; audited", GET=AUDIT_REPORT_ROLES),
    "patient_disclosures": _object("accounting of disclosures", GET=DISCLOSURE_READ_ROLES),
    # The protocol library: published protocols by code, clinic copies by opaque id.
    "protocol_list": _clinic(
        "published protocols and the clinic's copies", GET=CLINICAL_READ_ROLES
    ),
    "protocol_detail": _clinic("a published protocol, by code", GET=CLINICAL_READ_ROLES),
    "protocol_copy": _clinic(
        "copy into the user's clinic; version 1",
        GET=PROTOCOL_EDIT_ROLES,
        POST=PROTOCOL_EDIT_ROLES,
    ),
    "clinic_protocol_detail": _object("one version and its history", GET=CLINICAL_READ_ROLES),
    "clinic_protocol_edit": _object(
        "saves a new version; audited", GET=PROTOCOL_EDIT_ROLES, POST=PROTOCOL_EDIT_ROLES
    ),
    # Break-glass emergency access to another clinic's patient (issue 6 item 3).
    "emergency_activate": Rule(
        "privilege",
        {"GET": EMERGENCY_ROLES, "POST": EMERGENCY_ROLES},
        "only users given emergency access in advance; MRN and birth date in the POST body",
    ),
    "emergency_chart": Rule(
        "grant",
        {"GET": EMERGENCY_ROLES},
        "the grant's own user while it runs (403 after); audited as emergency.view",
    ),
    "emergency_end": Rule("grant", {"POST": EMERGENCY_ROLES}, "ends one's own grant early"),
    "emergency_report": _clinic(
        "who opened the clinic's patients, why, and each view", GET=EMERGENCY_REPORT_ROLES
    ),
    # Form helpers (catalogue data only).
    "injection_approach": Rule("login", note="site catalogue lookup"),
    "condition_codes": Rule("login", note="ICD-10-CM catalogue lookup"),
    # The patients' questionnaire link.
    "portal_link": Rule("token"),
    "portal_save": Rule("token"),
    "portal_submit": Rule("token"),
    "portal_link_thanks": Rule("token"),
    "portal_check_in": Rule("token", note="the patient reports a side effect"),
    "portal_check_in_sent": Rule("token"),
    "portal_progress": Rule(
        "token", note="the patient's own progress, after a completed questionnaire"
    ),
    "portal_thanks": Rule("public", note="shows nothing about anyone"),
}


ROLE_LABELS = dict(Role.choices)


def markdown() -> str:
    """The matrix as a Markdown table (docs/security.md embeds it)."""
    roles = list(ALL_ROLES)
    head = "| route | kind | " + " | ".join(ROLE_LABELS[r] for r in roles) + " | note |"
    rule = "|" + "---|" * (len(roles) + 3)
    lines = [head, rule]
    for name in sorted(MATRIX):
        entry = MATRIX[name]
        cells = []
        for role in roles:
            allowed = [m for m in ("GET", "POST") if entry.allows(m, role)]
            if entry.kind in ("login",):
                cells.append("signed in")
            elif entry.kind in ("token", "public"):
                cells.append("—")
            else:
                cells.append(" ".join(allowed) if allowed else "✗")
        lines.append(f"| `{name}` | {entry.kind} | " + " | ".join(cells) + f" | {entry.note} |")
    return "\n".join(lines) + "\n"
