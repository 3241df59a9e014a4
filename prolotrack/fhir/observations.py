"""Questionnaire scores as FHIR Observations (read and search), the token's clinic only.

An Observation's id is `<administration public_id>.<scale>` (underscores as hyphens), so it is
as opaque as the administration's id and needs no column of its own. Codes: LOINC where
clinical.md §7c gives one (KOOS subscales, the 0-10 pain NRS), and always our local code
`<INSTRUMENT>.<scale>` in `LOCAL_CODES`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Q
from fhir.resources.R4B.observation import Observation

from prolotrack.api.access import authorize
from prolotrack.api.tokens import TokenContext
from prolotrack.audit.services import audit_record
from prolotrack.clinics.access import access_scoped, parse_public_id
from prolotrack.core.errors import NotFound
from prolotrack.fhir.errors import FhirError
from prolotrack.fhir.mappers import instant
from prolotrack.fhir.search import check_values, paging_of, search_page
from prolotrack.outcomes.models import Administration, Score

LOINC = "http://loinc.org"
LOCAL_CODES = "urn:prolotrack:fhir:CodeSystem:instrument-scale"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
# clinical.md §7c (CMS66v10; paciowg PROMIS NRS sample).
LOINC_CODES = {
    ("KOOS", "pain"): ("72102-7", "KOOS Pain score"),
    ("KOOS", "symptoms"): ("72101-9", "KOOS Symptoms score"),
    ("KOOS", "adl"): ("72100-1", "KOOS Activities of daily living score"),
    ("KOOS", "sport_rec"): ("72099-5", "KOOS Sport-recreation score"),
    ("KOOS", "qol"): ("72098-7", "KOOS Quality of life score"),
    ("KNEE_PAIN_NRS", "pain"): ("72514-3", "Pain severity 0-10 verbal numeric rating, reported"),
}
SEARCH_PARAMS = frozenset({"subject", "patient", "code", "_count", "_offset", "_format"})
KNEE_JOINT_SNOMED = "49076000"  # clinical.md §7b


def observation_id(score: Score) -> str:
    return f"{score.administration.public_id}.{score.scale.replace('_', '-')}"


def observation_resource(score: Score) -> dict[str, Any]:
    administration = score.administration
    local = f"{score.instrument_code}.{score.scale}"
    codings = [{"system": LOCAL_CODES, "code": local, "display": local}]
    loinc = LOINC_CODES.get((score.instrument_code, score.scale))
    if loinc:
        codings.insert(0, {"system": LOINC, "code": loinc[0], "display": loinc[1]})
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": observation_id(score),
        "meta": {"versionId": "1", "lastUpdated": instant(score.computed_at)},
        "status": "final",
        "category": [{"coding": [{"system": CATEGORY, "code": "survey"}]}],
        "code": {"coding": codings, "text": local},
        "subject": {"reference": f"Patient/{score.patient.public_id}"},
        "effectiveDateTime": instant(administration.completed_at or score.computed_at),
        "issued": instant(score.computed_at),
        "note": [{"text": f"definition version {score.definition_version}"}],
    }
    if score.side:
        resource["bodySite"] = {
            "coding": [{"system": "http://snomed.info/sct", "code": KNEE_JOINT_SNOMED}],
            "text": f"{score.side} knee",
        }
    if score.value is None:
        resource["dataAbsentReason"] = {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/data-absent-reason",
                    "code": "error",
                }
            ],
            "text": score.invalid_reason or "not scored",
        }
    else:
        resource["valueQuantity"] = {"value": score.value, "unit": "score"}
    return Observation.model_validate(resource).model_dump(mode="json", exclude_none=True)


def _scores(context: TokenContext) -> Any:
    return Score.objects.filter(clinic_id=context.clinic.id).select_related(
        "administration", "patient"
    )


def observation_read(context: TokenContext, resource_id: str, base: str) -> dict[str, Any]:
    grant = authorize(context, "fhir_observation", "GET")
    administration_id, _, scale = resource_id.partition(".")
    administrations = Administration.objects.filter(clinic_id=context.clinic.id)
    administration = access_scoped(
        administrations, administration_id, user=context.user, roles=grant.roles
    )
    score = next(
        (
            s
            for s in _scores(context).filter(administration=administration)
            if s.scale.replace("_", "-") == scale
        ),
        None,
    )
    if score is None:
        raise NotFound("Not found.")
    with transaction.atomic():
        audit_record(
            actor=context.actor,
            action="fhir.read",
            clinic_id=score.clinic_id,
            patient_id=score.patient_id,
            target=administration,
            detail={"observation": resource_id, "token": context.token.prefix},
        )
    return observation_resource(score)


def _patient_reference(value: str) -> Any:
    reference = value.strip()
    if reference.startswith("Patient/"):
        reference = reference[len("Patient/") :]
    elif "/" in reference:
        return None  # another resource type: matches nothing
    try:
        return parse_public_id(reference)
    except NotFound:
        return None


def observation_search(
    context: TokenContext, params: Mapping[str, Sequence[str]]
) -> tuple[list[dict[str, Any]], int]:
    check_values(params)
    for name in params:
        if name not in SEARCH_PARAMS:
            raise FhirError(
                400, "not-supported", f"Unknown search parameter: {name}.", expression=[name]
            )
    paging = paging_of(params)
    found = _scores(context).exclude(administration__completed_at=None)
    for value in [*params.get("subject", []), *params.get("patient", [])]:
        found = found.filter(patient__public_id=_patient_reference(value))
    for value in params.get("code", []):
        found = found.filter(_code_matches(value))
    found = found.order_by("administration__completed_at", "administration_id", "scale")
    scores, total = search_page(context, found, paging, lambda score: score.patient_id)
    return [observation_resource(score) for score in scores], total


def _code_matches(value: str) -> Q:
    system, bar, code = value.rpartition("|")
    pairs: set[tuple[str, str]] = set()
    if not bar or system == LOINC:
        pairs |= {pair for pair, (loinc, _) in LOINC_CODES.items() if loinc == code}
    if (not bar or system == LOCAL_CODES) and "." in code:
        instrument, _, scale = code.partition(".")
        pairs.add((instrument, scale))
    matches = Q(pk__in=[])
    for instrument, scale in pairs:
        matches |= Q(instrument_code=instrument, scale=scale)
    return matches
