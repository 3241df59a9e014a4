"""The API scopes we grant, in SMART on FHIR v1 style (`user/<Resource>.<read|write>`).

Pure data: no Django. A scope says what a token *may ask for*; the token owner's current role
in the token's clinic still decides (prolotrack.api.access), so a scope never widens what the
user could do in the pages.
"""

from __future__ import annotations

from collections.abc import Iterable

PATIENT_READ = "user/Patient.read"
PATIENT_WRITE = "user/Patient.write"
OBSERVATION_READ = "user/Observation.read"
ADVERSE_EVENT_READ = "user/AdverseEvent.read"
ADVERSE_EVENT_WRITE = "user/AdverseEvent.write"

SCOPES: dict[str, str] = {
    PATIENT_READ: "read and search patients' demographics (JSON and FHIR)",
    PATIENT_WRITE: "update patients' demographics (JSON PATCH, FHIR PUT)",
    OBSERVATION_READ: "read and search questionnaire scores as FHIR Observations",
    ADVERSE_EVENT_READ: "read a patient's adverse events (JSON)",
    ADVERSE_EVENT_WRITE: "follow adverse events up (JSON PATCH)",
}


class UnknownScope(ValueError):
    pass


def parse_scopes(values: Iterable[str]) -> tuple[str, ...]:
    """Known scopes, deduplicated and sorted; space- or comma-separated lists are accepted."""
    found: set[str] = set()
    for value in values:
        found.update(part for part in value.replace(",", " ").split() if part)
    unknown = sorted(found - set(SCOPES))
    if unknown:
        raise UnknownScope(f"Unknown scopes: {', '.join(unknown)}. Known: {', '.join(SCOPES)}.")
    if not found:
        raise UnknownScope("Give at least one scope.")
    return tuple(sorted(found))
