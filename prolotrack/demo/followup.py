"""Load the synthetic follow-up records (medication, examinations, surgery) of a demo chunk.

Called by `demo.services.demo_load` inside its transaction, after the chunk's patients and
courses are written, so a failure leaves nothing behind. The records come from the pure
`domain.synthetic_followup`; this module only finds the stored rows and bulk-inserts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from prolotrack.clinics.models import Clinic
from prolotrack.domain.medication import mme_per_day
from prolotrack.domain.synthetic import SyntheticPatient
from prolotrack.domain.synthetic_followup import SyntheticMedication, generate_followup
from prolotrack.followup.models import Examination, MedicationUse, Surgery
from prolotrack.knowledge.medications import MedicationCatalogue, medication_catalogue
from prolotrack.patients.models import Patient
from prolotrack.treatment.models import Course

# The tables this module fills, children first (for tests that empty the demo by hand).
FOLLOWUP_MODELS = (Surgery, Examination, MedicationUse)


def _medication_row(
    clinic: Clinic, patient: Patient, m: SyntheticMedication, catalogue: MedicationCatalogue
) -> MedicationUse:
    opioid = catalogue.opioids.get(m.opioid_code)
    mme = None
    if opioid is not None and m.dose_mg_per_day is not None:
        mme = mme_per_day(dose_mg_per_day=m.dose_mg_per_day, factor=opioid.mme_factor)
    return MedicationUse(
        clinic=clinic,
        patient=patient,
        recorded_on=m.recorded_on,
        time_point=m.time_point,
        category=m.category,
        side=m.side,
        opioid_code=m.opioid_code,
        dose_mg_per_day=m.dose_mg_per_day,
        days_per_week=m.days_per_week,
        mme_per_day=mme,
        mme_factors_version=catalogue.version if mme is not None else "",
        source=m.source,
    )


def load_followup(
    clinic: Clinic,
    cohort: Sequence[SyntheticPatient],
    *,
    seed: int,
    mrn_prefix: str,
    today: dt.date,
) -> tuple[int, int, int]:
    """Write the chunk's follow-up records; returns (medication rows, examinations, surgeries).

    The chunk's patients are found by MRN; their courses in insertion order match the order of
    `SyntheticPatient.courses` (the loader bulk-creates them in that order).
    """
    patients = {
        p.mrn: p for p in Patient.objects.filter(clinic=clinic, mrn__in=[p.mrn for p in cohort])
    }
    courses: dict[int, list[Course]] = {}
    for course in Course.objects.filter(patient__in=patients.values()).order_by("id"):
        courses.setdefault(course.patient_id, []).append(course)
    catalogue = medication_catalogue()
    medications: list[MedicationUse] = []
    examinations: list[Examination] = []
    surgeries: list[Surgery] = []
    for generated in cohort:
        patient = patients[generated.mrn]
        made = generate_followup(patient=generated, seed=seed, mrn_prefix=mrn_prefix, today=today)
        medications += [_medication_row(clinic, patient, m, catalogue) for m in made.medications]
        examinations += [
            Examination(
                clinic=clinic,
                patient=patient,
                side=e.side,
                examined_on=e.examined_on,
                flexion_degrees=e.flexion_degrees,
                extension_degrees=e.extension_degrees,
                effusion_grade=e.effusion_grade,
                lachman_grade=e.lachman_grade,
                valgus_stress_grade=e.valgus_stress_grade,
                varus_stress_grade=e.varus_stress_grade,
                chair_stand_count=e.chair_stand_count,
                timed_up_and_go_seconds=e.timed_up_and_go_seconds,
            )
            for e in made.examinations
        ]
        surgeries += [
            Surgery(
                clinic=clinic,
                patient=patient,
                course=courses[patient.id][s.course_index],
                side=s.side,
                performed_on=s.performed_on,
                procedure=s.procedure,
            )
            for s in made.surgeries
        ]
    MedicationUse.objects.bulk_create(medications, batch_size=2000)
    Examination.objects.bulk_create(examinations, batch_size=2000)
    Surgery.objects.bulk_create(surgeries, batch_size=2000)
    return len(medications), len(examinations), len(surgeries)
