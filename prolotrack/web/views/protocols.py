"""The protocol library: the shipped protocols, and each clinic's own versioned copies.

Shipped protocols are addressed by code (not patient data); a clinic's copy by the opaque id
of one of its versions. Any clinical role reads; clinicians and clinic admins copy and edit
(`safety.clinic_protocols`). Every unconfirmed part is shown next to the value it concerns,
with its reason, and again in one list at the top.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from prolotrack.clinics.access import CLINICAL_READ_ROLES, access_clinic, clinics_for
from prolotrack.clinics.models import Clinic, User
from prolotrack.core.errors import AccessDenied, NotFound
from prolotrack.domain.protocols import Protocol, Syringe, UnconfirmedPart
from prolotrack.knowledge.catalogue import KnowledgeError
from prolotrack.knowledge.protocols import protocol, protocols
from prolotrack.safety import clinic_protocols
from prolotrack.safety.clinic_protocols import EDIT_ROLES, access_clinic_protocol
from prolotrack.safety.models import ClinicProtocol
from prolotrack.web.actors import actor_for
from prolotrack.web.errors import page, submit

_FIELDS: tuple[tuple[str, str], ...] = (
    ("site_codes", "Sites"),
    ("site_selection", "Which sites"),
    ("points_per_site", "Points per site"),
    ("volume_ml", "Volume per point (mL)"),
    ("volume_range_ml", "Published volume range (mL)"),
    ("dextrose_pct", "Dextrose %"),
    ("lidocaine_pct", "Lidocaine %"),
    ("approach", "Approach"),
    ("guidance", "Guidance"),
    ("needle_gauge", "Needle (gauge)"),
    ("technique", "Technique"),
)


class DocumentForm(forms.Form):
    document = forms.CharField(
        label="Protocol (TOML)",
        widget=forms.Textarea(attrs={"rows": 30, "cols": 100, "spellcheck": "false"}),
        max_length=clinic_protocols.MAX_DOCUMENT_CHARS,
        strip=False,
    )


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _shown(value: object) -> str:
    if value is None:
        return "none given"
    if isinstance(value, Decimal):
        return _number(value)
    if isinstance(value, tuple):
        return " to ".join(_shown(v) for v in value) if value else "none"
    return str(value)


def _syringe_rows(
    protocol: Protocol, syringe: Syringe, flags: dict[str, UnconfirmedPart]
) -> list[tuple[str, str, UnconfirmedPart | None]]:
    rows = []
    for field, label in _FIELDS:
        value = getattr(syringe, field)
        if field == "site_codes":
            shown = ", ".join(value)
        elif field == "technique" and not value:
            continue
        else:
            shown = _shown(value)
        rows.append((label, shown, flags.get(f"syringes.{syringe.key}.{field}")))
    return rows


def protocol_context(found: Protocol) -> dict[str, Any]:
    """What `web/protocols/protocol_body.html` shows for one protocol."""
    flags = {part.part: part for part in found.unconfirmed}
    sessions = [
        {
            "weeks": _number(Decimal(session.offset_days) / 7),
            "session": session,
            "syringes": [found.syringe(key).label for key in session.syringe_keys],
        }
        for session in found.sessions
    ]
    syringes = [(s, _syringe_rows(found, s, flags)) for s in found.syringes]
    return {
        "protocol": found,
        "sessions": sessions,
        "syringes": syringes,
        "sessions_flag": flags.get("sessions"),
        "conditions_flag": flags.get("conditions"),
        "max_ea_flag": flags.get("max_total_ea_volume_ml"),
        "max_ea": _shown(found.max_total_ea_volume_ml),
    }


def _reader_clinics(user: User) -> list[Clinic]:
    clinics = clinics_for(user, CLINICAL_READ_ROLES)
    if not clinics:
        raise AccessDenied("The protocol library is for clinical staff.")
    return clinics


def _shipped(code: str) -> Protocol:
    try:
        return protocol(code)
    except KnowledgeError:
        raise NotFound("Not found.") from None


@page("GET")
def protocol_list(request: HttpRequest) -> HttpResponse:
    clinics = _reader_clinics(actor_for(request).user)
    copies = clinic_protocols.latest_copies([clinic.id for clinic in clinics])
    context = {
        "shipped": list(protocols().values()),
        "copies": [(copy, clinic_protocols.parsed(copy)) for copy in copies],
        "several_clinics": len(clinics) > 1,
    }
    return render(request, "web/protocols/list.html", context)


@page("GET")
def protocol_detail(request: HttpRequest, code: str) -> HttpResponse:
    user = actor_for(request).user
    _reader_clinics(user)
    found = _shipped(code)
    context = protocol_context(found) | {"copy_clinics": clinics_for(user, EDIT_ROLES)}
    return render(request, "web/protocols/detail.html", context)


@page("GET", "POST")
def protocol_copy(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_for(request)
    clinics = clinics_for(actor.user, EDIT_ROLES)
    if not clinics:
        raise AccessDenied("Clinicians and clinic administrators copy protocols.")
    found = _shipped(code)
    if request.method == "GET":
        context = {"protocol": found, "clinics": clinics}
        return render(request, "web/protocols/copy.html", context)
    chosen = request.POST.get("clinic")
    clinic = access_clinic(chosen, user=actor.user, roles=EDIT_ROLES) if chosen else clinics[0]
    copy = clinic_protocols.protocol_copy(actor=actor, clinic=clinic, shipped_code=found.code)
    return redirect("clinic_protocol_detail", copy_id=copy.public_id)


def _copy_context(copy: ClinicProtocol) -> dict[str, Any]:
    return protocol_context(clinic_protocols.parsed(copy)) | {
        "copy": copy,
        "versions": clinic_protocols.versions(copy),
    }


@page("GET")
def clinic_protocol_detail(request: HttpRequest, copy_id: uuid.UUID) -> HttpResponse:
    user = actor_for(request).user
    copy = access_clinic_protocol(copy_id, user=user, roles=CLINICAL_READ_ROLES)
    context = _copy_context(copy) | {
        "can_edit": copy.clinic_id in {clinic.id for clinic in clinics_for(user, EDIT_ROLES)}
    }
    return render(request, "web/protocols/clinic_detail.html", context)


@page("GET", "POST")
def clinic_protocol_edit(request: HttpRequest, copy_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    copy = access_clinic_protocol(copy_id, user=actor.user, roles=EDIT_ROLES)
    latest = clinic_protocols.versions(copy)[0]
    form = DocumentForm(
        request.POST if request.method == "POST" else None, initial={"document": latest.document}
    )
    result = submit(
        request,
        form,
        lambda data: clinic_protocols.protocol_edit(
            actor=actor, copy=latest, document=data["document"]
        ),
    )
    if result.saved is not None:
        return redirect("clinic_protocol_detail", copy_id=result.saved.public_id)
    context = {"form": form, "copy": latest}
    return render(request, "web/protocols/edit.html", context, status=result.status)
