"""Pre-session screening: start (prefilled from the medical history), answer, override.

The rules are `knowledge/contraindications.toml` (clinical.md §3) applied by the pure
`domain.screening.screen`. What applies depends on the session's plan: its planned syringes
and recorded injections say whether there is an intra-articular injection and lidocaine; a
session with neither planned nor recorded yet is screened for everything.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from prolotrack.audit.services import audit_record
from prolotrack.clinics.access import SESSION_DOCUMENT_ROLES, require_role
from prolotrack.clinics.models import Role
from prolotrack.core.actor import Actor
from prolotrack.core.errors import ApplicationError
from prolotrack.core.records import record_create, record_update
from prolotrack.domain.screening import ScreeningError, ScreeningResult, prefill, screen
from prolotrack.knowledge.screening import (
    HISTORY_DATE_FIELDS,
    HISTORY_YES_NO_FIELDS,
    screening_rules,
)
from prolotrack.patients.models import MedicalHistory
from prolotrack.safety.models import OVERRIDE_REASON_MIN_CHARS, Screening
from prolotrack.treatment.models import Session, SessionStatus

OVERRIDE_ROLES = frozenset({Role.CLINICIAN})


def session_plan(session: Session) -> tuple[set[str], bool]:
    """(approaches, uses lidocaine) from the planned syringes and the recorded injections."""
    approaches = {str(syringe["approach"]) for syringe in session.planned_syringes}
    lidocaine = any(Decimal(s["lidocaine_pct"]) > 0 for s in session.planned_syringes)
    for approach, lidocaine_pct in session.injections.values_list("approach", "lidocaine_pct"):
        approaches.add(approach)
        lidocaine = lidocaine or lidocaine_pct > 0
    if not approaches:  # nothing planned or recorded yet: ask every question
        return {"intra_articular", "extra_articular"}, True
    return approaches, lidocaine


def _result(session: Session, answers: Mapping[str, bool | None]) -> ScreeningResult:
    approaches, lidocaine = session_plan(session)
    try:
        return screen(
            screening_rules(), answers, planned_approaches=approaches, uses_lidocaine=lidocaine
        )
    except ScreeningError as error:
        raise ApplicationError(str(error), field="answers") from None


def screening_result_json(result: ScreeningResult) -> dict[str, Any]:
    return {
        "blocked": result.blocked,
        "blocking": list(result.blocking),
        "warnings": list(result.warnings),
        "advice": [
            {"code": a.code, "text": a.text, "source": a.source, "confirmed": a.confirmed}
            for a in result.advice
        ],
        "unanswered": list(result.unanswered),
        "not_applicable": list(result.not_applicable),
    }


def _history(session: Session) -> dict[str, object]:
    history = MedicalHistory.objects.filter(patient_id=session.course.patient_id).first()
    if history is None:
        return {}
    return {name: getattr(history, name) for name in HISTORY_YES_NO_FIELDS | HISTORY_DATE_FIELDS}


def _lock_open_session(actor: Actor, session: Session, roles: frozenset[str]) -> Session:
    require_role(actor.user, session.clinic_id, roles)
    locked = (
        Session.objects.select_for_update(no_key=True)
        .select_related("course", "course__patient", "clinic")
        .get(id=session.id)
    )
    if locked.status != SessionStatus.SCHEDULED:
        raise ApplicationError("Screening is done before a session, while it is scheduled.")
    return locked


def _audit(actor: Actor | None, action: str, screening: Screening, **detail: Any) -> None:
    audit_record(
        actor=actor,
        action=action,
        clinic_id=screening.clinic_id,
        patient_id=screening.session.course.patient_id,
        target=screening,
        detail=detail,
    )


@transaction.atomic
def screening_start(*, actor: Actor, session: Session) -> Screening:
    """The session's screening, started with answers proposed from the medical history.

    Idempotent: a started screening is returned as it is. Every proposed answer still needs
    the clinician's confirmation (`screening_answer`), which completes it.
    """
    locked = _lock_open_session(actor, session, SESSION_DOCUMENT_ROLES)
    existing = Screening.objects.filter(session=locked).first()
    if existing is not None:
        return existing
    rules = screening_rules()
    try:
        answers = prefill(rules, _history(locked), side=locked.course.side, today=locked.day)
    except ScreeningError as error:
        raise ApplicationError(str(error)) from None
    screening = record_create(
        Screening(
            clinic_id=locked.clinic_id,
            session=locked,
            answers=answers,
            rules_version=rules.version,
            result=screening_result_json(_result(locked, answers)),
        )
    )
    prefilled = sum(answer is not None for answer in answers.values())
    _audit(actor, "screening.start", screening, prefilled=prefilled)
    return screening


def _checked_answers(answers: Mapping[str, Any]) -> dict[str, bool | None]:
    if not isinstance(answers, Mapping):
        raise ApplicationError("Answers are a mapping of question to yes/no.", field="answers")
    for code, value in answers.items():
        if value is not None and not isinstance(value, bool):
            raise ApplicationError(f"{code}: answer yes, no or leave it open.", field="answers")
    return dict(answers)


def _changes(
    screening: Screening, session: Session, answers: dict[str, bool | None], actor: Actor | None
) -> dict[str, Any]:
    """New answers and result; completion when nothing is left unanswered; an override
    stays only while the same questions block."""
    result = _result(session, answers)
    changes: dict[str, Any] = {"answers": answers, "result": screening_result_json(result)}
    if result.unanswered:
        changes |= {"completed_by": None, "completed_at": None}
    elif actor is not None:
        changes |= {"completed_by": actor.user, "completed_at": timezone.now()}
    if screening.is_overridden and list(result.blocking) != screening.result.get("blocking"):
        changes |= {"override_reason": "", "overridden_by": None, "overridden_at": None}
    return changes


@transaction.atomic
def screening_answer(
    *,
    actor: Actor,
    session: Session,
    answers: Mapping[str, bool | None],
    expected_version: int | None,
) -> Screening:
    """Record answers (merged into the earlier ones) and recompute the result.

    The screening is complete once every question that applies is answered; changing an
    answer so that other questions block clears an earlier override.
    """
    locked = _lock_open_session(actor, session, SESSION_DOCUMENT_ROLES)
    screening = Screening.objects.select_for_update(no_key=True).filter(session=locked).first()
    if screening is None:
        raise ApplicationError("Start the screening first.")
    merged = {**screening.answers, **_checked_answers(answers)}
    changes = _changes(screening, locked, merged, actor)
    changes["rules_version"] = screening_rules().version
    record_update(screening, changes=changes, expected_version=expected_version)
    _audit(
        actor,
        "screening.answer",
        screening,
        blocked=screening.blocked,
        unanswered=len(screening.unanswered),
    )
    return screening


@transaction.atomic
def screening_override(*, actor: Actor, session: Session, reason: str) -> Screening:
    """A clinician proceeds despite a blocking answer, giving the reason (audited)."""
    locked = _lock_open_session(actor, session, OVERRIDE_ROLES)
    screening = screening_refresh(locked)
    if screening is None:
        raise ApplicationError("Start the screening first.")
    if not screening.blocked:
        raise ApplicationError("The screening is not blocked; there is nothing to override.")
    if len(reason.strip()) < OVERRIDE_REASON_MIN_CHARS:
        raise ApplicationError(
            f"Give the reason (at least {OVERRIDE_REASON_MIN_CHARS} characters).", field="reason"
        )
    changes = {
        "override_reason": reason.strip(),
        "overridden_by": actor.user,
        "overridden_at": timezone.now(),
    }
    record_update(screening, changes=changes, expected_version=None)
    _audit(actor, "screening.override", screening, blocking=screening.result["blocking"])
    return screening


def screening_refresh(session: Session) -> Screening | None:
    """Recompute the stored result for the session's current plan (injections may have been
    recorded since); call inside the caller's transaction. None when not started."""
    screening = Screening.objects.select_for_update(no_key=True).filter(session=session).first()
    if screening is None:
        return None
    was_overridden = screening.is_overridden
    changes = _changes(screening, session, dict(screening.answers), actor=None)
    if record_update(screening, changes=changes, expected_version=None) and (
        was_overridden and not screening.is_overridden
    ):
        _audit(None, "screening.override_void", screening, blocking=screening.result["blocking"])
    return screening
