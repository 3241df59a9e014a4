"""The opioid conversion factors file loads, stays exact, and refuses malformed entries."""

from __future__ import annotations

from decimal import Decimal

import pytest

from prolotrack.knowledge.catalogue import KnowledgeError
from prolotrack.knowledge.medications import medication_catalogue, parse_catalogue


def test_shipped_factors_load_exactly_and_are_flagged_unconfirmed():
    catalogue = medication_catalogue()
    assert catalogue.opioids["codeine"].mme_factor == Decimal("0.15")
    assert catalogue.opioids["oxycodone"].mme_factor == Decimal("1.5")
    assert catalogue.opioids["morphine"].mme_factor == Decimal("1")
    # clinical.md lists no MME factors: every entry says so.
    assert all(not opioid.confirmed and opioid.note for opioid in catalogue.opioids.values())
    assert "CDC" in catalogue.source


def _data(**entry):
    base = {"label": "Test", "mme_factor": "1", "confirmed": True}
    return {"version": "v1", "source": "somewhere", "opioids": {"test_drug": base | entry}}


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"mme_factor": 1.5}, "string"),
        ({"mme_factor": "0"}, "above 0"),
        ({"mme_factor": "abc"}, "not a number"),
        ({"confirmed": False}, "needs a note"),
        ({"unknown": 1}, "Extra inputs"),
    ],
)
def test_malformed_entries_name_the_file_and_entry(entry, message):
    with pytest.raises(KnowledgeError, match=message) as error:
        parse_catalogue(_data(**entry), origin="medications.toml")
    assert "medications.toml: opioids.test_drug" in str(error.value)
