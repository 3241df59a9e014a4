"""What must hold before a session is marked done (DESIGN.md, Session lifecycle):

(a) a completed screening with nothing unanswered that is not blocked, or blocked and
    overridden by a clinician; and
(b) a dose check within the lidocaine maximum by a current weight, or overridden, or no
    lidocaine at all.

Both are recomputed here for the session's injections as they are now, inside the transaction
of `treatment.services.session_update`.
"""

from __future__ import annotations

from prolotrack.core.errors import ApplicationError
from prolotrack.knowledge.screening import screening_rules
from prolotrack.safety.doses import dose_check
from prolotrack.safety.models import DoseCheck, Screening
from prolotrack.safety.screening import screening_refresh
from prolotrack.treatment.models import Session


def _questions(codes: list[str]) -> str:
    rules = screening_rules()
    known = {rule.code for rule in rules.rules}
    return "; ".join(rules.rule(code).question if code in known else code for code in codes)


def screening_blocker(screening: Screening | None) -> str | None:
    if screening is None:
        return "Complete the pre-session screening first."
    if screening.unanswered:
        return f"Answer every screening question ({len(screening.unanswered)} still open)."
    if screening.completed_at is None:
        return "Complete the pre-session screening first."
    if screening.blocked and not screening.is_overridden:
        return (
            f"The screening blocks this session ({_questions(screening.result['blocking'])}); "
            "a clinician may override it with a reason."
        )
    return None


def dose_blocker(check: DoseCheck) -> str | None:
    if check.passes:
        return None
    if check.problem:
        return f"The syringes cannot be made from the stock: {check.problem}."
    if check.weight_kg is None:
        return "Record the patient's weight: the lidocaine maximum depends on it."
    if check.weight_stale:
        return (
            f"The latest weight ({check.weight_measured_on}) is too old to dose by; weigh "
            "the patient again, or a clinician may override the dose check with a reason."
        )
    return (
        f"Lidocaine {check.total_lidocaine_mg} mg is above the maximum of "
        f"{check.max_lidocaine_mg} mg; a clinician may override the dose check with a reason."
    )


def done_blockers(session: Session) -> list[str]:
    """Why the session cannot be marked done yet (empty when it can)."""
    found = [
        screening_blocker(screening_refresh(session)),
        dose_blocker(dose_check(session=session)),
    ]
    return [message for message in found if message is not None]


def require_done_allowed(session: Session) -> None:
    blockers = done_blockers(session)
    if blockers:
        raise ApplicationError(" ".join(blockers), field="status")
