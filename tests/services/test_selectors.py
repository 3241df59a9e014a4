"""Selectors return only the acting user's clinics' data."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from prolotrack.clinics.selectors import clinicians_of
from prolotrack.patients.selectors import patient_chart, patients_for
from prolotrack.treatment.selectors import courses_in_progress, sessions_between
from tests.conftest import actor


def window() -> tuple[dt.datetime, dt.datetime]:
    now = timezone.now()
    return now - dt.timedelta(days=365), now + dt.timedelta(days=365)


def test_patients_for_is_scoped_and_searchable(
    clinic_a, clinician_a, clinician_b, make_patient, patient_a, patient_b
):
    other = make_patient(
        clinic_a, clinician_a, given_name="Wilhelmina", family_name="Okonkwo", mrn="ZZ-77"
    )
    assert set(patients_for(actor=actor(clinician_a))) == {patient_a, other}
    assert list(patients_for(actor=actor(clinician_b))) == [patient_b]
    assert list(patients_for(actor=actor(clinician_a), query="okonkwo")) == [other]
    assert list(patients_for(actor=actor(clinician_a), query="wilhelmina okonkwo")) == [other]
    assert list(patients_for(actor=actor(clinician_a), query="zz-7")) == [other]
    assert list(patients_for(actor=actor(clinician_b), query="okonkwo")) == []
    assert list(patients_for(actor=actor(clinician_b), query=patient_a.mrn)) == []


def test_researcher_gets_no_patient_rows(patient_a, researcher_a):
    assert list(patients_for(actor=actor(researcher_a))) == []


def test_schedule_and_courses_are_scoped(
    course_a, course_b, clinician_a, clinician_b, front_desk_a, researcher_a
):
    start, end = window()
    mine = sessions_between(actor=actor(clinician_a), start=start, end=end)
    assert {s.clinic_id for s in mine} == {course_a[0].clinic_id}
    assert mine.count() == 3
    theirs = sessions_between(actor=actor(clinician_b), start=start, end=end)
    assert {s.clinic_id for s in theirs} == {course_b[0].clinic_id}
    assert sessions_between(actor=actor(front_desk_a), start=start, end=end).count() == 3
    assert sessions_between(actor=actor(researcher_a), start=start, end=end).count() == 0
    assert list(courses_in_progress(actor=actor(clinician_a))) == [course_a[0]]
    assert list(courses_in_progress(actor=actor(front_desk_a))) == []


def test_chart_hides_clinical_sections_from_front_desk(
    course_a, patient_a, front_desk_a, clinician_a
):
    full = patient_chart(actor=actor(clinician_a), patient=patient_a)
    assert full.show_clinical
    assert full.conditions
    assert full.history is not None
    limited = patient_chart(actor=actor(front_desk_a), patient=patient_a)
    assert not limited.show_clinical
    assert (limited.conditions, limited.history, limited.latest_weight) == ([], None, None)
    assert [c.id for c in limited.courses] == [course_a[0].id]  # the schedule stays visible


def test_clinicians_of_lists_only_active_clinicians_of_that_clinic(
    clinic_a, clinician_a, nurse_a, clinician_b
):
    assert clinicians_of(clinic_a.id) == [clinician_a]
    membership = clinician_a.memberships.get()
    membership.is_active = False
    membership.save()
    assert clinicians_of(clinic_a.id) == []
