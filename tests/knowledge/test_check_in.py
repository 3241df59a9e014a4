"""The check-in file: terms from the catalogue, suggested grades in order, a note saying the
mapping is ours, and a broken file fails loudly."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from prolotrack.knowledge.adverse_events import adverse_event_catalogue
from prolotrack.knowledge.check_in import CheckIn, check_in


def test_the_shipped_check_in_maps_to_catalogue_terms_and_suggested_grades():
    wording = check_in()
    terms = adverse_event_catalogue().terms
    assert {problem.code: problem.term for problem in wording.problems} == {
        "pain": "pain_flare",
        "swelling": "swelling_effusion",
        "redness": "injection_site_reaction",
        "fever": "infection",
        "other": "other",
    }
    assert all(problem.term in terms for problem in wording.problems)
    assert [(s.code, s.suggested_grade) for s in wording.severities] == [
        ("mild", 1),
        ("moderate", 2),
        ("severe", 3),
    ]
    assert not wording.confirmed
    assert "clinician" in wording.note
    assert "fever" in wording.urgent_signs
    assert "emergency" in wording.urgent_signs


def test_repeated_codes_and_an_unconfirmed_file_without_note_are_refused():
    data = check_in().model_dump()
    with pytest.raises(ValidationError, match="codes repeat"):
        CheckIn.model_validate({**data, "problems": [data["problems"][0]] * 2})
    with pytest.raises(ValidationError, match="needs a note"):
        CheckIn.model_validate({**data, "note": ""})
