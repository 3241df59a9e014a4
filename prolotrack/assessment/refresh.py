"""Keep the stored next-step suggestions in step with the facts they are drawn from.

Every service that changes what the rules look at calls one of these in its own transaction:
a session done or cancelled, a course's plan or status changed (treatment), a questionnaire
completed or re-scored (outcomes), an adverse event recorded or changed (safety), the clinic's
thresholds or rules changed (assessment), the demo loaded. Reading a chart, a course or a
report then stores nothing (no side effects on GET). `prolotrack suggestions refresh` re-runs
it for every patient, after a new release changes the shipped rules.
"""

from __future__ import annotations

from collections.abc import Callable

from prolotrack.assessment.models import Suggestion
from prolotrack.assessment.selectors import patient_evaluation
from prolotrack.assessment.services import suggestions_store
from prolotrack.patients.models import Patient


def suggestions_refresh(*, patient: Patient) -> dict[int, list[Suggestion]]:
    """Store the suggestions the patient's current facts propose (idempotent)."""
    evaluation = patient_evaluation(patient)
    return suggestions_store(
        courses=evaluation.courses,
        proposals=evaluation.proposals,
        rules_version=evaluation.rules.version,
        thresholds_version=evaluation.thresholds.version,
    )


def suggestions_refresh_patient_id(patient_id: int) -> None:
    suggestions_refresh(patient=Patient.objects.get(id=patient_id))


def suggestions_refresh_many(
    *, clinic_id: int | None = None, progress: Callable[[int, int], None] | None = None
) -> int:
    """Refresh every patient with a course (of one clinic, or of all); how many were read.

    `progress(done, total)` is called after each patient.
    """
    with_courses = Patient.objects.filter(courses__isnull=False)  # suggestions belong to courses
    if clinic_id is not None:
        with_courses = with_courses.filter(clinic_id=clinic_id)
    patients = list(with_courses.distinct().order_by("id"))
    for done, patient in enumerate(patients, 1):
        suggestions_refresh(patient=patient)
        if progress is not None:
            progress(done, len(patients))
    return len(patients)
