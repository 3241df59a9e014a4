"""Writing audit events. Call inside the same transaction as the change being audited.

Each event is appended to the hash chain (`audit.chain.chain_append`): numbered, linked to the
event before it and hashed, in the caller's transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.db import models

from prolotrack.audit.chain import chain_append
from prolotrack.audit.models import AuditEvent, Outcome
from prolotrack.core.actor import Actor


def audit_record(
    *,
    actor: Actor | None,
    action: str,
    clinic_id: int | None = None,
    patient_id: int | None = None,
    target: models.Model | None = None,
    outcome: str = Outcome.SUCCESS,
    detail: dict[str, Any] | None = None,
    channel: str | None = None,
    client_address: str | None = None,
) -> AuditEvent:
    """Append one audit event. `detail` must hold no identifying text (no names, MRNs)."""
    user = actor.user if actor is not None and actor.user.is_authenticated else None
    object_id = ""
    if target is not None:
        object_id = str(getattr(target, "public_id", None) or target.pk)
    event = AuditEvent(
        user=user,
        username=user.get_username() if user is not None else "",
        clinic_id=clinic_id,
        patient_id=patient_id,
        action=action,
        object_type=target._meta.label_lower if target is not None else "",
        object_id=object_id,
        outcome=outcome,
        client_address=client_address
        if client_address is not None
        else (actor.client_address if actor is not None else ""),
        channel=channel or (actor.channel if actor is not None else "system"),
        detail=detail or {},
    )
    return chain_append(event)


def audit_disclosure(
    *,
    actor: Actor | None,
    action: str,
    clinic_id: int,
    patient_ids: Iterable[int],
    detail: dict[str, Any] | None = None,
) -> list[AuditEvent]:
    """One event per patient for a disclosure (export, print, FHIR read) of several patients.

    Each patient's accounting of disclosures then lists it; a shared `batch` id in `detail`
    ties the events of one disclosure together. `detail` may name a purpose or recipient
    (never a patient).
    """
    batch = str(uuid.uuid4())
    return [
        audit_record(
            actor=actor,
            action=action,
            clinic_id=clinic_id,
            patient_id=patient_id,
            detail={**(detail or {}), "batch": batch},
        )
        for patient_id in sorted(set(patient_ids))
    ]
