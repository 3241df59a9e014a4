"""What a token may do: its scope for the route and method, then its user's role in the
token's clinic (`permissions.API_MATRIX` names both); objects only of the token's clinic."""

from __future__ import annotations

from prolotrack.api.permissions import API_MATRIX, Grant
from prolotrack.api.tokens import TokenContext
from prolotrack.clinics.access import access_scoped, require_role
from prolotrack.core.errors import AccessDenied
from prolotrack.patients.models import Patient
from prolotrack.safety.models import AdverseEvent


class ScopeMissing(AccessDenied):
    """The token was not granted the scope this call needs (403, insufficient_scope)."""

    def __init__(self, scope: str) -> None:
        super().__init__(f"This token lacks the scope {scope}.")
        self.scope = scope


def authorize(context: TokenContext, route: str, method: str) -> Grant:
    """The route's grant for `method` if the token holds its scope; the role is checked by
    the caller (with the object, or with `require_grant` for clinic-wide calls)."""
    grant = API_MATRIX[route].methods[method]
    if grant.scope not in context.scopes:
        raise ScopeMissing(grant.scope)
    return grant


def require_grant(context: TokenContext, route: str, method: str) -> None:
    grant = authorize(context, route, method)
    require_role(context.user, context.clinic.id, grant.roles)


def access_patient_for(
    context: TokenContext, public_id: object, route: str, method: str
) -> Patient:
    """The patient of the token's clinic with this id (another clinic's: NotFound)."""
    grant = authorize(context, route, method)
    patients = Patient.objects.filter(clinic_id=context.clinic.id).select_related("clinic")
    return access_scoped(patients, public_id, user=context.user, roles=grant.roles)


def access_adverse_event_for(
    context: TokenContext, public_id: object, route: str, method: str
) -> AdverseEvent:
    grant = authorize(context, route, method)
    events = AdverseEvent.objects.filter(clinic_id=context.clinic.id).select_related(
        "patient", "course", "session"
    )
    return access_scoped(events, public_id, user=context.user, roles=grant.roles)
