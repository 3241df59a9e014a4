"""Consent (document text and the typed-name check), aftercare, and the AE catalogue file."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from django.db.models import BooleanField

from prolotrack.audit.models import AuditEvent
from prolotrack.core.errors import ApplicationError
from prolotrack.knowledge.adverse_events import (
    SERIOUS_CRITERIA,
    adverse_event_catalogue,
    adverse_event_catalogue_from_data,
)
from prolotrack.knowledge.catalogue import KnowledgeError
from prolotrack.safety.clinic_settings import aftercare_text_for, clinic_settings_update
from prolotrack.safety.consent import consent_record, consent_text
from prolotrack.safety.models import AdverseEvent, Consent
from tests.conftest import actor
from tests.safety.conftest import rabago_course

CATALOGUE = Path(__file__).parents[2] / "prolotrack" / "knowledge" / "adverse_events.toml"


def test_consent_text_names_the_plan_and_the_risks(patient_a, clinician_a):
    text = consent_text(rabago_course(patient_a, clinician_a))
    assert "Your plan: 3 session(s) for your right knee" in text
    assert "Intra-articular: dextrose 25 % with 0.5 % lidocaine, 6 mL" in text
    assert "About 1 in 10 trial participants had pain lasting up to 72 hours" in text  # §4a
    assert "Infection or septic arthritis" in text
    assert "Alternatives" in text
    assert "stop the course at any time" in text
    assert "Other:" not in text  # the catch-all term is no risk
    assert "consent-2026-r1" in text


@pytest.mark.parametrize("typed", ["{given} {family}", "  {GIVEN}   {family} ", "{family} {given}"])
def test_consent_needs_the_patients_full_name(patient_a, clinician_a, typed):
    course = rabago_course(patient_a, clinician_a)
    name = typed.format(
        given=patient_a.given_name,
        family=patient_a.family_name,
        GIVEN=patient_a.given_name.upper(),
    )
    if typed.startswith("{family}"):
        with pytest.raises(ApplicationError) as error:
            consent_record(actor=actor(clinician_a), course=course, typed_name=name)
        assert error.value.field == "typed_name"
        assert not Consent.objects.exists()
        return
    consent = consent_record(actor=actor(clinician_a), course=course, typed_name=name)
    assert consent.document_version == "consent-2026-r1+adverse-events-2026-r1"
    assert consent.document_text == consent_text(course)
    assert consent.recorded_by == clinician_a
    assert AuditEvent.objects.filter(action="consent.record").exists()


def test_aftercare_default_and_clinic_text(clinic_a, admin_a):
    default = aftercare_text_for(clinic_id=clinic_a.id)
    assert "first 72 hours" in default
    assert "stop NSAIDs 5 to 7 days before" in default  # the standing NSAID advice (§3)
    assert "3 days after deeper injections" in default  # the activity advice (§3)
    assert "Set the clinic's own rule" not in default  # a note to staff, not to patients
    clinic_settings_update(actor=actor(admin_a), clinic=clinic_a, aftercare_text="Call us: 555.")
    assert aftercare_text_for(clinic_id=clinic_a.id) == "Call us: 555."
    clinic_settings_update(actor=actor(admin_a), clinic=clinic_a, aftercare_text="  ")
    assert aftercare_text_for(clinic_id=clinic_a.id) == default


def test_catalogue_terms_grades_and_criteria():
    catalogue = adverse_event_catalogue()
    assert list(catalogue.terms) == [
        "pain_flare",
        "injection_site_reaction",
        "bruising",
        "swelling_effusion",
        "stiffness",
        "vasovagal_reaction",
        "infection",
        "allergic_reaction",
        "other",
    ]
    assert [catalogue.grade(n).label for n in range(1, 6)] == [
        "Mild",
        "Moderate",
        "Severe",
        "Life-threatening",
        "Death",
    ]
    assert tuple(c.code for c in catalogue.seriousness.criteria) == SERIOUS_CRITERIA
    for code in SERIOUS_CRITERIA:  # one yes/no field per criterion on the model
        assert isinstance(AdverseEvent._meta.get_field(code), BooleanField)
    unconfirmed = {code for code, term in catalogue.terms.items() if not term.confirmed}
    assert {"vasovagal_reaction", "infection", "swelling_effusion"} <= unconfirmed
    assert all(catalogue.terms[code].note for code in unconfirmed)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["terms"].pop(), "catch-all term 'other' is missing"),
        (lambda d: d["terms"][0].update(confirmed=False, note=""), "needs a note"),
        (lambda d: d["grading"]["grades"].pop(), "grades must be 1, 2, 3, 4 and 5"),
        (lambda d: d["seriousness"]["criteria"].pop(), "criteria must be"),
        (lambda d: d["terms"].append(dict(d["terms"][0])), "codes repeat"),
    ],
)
def test_a_malformed_catalogue_fails_loudly(change, message):
    data = tomllib.loads(CATALOGUE.read_text(encoding="utf-8"))
    change(data)
    with pytest.raises(KnowledgeError, match=message) as error:
        adverse_event_catalogue_from_data(data, origin="clinic-events.toml")
    assert str(error.value).startswith("clinic-events.toml: ")
