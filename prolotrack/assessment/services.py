"""Writes of the assessment app: clinic thresholds, stored suggestions and decisions.

Suggestions are stored when the facts they come from change: the services that mark a session
done, complete or re-score a questionnaire, record an adverse event or change the clinic's
thresholds or rules call `prolotrack.assessment.refresh.suggestions_refresh` in their own
transaction. It evaluates the rules on the course's current facts and inserts any suggestion
not stored yet for that point (latest done session and latest completed questionnaire); the
same rule at the same point is stored once (a unique constraint). Undecided suggestions of an
earlier point are marked superseded. Reading (`selectors.knee_assessments`) writes nothing but
its audit event. Nothing is ever applied: a clinician records a `Decision`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from prolotrack.assessment.models import (
    ClinicSuggestionRules,
    ClinicThresholds,
    Decision,
    Suggestion,
)
from prolotrack.audit.services import audit_record
from prolotrack.clinics.access import require_role
from prolotrack.clinics.models import Role
from prolotrack.core.actor import Actor
from prolotrack.core.errors import Conflict
from prolotrack.core.records import record_create
from prolotrack.domain.suggestions import NextStep, RuleSet
from prolotrack.domain.thresholds import ThresholdSet
from prolotrack.knowledge.suggestions import default_rules, rules_from_data
from prolotrack.knowledge.thresholds import default_thresholds, thresholds_from_data
from prolotrack.outcomes.models import Administration
from prolotrack.treatment.models import Course, Session

DECIDE_ROLES = frozenset({Role.CLINICIAN})
"""Only clinicians decide on a next step; nurses and clinic admins read (clinics/access.py)."""


# --- thresholds per clinic ---


def thresholds_for_clinic(clinic_id: int) -> ThresholdSet:
    """The clinic's own thresholds if it set some, else the shipped ones."""
    override = ClinicThresholds.objects.filter(clinic_id=clinic_id).first()
    if override is None:
        return default_thresholds()
    return thresholds_from_data(override.definition, origin=f"clinic {clinic_id} thresholds")


def _refresh_clinic(clinic_id: int) -> None:
    """New thresholds or rules: store what they now propose for every course of the clinic."""
    from prolotrack.assessment.refresh import suggestions_refresh_many

    suggestions_refresh_many(clinic_id=clinic_id)


@transaction.atomic
def clinic_thresholds_set(*, clinic_id: int, definition: dict[str, Any] | None) -> ThresholdSet:
    """Give a clinic its own thresholds (None returns it to the shipped ones).

    The definition is validated exactly like ``thresholds.toml`` (a `KnowledgeError` otherwise,
    and nothing changes). Suggestions made from now on record the new version.
    """
    if definition is None:
        ClinicThresholds.objects.filter(clinic_id=clinic_id).delete()
        thresholds = default_thresholds()
    else:
        thresholds = thresholds_from_data(definition, origin="clinic thresholds")
        ClinicThresholds.objects.update_or_create(
            clinic_id=clinic_id,
            defaults={"definition": definition, "version": thresholds.version},
        )
    audit_record(
        actor=None,
        action="thresholds.set",
        clinic_id=clinic_id,
        detail={"version": thresholds.version},
    )
    _refresh_clinic(clinic_id)
    return thresholds


def rules_for_clinic(clinic_id: int) -> RuleSet:
    """The clinic's own suggestion rules if it set some, else the shipped ones."""
    override = ClinicSuggestionRules.objects.filter(clinic_id=clinic_id).first()
    if override is None:
        return default_rules()
    return rules_from_data(override.definition, origin=f"clinic {clinic_id} suggestion rules")


@transaction.atomic
def clinic_rules_set(*, clinic_id: int, definition: dict[str, Any] | None) -> RuleSet:
    """Give a clinic its own suggestion rules (None returns it to the shipped ones).

    Validated exactly like ``suggestions.toml`` (a `KnowledgeError` otherwise, and nothing
    changes). Suggestions made from now on record the new rules version.
    """
    if definition is None:
        ClinicSuggestionRules.objects.filter(clinic_id=clinic_id).delete()
        rules = default_rules()
    else:
        rules = rules_from_data(definition, origin="clinic suggestion rules")
        ClinicSuggestionRules.objects.update_or_create(
            clinic_id=clinic_id, defaults={"definition": definition, "version": rules.version}
        )
    audit_record(
        actor=None,
        action="suggestion_rules.set",
        clinic_id=clinic_id,
        detail={"version": rules.version},
    )
    _refresh_clinic(clinic_id)
    return rules


# --- suggestions ---


def basis_of(session: Session | None, administration: Administration | None) -> str:
    return f"s{session.id if session else 0}-a{administration.id if administration else 0}"


@dataclass(frozen=True)
class Proposal:
    """What the rules say about one course now, and the point they looked at."""

    course: Course
    steps: tuple[NextStep, ...]
    after_session: Session | None
    after_administration: Administration | None


SuggestionKey = tuple[int, str, str, str, str]


def _key(suggestion: Suggestion) -> SuggestionKey:
    return (
        suggestion.course_id,
        suggestion.basis,
        suggestion.rule_code,
        suggestion.rules_version,
        suggestion.thresholds_version,
    )


def _existing(courses: Sequence[Course]) -> list[Suggestion]:
    return list(
        Suggestion.objects.filter(course__in=[course.id for course in courses] or [0])
        .select_related("decision__clinician")
        .order_by("priority", "id")
    )


def suggestions_current(
    *,
    courses: Sequence[Course],
    proposals: Sequence[Proposal],
    rules_version: str,
    thresholds_version: str,
) -> dict[int, list[Suggestion]]:
    """The stored suggestions that the proposals match, per course id (reads only).

    A proposal with no stored suggestion yet is left out: nothing can be decided on it until
    `suggestions_store` has stored it.
    """
    stored = {_key(suggestion): suggestion for suggestion in _existing(courses)}
    current: dict[int, list[Suggestion]] = {}
    for proposal in proposals:
        course = proposal.course
        basis = basis_of(proposal.after_session, proposal.after_administration)
        for step in proposal.steps:
            found = stored.get((course.id, basis, step.code, rules_version, thresholds_version))
            if found is not None:
                current.setdefault(course.id, []).append(found)
    return current


def suggestions_store(
    *,
    courses: Sequence[Course],
    proposals: Sequence[Proposal],
    rules_version: str,
    thresholds_version: str,
) -> dict[int, list[Suggestion]]:
    """Store the proposals not stored yet (idempotent); the current suggestions per course id.

    A fixed number of queries whatever the number of courses: read the courses' suggestions
    (with their decisions); only when something changed, insert the new ones at once and audit
    that (one transaction), and mark undecided suggestions that are no longer current as
    superseded. Concurrent readers are safe: the unique constraint stores each one once.
    """
    existing = _existing(courses)
    stored = {_key(suggestion): suggestion for suggestion in existing}
    current: dict[int, list[Suggestion]] = {}
    new: list[Suggestion] = []
    for proposal in proposals:
        course = proposal.course
        basis = basis_of(proposal.after_session, proposal.after_administration)
        for step in proposal.steps:
            key = (course.id, basis, step.code, rules_version, thresholds_version)
            found = stored.get(key)
            if found is None:
                found = Suggestion(
                    clinic_id=course.clinic_id,
                    course=course,
                    after_session=proposal.after_session,
                    after_administration=proposal.after_administration,
                    basis=basis,
                    rule_code=step.code,
                    priority=step.priority,
                    text=step.text,
                    reason=step.reason,
                    source=step.source,
                    rules_version=rules_version,
                    thresholds_version=thresholds_version,
                )
                new.append(found)
                stored[key] = found
            current.setdefault(course.id, []).append(found)
    if new:
        _insert(new, current)
    kept = {_key(suggestion) for suggestions in current.values() for suggestion in suggestions}
    stale = [
        suggestion.id
        for suggestion in existing
        if suggestion.superseded_at is None
        and not hasattr(suggestion, "decision")
        and _key(suggestion) not in kept
    ]
    if stale:
        Suggestion.objects.filter(id__in=stale).update(superseded_at=timezone.now())
    return current


def _insert(new: list[Suggestion], current: dict[int, list[Suggestion]]) -> None:
    try:
        with transaction.atomic():
            Suggestion.objects.bulk_create(new)
            _audit_created(new)
    except IntegrityError:  # a concurrent reader stored some of them first: read them all
        wanted = {_key(suggestion) for suggestion in new}
        fresh = Suggestion.objects.filter(course__in=list(current)).select_related(
            "decision__clinician"
        )
        by_key = {_key(s): s for s in fresh if _key(s) in wanted}
        for course_id, suggestions in current.items():
            current[course_id] = [by_key.get(_key(s), s) for s in suggestions]
        return
    no_decision = Suggestion.decision.related  # a new suggestion has no decision: say so
    for suggestion in new:
        no_decision.set_cached_value(suggestion, None)


def _audit_created(new: list[Suggestion]) -> None:
    first = new[0].course
    audit_record(
        actor=None,
        action="suggestion.create",
        clinic_id=first.clinic_id,
        patient_id=first.patient_id,
        detail={
            "suggestions": [str(s.public_id) for s in new],
            "rules": sorted({s.rule_code for s in new}),
        },
    )


# --- decisions ---


@transaction.atomic
def decision_record(
    *,
    actor: Actor,
    suggestion: Suggestion,
    accepted: bool,
    alternative: str = "",
    reason: str = "",
) -> Decision:
    """The clinician's decision on a suggestion: accept it, or decide otherwise with a reason.

    Only clinicians decide; a suggestion is decided once (a second decision is a `Conflict`).
    Deciding otherwise needs the alternative and the reason (validation error otherwise).
    """
    require_role(actor.user, suggestion.clinic_id, DECIDE_ROLES)
    locked = Suggestion.objects.select_for_update(no_key=True).get(pk=suggestion.pk)
    if Decision.objects.filter(suggestion=locked).exists():
        raise Conflict("This suggestion has already been decided. Reload the page to see it.")
    if locked.superseded_at is not None:
        raise Conflict(
            "This suggestion was replaced by a newer one after you opened the page. "
            "Reload it to see the current suggestions."
        )
    decision = record_create(
        Decision(
            clinic_id=locked.clinic_id,
            suggestion=locked,
            clinician=actor.user,
            accepted=accepted,
            alternative=alternative.strip(),
            reason=reason.strip(),
            decided_at=timezone.now(),
        )
    )
    audit_record(
        actor=actor,
        action="decision.record",
        clinic_id=locked.clinic_id,
        patient_id=locked.course.patient_id,
        target=decision,
        detail={"rule": locked.rule_code, "accepted": accepted},
    )
    return decision
