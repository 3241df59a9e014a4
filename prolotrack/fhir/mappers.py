"""Django records <-> FHIR R4 resources (fhir.resources R4B models validate both ways).

Patient: `id` is the opaque public_id, `meta.versionId` the record's version (the ETag), the
MRN an identifier of type MR in the clinic's own system. Knees of interest, which FHIR has no
element for, travel in an extension.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from fhir.resources.R4B.patient import Patient as FhirPatient
from pydantic import ValidationError

from prolotrack.fhir.errors import FhirError, validation_issues
from prolotrack.patients.models import KneesOfInterest, Patient, Sex

V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
KNEES_EXTENSION = "urn:prolotrack:fhir:StructureDefinition:knees-of-interest"
GENDERS = frozenset(Sex.values)


def mrn_system(clinic_public_id: uuid.UUID) -> str:
    """The clinic's MRN namespace: an opaque URN, no clinic name in it."""
    return f"urn:uuid:{clinic_public_id}"


def instant(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def patient_resource(patient: Patient) -> dict[str, Any]:
    telecom = []
    if patient.phone:
        telecom.append({"system": "phone", "value": patient.phone})
    if patient.email:
        telecom.append({"system": "email", "value": patient.email})
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(patient.public_id),
        "meta": {"versionId": str(patient.version), "lastUpdated": instant(patient.updated_at)},
        "extension": [{"url": KNEES_EXTENSION, "valueCode": patient.knees}],
        "identifier": [
            {
                "use": "usual",
                "type": {"coding": [{"system": V2_0203, "code": "MR"}]},
                "system": mrn_system(patient.clinic.public_id),
                "value": patient.mrn,
            }
        ],
        "name": [{"use": "official", "family": patient.family_name, "given": [patient.given_name]}],
        "gender": patient.sex,
        "birthDate": patient.date_of_birth.isoformat(),
    }
    if telecom:
        resource["telecom"] = telecom
    # Validated on the way out too: what we send is a valid R4 Patient.
    return FhirPatient.model_validate(resource).model_dump(mode="json", exclude_none=True)


def _storable(value: str, expression: str) -> str:
    if "\x00" in value:
        raise FhirError(
            400, "structure", "Text must not contain NUL characters.", expression=[expression]
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise FhirError(
            400, "structure", "Text must be valid Unicode.", expression=[expression]
        ) from None
    return value.strip()


def _required(message: str, expression: str) -> FhirError:
    return FhirError(422, "required", message, expression=[expression])


def patient_changes(body: Any, *, resource_id: str, clinic_public_id: uuid.UUID) -> dict[str, Any]:
    """The demographic fields a PUT Patient sets (a whole-resource replace of what we map).

    Raises FhirError: 400 for a body that is not a valid R4 Patient or names another id,
    422 for a valid Patient that lacks what the record needs.
    """
    if not isinstance(body, dict) or body.get("resourceType") != "Patient":
        raise FhirError(
            400, "structure", "The body must be a Patient resource.", expression=["Patient"]
        )
    try:
        parsed = FhirPatient.model_validate(body)
    except (ValidationError, ValueError) as error:
        raise FhirError(400, "structure", "Invalid Patient.") from _wrap(error)
    if parsed.id != resource_id:
        raise FhirError(
            400,
            "invalid",
            "The resource id must equal the id in the URL.",
            expression=["Patient.id"],
        )
    names = [n for n in parsed.name or [] if n.use in (None, "official", "usual")]
    if not names or not names[0].family or not names[0].given:
        raise _required("A name with family and given name is required.", "Patient.name")
    if parsed.birthDate is None or not isinstance(parsed.birthDate, dt.date):
        raise _required("A full birth date (YYYY-MM-DD) is required.", "Patient.birthDate")
    if parsed.gender not in GENDERS:
        raise _required("gender must be female, male, other or unknown.", "Patient.gender")
    changes: dict[str, Any] = {
        "given_name": _storable(str(names[0].given[0]), "Patient.name.given"),
        "family_name": _storable(str(names[0].family), "Patient.name.family"),
        "date_of_birth": parsed.birthDate,
        "sex": parsed.gender,
        "phone": "",
        "email": "",
    }
    for contact in parsed.telecom or []:
        if contact.system in ("phone", "email") and contact.value and not changes[contact.system]:
            changes[contact.system] = _storable(str(contact.value), "Patient.telecom.value")
    mrns = [
        identifier.value
        for identifier in parsed.identifier or []
        if identifier.system == mrn_system(clinic_public_id) and identifier.value
    ]
    if not mrns:
        raise _required(
            "The identifier with the clinic's MRN system is required.", "Patient.identifier"
        )
    changes["mrn"] = _storable(str(mrns[0]), "Patient.identifier.value")
    for extension in parsed.extension or []:
        if extension.url == KNEES_EXTENSION:
            if extension.valueCode not in KneesOfInterest.values:
                raise FhirError(
                    422,
                    "value",
                    "knees-of-interest must be right, left or both.",
                    expression=["Patient.extension"],
                )
            changes["knees"] = extension.valueCode
    return changes


class _Issues(Exception):
    def __init__(self, issues: list[tuple[str, str, list[str]]]) -> None:
        super().__init__("invalid resource")
        self.issues = issues


def _wrap(error: Exception) -> _Issues:
    if isinstance(error, ValidationError):
        return _Issues(validation_issues(error))
    return _Issues([("structure", str(error)[:300], [])])


def issues_of(error: FhirError) -> list[tuple[str, str, list[str]]]:
    """The detailed issues behind a 400 for an invalid resource, if any."""
    cause = error.__cause__
    if isinstance(cause, _Issues):
        return cause.issues
    return [(error.code, error.diagnostics, error.expression)]
