"""Load the synthetic demo clinic: two clinics, demo staff accounts and a seeded cohort.

The cohort comes from `prolotrack.domain.synthetic` (pure, deterministic). Rows are written
with bulk inserts in one transaction, so a failed load leaves nothing behind; the generator's
invariants are tested in tests/domain and a test validates loaded rows with `full_clean`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from prolotrack.assessment.refresh import suggestions_refresh
from prolotrack.audit.services import audit_record
from prolotrack.clinics.models import Clinic, Role, User
from prolotrack.clinics.services import clinic_create, membership_grant, user_create
from prolotrack.core.errors import ApplicationError
from prolotrack.demo import safety as demo_safety
from prolotrack.demo.followup import load_followup
from prolotrack.domain.instruments import InstrumentDefinition
from prolotrack.domain.instruments.batch import score_frame
from prolotrack.domain.synthetic import (
    SyntheticCourse,
    SyntheticPatient,
    SyntheticSession,
    iter_cohort,
)
from prolotrack.domain.synthetic_questionnaires import QuestionnairePlan, default_questionnaire_plan
from prolotrack.domain.synthetic_safety import SafetyPlan, default_safety_plan
from prolotrack.outcomes.models import Administration, Score
from prolotrack.patients.models import KneeCondition, MedicalHistory, Patient, WeightMeasurement
from prolotrack.treatment.models import Course, Injection, Session

MAX_DEMO_PATIENTS = 100_000
CHUNK_SIZE = 500


@dataclass(frozen=True)
class DemoAccount:
    username: str
    clinic_slug: str
    role: str


DEMO_CLINICS = (
    ("demo-a", "Riverside Knee Clinic (demo A)"),
    ("demo-b", "Hillcrest Sports Medicine (demo B)"),
)
DEMO_ACCOUNTS = (
    DemoAccount("demo-clinician", "demo-a", Role.CLINICIAN),
    DemoAccount("demo-clinician-2", "demo-a", Role.CLINICIAN),
    DemoAccount("demo-nurse", "demo-a", Role.NURSE),
    DemoAccount("demo-frontdesk", "demo-a", Role.FRONT_DESK),
    DemoAccount("demo-admin", "demo-a", Role.CLINIC_ADMIN),
    DemoAccount("demo-researcher", "demo-a", Role.RESEARCHER),
    DemoAccount("demo-clinician-b", "demo-b", Role.CLINICIAN),
    DemoAccount("demo-clinician-b2", "demo-b", Role.CLINICIAN),
)


@dataclass(frozen=True)
class DemoSummary:
    patients: int
    courses: int
    sessions: int
    injections: int
    accounts: tuple[DemoAccount, ...]


def demo_password() -> str:
    return os.environ.get("PROLOTRACK_DEMO_PASSWORD") or settings.DEMO_PASSWORD_DEFAULT


def demo_loaded() -> bool:
    return Clinic.objects.filter(is_demo=True).exists()


def database_is_empty() -> bool:
    return not Clinic.objects.exists() and not User.objects.exists()


def clinic_b_size(patients: int) -> int:
    """Clinic B is smaller: a tenth of clinic A, at least five patients."""
    return max(5, patients // 10)


def demo_load(
    *,
    patients: int = 200,
    seed: int = 42,
    today: dt.date | None = None,
    progress: Callable[[int], None] | None = None,
    safety: SafetyPlan | None = None,
) -> DemoSummary:
    """Create the demo clinics, accounts and `patients` patients in clinic A (all or nothing).

    `progress` is called with the number of patients written since the last call. `safety`
    replaces the shipped rules, limits and adverse event rates (tests raise the rates).
    """
    if os.environ.get("PROLOTRACK_ENV", "development").lower() == "production":
        raise ApplicationError("The demo clinic cannot be loaded in production.")
    if not 1 <= patients <= MAX_DEMO_PATIENTS:
        raise ApplicationError(f"--patients must be between 1 and {MAX_DEMO_PATIENTS}.")
    day = today or timezone.localdate()
    with transaction.atomic():
        if demo_loaded():
            raise ApplicationError("The demo clinic is already loaded in this database.")
        clinics = {
            slug: clinic_create(actor=None, name=name, slug=slug, is_demo=True)
            for slug, name in DEMO_CLINICS
        }
        users = _create_accounts(clinics)
        plan = default_questionnaire_plan()
        safety_plan = safety or default_safety_plan()
        counts = [0, 0, 0, 0]
        for slug, prefix, size in (
            ("demo-a", "A", patients),
            ("demo-b", "B", clinic_b_size(patients)),
        ):
            clinicians = [
                users[a.username]
                for a in DEMO_ACCOUNTS
                if a.clinic_slug == slug and a.role == Role.CLINICIAN
            ]
            cohort = iter_cohort(
                patients=size,
                seed=seed,
                today=day,
                mrn_prefix=prefix,
                questionnaires=plan,
                safety=safety_plan,
            )
            for chunk in _chunks(cohort, CHUNK_SIZE):
                written = _write_chunk(clinics[slug], clinicians, chunk, plan)
                load_followup(clinics[slug], chunk, seed=seed, mrn_prefix=prefix, today=day)
                counts = [total + new for total, new in zip(counts, written, strict=True)]
                if progress is not None:
                    progress(len(chunk))
        audit_record(
            actor=None,
            action="demo.load",
            detail={"patients": counts[0], "seed": seed, "today": day.isoformat()},
        )
    patients_total, courses, sessions, injections = counts
    return DemoSummary(patients_total, courses, sessions, injections, accounts=DEMO_ACCOUNTS)


def _create_accounts(clinics: dict[str, Clinic]) -> dict[str, User]:
    password = demo_password()
    users: dict[str, User] = {}
    for account in DEMO_ACCOUNTS:
        users[account.username] = user_create(
            actor=None,
            username=account.username,
            password=password,
            clinic=clinics[account.clinic_slug],
            role=account.role,
            first_name=account.username.removeprefix("demo-").replace("-", " ").title(),
            last_name="(demo)",
            is_superuser=account.role == Role.CLINIC_ADMIN,
            is_demo=True,
        )
    # The demo administrator looks after both clinics.
    membership_grant(
        actor=None, user=users["demo-admin"], clinic=clinics["demo-b"], role=Role.CLINIC_ADMIN
    )
    return users


def _chunks(items: Iterable[SyntheticPatient], size: int) -> Iterable[list[SyntheticPatient]]:
    chunk: list[SyntheticPatient] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _write_chunk(
    clinic: Clinic,
    clinicians: Sequence[User],
    cohort: list[SyntheticPatient],
    plan: QuestionnairePlan,
) -> tuple[int, int, int, int]:
    patients = Patient.objects.bulk_create(
        Patient(
            clinic=clinic,
            mrn=p.mrn,
            given_name=p.given_name,
            family_name=p.family_name,
            date_of_birth=p.date_of_birth,
            sex=p.sex,
            email=p.email,
            phone=p.phone,
            knees=p.knees,
        )
        for p in cohort
    )
    MedicalHistory.objects.bulk_create(
        MedicalHistory(clinic=clinic, patient=row, **dataclasses.asdict(p.history))
        for row, p in zip(patients, cohort, strict=True)
    )
    WeightMeasurement.objects.bulk_create(
        WeightMeasurement(
            clinic=clinic, patient=row, weight_kg=p.weight_kg, measured_on=p.weight_measured_on
        )
        for row, p in zip(patients, cohort, strict=True)
    )
    KneeCondition.objects.bulk_create(
        KneeCondition(
            clinic=clinic,
            patient=row,
            side=c.side,
            icd10_code=c.icd10_code,
            onset_date=c.onset_date,
            kl_grade=c.kl_grade,
            notes=c.notes,
        )
        for row, p in zip(patients, cohort, strict=True)
        for c in p.conditions
    )
    planned = [
        (row, course) for row, p in zip(patients, cohort, strict=True) for course in p.courses
    ]
    courses = Course.objects.bulk_create(
        Course(
            clinic=clinic,
            patient=row,
            side=c.side,
            protocol_reference=c.protocol_reference,
            protocol_code=c.protocol_code,
            protocol_version=demo_safety.protocol_version(c.protocol_code),
            start_date=c.start_date,
            status=c.status,
            stop_reason=c.stop_reason,
            created_by=clinicians[0],
        )
        for row, c in planned
    )
    visits = [(row, s) for row, (_, c) in zip(courses, planned, strict=True) for s in c.sessions]
    sessions = Session.objects.bulk_create(
        Session(
            clinic=clinic,
            course=row,
            scheduled_at=s.scheduled_at,
            status=s.status,
            performed_at=s.scheduled_at if s.status == "done" else None,
            clinician=clinicians[s.clinician_index % len(clinicians)]
            if s.status == "done"
            else None,
        )
        for row, s in visits
    )
    injections = Injection.objects.bulk_create(
        Injection(
            clinic=clinic,
            session=row,
            site_code=i.site_code,
            approach=i.approach,
            guidance=i.guidance,
            needle_gauge=i.needle_gauge,
            volume_ml=i.volume_ml,
            dextrose_pct=i.dextrose_pct,
            lidocaine_pct=i.lidocaine_pct,
            dextrose_lot=i.dextrose_lot,
            lidocaine_lot=i.lidocaine_lot,
        )
        for row, (_, s) in zip(sessions, visits, strict=True)
        for i in s.injections
    )
    _write_questionnaires(clinic, courses, [course for _, course in planned], plan)
    _write_safety(clinic, clinicians, patients, cohort, courses, planned, sessions, visits)
    for patient in patients:  # what the services would have stored as the facts arrived
        suggestions_refresh(patient=patient)
    return len(patients), len(courses), len(sessions), len(injections)


def _write_safety(
    clinic: Clinic,
    clinicians: Sequence[User],
    patients: Sequence[Patient],
    cohort: Sequence[SyntheticPatient],
    courses: Sequence[Course],
    planned: Sequence[tuple[Patient, SyntheticCourse]],
    sessions: Sequence[Session],
    visits: Sequence[tuple[Course, SyntheticSession]],
) -> None:
    """Issue 4's demo records (`demo.safety`): weights, screenings, dose checks, events."""
    demo_safety.write_visit_weights(clinic, patients, cohort)
    demo_safety.write_session_safety(clinic, clinicians, sessions, [s for _, s in visits])
    generated = [course for _, course in planned]
    demo_safety.write_adverse_events(clinic, clinicians, courses, generated, sessions)


def _write_questionnaires(
    clinic: Clinic, courses: Sequence[Course], generated: Sequence[Any], plan: QuestionnairePlan
) -> None:
    """Administrations with their answers, and the scores of the completed ones."""
    pairs = [(row, a) for row, c in zip(courses, generated, strict=True) for a in c.administrations]
    administrations = Administration.objects.bulk_create(
        Administration(
            clinic=clinic,
            patient_id=row.patient_id,
            course=row,
            side=a.side or "",
            instrument_code=a.instrument,
            time_point=a.time_point,
            schedule_version=plan.schedule.version,
            target_date=a.target_date,
            due_from=a.due_from,
            due_until=a.due_until,
            status=a.status,
            answers=dict(a.answers),
            channel=a.channel,
            started_at=a.completed_at,
            completed_at=a.completed_at,
            instrument_version=plan.definitions[a.instrument].version if a.completed_at else "",
        )
        for row, a in pairs
    )
    completed = [
        (stored, generated_row)
        for stored, (_, generated_row) in zip(administrations, pairs, strict=True)
        if generated_row.completed_at is not None
    ]
    scores: list[Score] = []
    for code in sorted({stored.instrument_code for stored, _ in completed}):
        rows = [(stored, row) for stored, row in completed if stored.instrument_code == code]
        scores.extend(_scores_for(clinic, plan.definitions[code], rows))
    Score.objects.bulk_create(scores, batch_size=2000)


def _scores_for(
    clinic: Clinic, definition: InstrumentDefinition, rows: Sequence[tuple[Administration, Any]]
) -> list[Score]:
    """Score one instrument's administrations at once with the vectorised path."""
    item_ids = [item.id for item in definition.items]
    frame = pd.DataFrame([dict(row.answers) for _, row in rows], columns=item_ids, dtype="float64")
    result = score_frame(definition, frame)
    version = str(result.attrs["version"])
    scores = []
    values = {scale: result[scale].to_numpy(dtype="float64") for scale in definition.score_keys}
    reasons = {scale: result[f"invalid_{scale}"].tolist() for scale in definition.score_keys}
    for position, (stored, row) in enumerate(rows):
        for scale in definition.score_keys:
            value = float(values[scale][position])
            reason = str(reasons[scale][position] or "")
            scores.append(
                Score(
                    clinic=clinic,
                    administration=stored,
                    patient_id=stored.patient_id,
                    side=stored.side,
                    instrument_code=stored.instrument_code,
                    scale=scale,
                    value=None if math.isnan(value) else value,
                    invalid_reason=reason[:200],
                    definition_version=version,
                    computed_at=row.completed_at,
                )
            )
    return scores
