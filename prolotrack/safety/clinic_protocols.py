"""A clinic's own protocols: a copy of a shipped protocol, edited as TOML, every edit a version.

The copy is validated by the same loader as the shipped files
(`knowledge.protocols.protocol_from_text`); its code is the clinic's slug and the shipped code,
so it never shadows a shipped protocol. Rows are never updated: saving an edit adds version
N + 1. Copies and edits are audited (`protocol.copy`, `protocol.edit`).
"""

from __future__ import annotations

import re
from collections.abc import Collection

from django.db import IntegrityError, transaction

from prolotrack.audit.services import audit_record
from prolotrack.clinics.access import parse_public_id, require_role
from prolotrack.clinics.models import Clinic, Role, User
from prolotrack.core.actor import Actor
from prolotrack.core.errors import ApplicationError, Conflict, NotFound
from prolotrack.domain.protocols import Protocol
from prolotrack.knowledge.catalogue import KnowledgeError
from prolotrack.knowledge.protocols import protocol, protocol_from_text, shipped_protocol_text
from prolotrack.safety.models import ClinicProtocol

EDIT_ROLES = frozenset({Role.CLINICIAN, Role.CLINIC_ADMIN})
MAX_DOCUMENT_CHARS = 100_000
_CODE_LINE = re.compile(r'^code\s*=\s*"[^"\n]*"\s*$', re.MULTILINE)


def copy_code(clinic: Clinic, shipped_code: str) -> str:
    """``<clinic slug>_<shipped code>``, in the loader's code alphabet (a-z, 0-9, _)."""
    slug = re.sub(r"[^a-z0-9]+", "_", clinic.slug.lower()).strip("_")
    if not slug or not slug[0].isalpha():
        slug = f"clinic_{slug}".rstrip("_")
    return f"{slug}_{shipped_code}"


def parsed(copy: ClinicProtocol) -> Protocol:
    """The stored document as the domain type (it was validated when it was saved)."""
    return protocol_from_text(copy.document, origin=f"{copy.code} version {copy.version}")


def access_clinic_protocol(
    public_id: object, *, user: User, roles: Collection[str]
) -> ClinicProtocol:
    """One version of a clinic's protocol; another clinic's is NotFound, like a missing one."""
    found = (
        ClinicProtocol.objects.select_related("clinic", "created_by")
        .filter(public_id=parse_public_id(public_id))
        .first()
    )
    if found is None:
        raise NotFound("Not found.")
    require_role(user, found.clinic_id, roles)
    return found


def versions(copy: ClinicProtocol) -> list[ClinicProtocol]:
    """Every version of the copy's protocol, newest first."""
    return list(
        ClinicProtocol.objects.filter(clinic_id=copy.clinic_id, code=copy.code)
        .select_related("created_by")
        .order_by("-version")
    )


def latest_copies(clinic_ids: Collection[int]) -> list[ClinicProtocol]:
    """The newest version of each clinic protocol in these clinics."""
    rows = ClinicProtocol.objects.filter(clinic_id__in=clinic_ids).select_related("clinic")
    newest: dict[tuple[int, str], ClinicProtocol] = {}
    for row in rows.order_by("clinic_id", "code", "-version"):
        newest.setdefault((row.clinic_id, row.code), row)
    return sorted(newest.values(), key=lambda row: (row.clinic.name, row.code))


def _validated(document: str, *, code: str, origin: str) -> Protocol:
    if len(document) > MAX_DOCUMENT_CHARS:
        raise ApplicationError(
            f"The document is longer than {MAX_DOCUMENT_CHARS} characters.", field="document"
        )
    try:
        found = protocol_from_text(document, origin=origin)
    except KnowledgeError as error:
        raise ApplicationError(str(error), field="document") from error
    if found.code != code:
        raise ApplicationError(
            f'The code must stay "{code}" (it was "{found.code}").', field="document"
        )
    return found


def protocol_copy(*, actor: Actor, clinic: Clinic, shipped_code: str) -> ClinicProtocol:
    """Version 1 of the clinic's copy of a shipped protocol, or the newest version if the clinic
    already has one (nothing is saved then)."""
    require_role(actor.user, clinic.id, EDIT_ROLES)
    try:
        shipped = protocol(shipped_code)
    except KnowledgeError:
        raise NotFound("Not found.") from None
    code = copy_code(clinic, shipped.code)
    existing = ClinicProtocol.objects.filter(clinic=clinic, code=code).order_by("-version").first()
    if existing is not None:
        return existing
    document = _CODE_LINE.sub(f'code = "{code}"', shipped_protocol_text(shipped.code), count=1)
    _validated(document, code=code, origin=code)
    with transaction.atomic():
        copy = ClinicProtocol.objects.create(
            clinic=clinic,
            code=code,
            version=1,
            based_on_code=shipped.code,
            based_on_version=shipped.version,
            document=document,
            created_by=actor.user,
        )
        audit_record(
            actor=actor,
            action="protocol.copy",
            clinic_id=clinic.id,
            target=copy,
            detail={"code": code, "based_on": shipped.code, "version": 1},
        )
    return copy


def protocol_edit(*, actor: Actor, copy: ClinicProtocol, document: str) -> ClinicProtocol:
    """Save `document` as the next version of the copy's protocol; nothing saved if invalid."""
    require_role(actor.user, copy.clinic_id, EDIT_ROLES)
    document = document.replace("\r\n", "\n")
    _validated(document, code=copy.code, origin=copy.code)
    try:
        with transaction.atomic():
            newest = (
                ClinicProtocol.objects.select_for_update(no_key=True)
                .filter(clinic_id=copy.clinic_id, code=copy.code)
                .order_by("-version")
                .first()
            )
            version = (newest.version if newest is not None else 0) + 1
            saved = ClinicProtocol.objects.create(
                clinic_id=copy.clinic_id,
                code=copy.code,
                version=version,
                based_on_code=copy.based_on_code,
                based_on_version=copy.based_on_version,
                document=document,
                created_by=actor.user,
            )
            audit_record(
                actor=actor,
                action="protocol.edit",
                clinic_id=copy.clinic_id,
                target=saved,
                detail={"code": copy.code, "version": version},
            )
    except IntegrityError as error:
        raise Conflict(
            "Someone saved a new version at the same time; open it and retry."
        ) from error
    return saved
