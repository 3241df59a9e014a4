"""Dosing facts: the shipped file against clinical.md §2, and the loader's refusals.

clinical.md §2: lidocaine for adult local infiltration, without epinephrine 4.5 mg/kg, not to
exceed 300 mg; with epinephrine 7 mg/kg, not to exceed 500 mg; UNCONFIRMED at label level (the
primary Xylocaine label was not viewed). D50W = 0.5 g dextrose per mL; lidocaine 1 % = 10 mg/mL,
2 % = 20 mg/mL. The 90-day weight age is prolotrack's choice, not a published value.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from prolotrack.knowledge.catalogue import KnowledgeError
from prolotrack.knowledge.dosing import dose_limits, parse_dose_limits_file

D = Decimal
SHIPPED = Path(__file__).parents[2] / "prolotrack" / "knowledge" / "dosing" / "limits.toml"


def test_shipped_lidocaine_maxima_are_the_cited_ones():
    limits = dose_limits()
    plain, with_epinephrine = limits.without_epinephrine, limits.with_epinephrine
    assert (plain.mg_per_kg, plain.ceiling_mg) == (D("4.5"), D(300))
    assert (with_epinephrine.mg_per_kg, with_epinephrine.ceiling_mg) == (D(7), D(500))
    assert limits.lidocaine_maximum(epinephrine=False) is plain
    assert limits.lidocaine_maximum(epinephrine=True) is with_epinephrine
    for maximum in (plain, with_epinephrine):
        assert maximum.confirmed is False
        assert "label level" in maximum.note
        assert "droracle" in maximum.source or "recallguide" in maximum.source
    assert "recallguide.org" in with_epinephrine.source
    assert "elderly" in limits.caution


def test_shipped_numbers_are_exact_decimals():
    limits = dose_limits()
    assert isinstance(limits.without_epinephrine.mg_per_kg, Decimal)
    assert str(limits.without_epinephrine.mg_per_kg) == "4.5"


def test_shipped_stock_facts_are_the_cited_ones():
    strengths = {(s.substance, s.percent): s for s in dose_limits().stock_strengths}
    assert set(strengths) == {("dextrose", D(50)), ("lidocaine", D(1)), ("lidocaine", D(2))}
    d50w = strengths["dextrose", D(50)]
    assert (d50w.amount_per_ml, d50w.unit) == (D("0.5"), "g")
    assert "dailymed" in d50w.source
    assert strengths["lidocaine", D(1)].amount_per_ml == D(10)
    assert strengths["lidocaine", D(2)].amount_per_ml == D(20)
    assert all(s.unit == "mg" for (substance, _), s in strengths.items() if substance != "dextrose")


def test_shipped_weight_age_is_a_clinic_setting():
    limits = dose_limits()
    assert limits.weight_max_age_days == 90
    assert limits.weight_note  # unconfirmed: a practice choice, says so


def test_shipped_version_is_set():
    assert dose_limits().version == "dose-limits-2026-11-r1"
    assert parse_dose_limits_file(SHIPPED) == dose_limits()


def broken(tmp_path: Path, old: str, new: str) -> Path:
    text = SHIPPED.read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / "clinic-limits.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("mg_per_kg = 4.5", "mg_per_kg = -4.5", "lidocaine.without_epinephrine.mg_per_kg"),
        ("mg_per_kg = 4.5", 'mg_per_kg = "4.5"', "must be a number, not str"),
        ("mg_per_kg = 4.5", "mg_per_kg = nan", "must be a finite number"),
        ("mg_per_kg = 4.5", "mg_per_kg = true", "must be a number, not bool"),
        ("mg_per_kg = 4.5", "mg_per_kg = 4.5e-999999999", "lidocaine.without_epinephrine"),
        ("ceiling_mg = 300", "ceiling_mg = 3e999999999", "lidocaine.without_epinephrine"),
        ("ceiling_mg = 300\n", "", "lidocaine.without_epinephrine.ceiling_mg: Field required"),
        ("ceiling_mg = 500", "ceiling_mg = 250", "maximum with epinephrine is below"),
        ("amount_per_ml = 0.5", "amount_per_ml = 0.6", "dextrose 50 % = 0.6 g/mL disagrees"),
        ("amount_per_ml = 20", "amount_per_ml = 25", "lidocaine 2 % = 25 mg/mL disagrees"),
        ('unit = "g"', 'unit = "mg"', "dextrose is labelled in g per mL"),
        ("max_age_days = 90", "max_age_days = 0", "weight.max_age_days"),
        ("max_age_days = 90", "max_age_days = 90.5", "weight.max_age_days"),
        ('version = "dose-limits-2026-11-r1"', 'version = ""', "version"),
        ("mg_per_kg = 7\n", "mg_per_kg = 7\nmg_per_lb = 3\n", "Extra inputs are not permitted"),
        ('confirmed = false\nnote = "UNCONFIRMED', 'confirmed = false\nxnote = "', "xnote"),
        ("[weight]", "[weight", "cannot read the file"),
    ],
)
def test_malformed_file_is_refused_naming_it(tmp_path, old, new, message):
    with pytest.raises(KnowledgeError) as raised:
        parse_dose_limits_file(broken(tmp_path, old, new))
    text = str(raised.value)
    assert text.startswith("clinic-limits.toml: ")
    assert message in text


def test_an_unconfirmed_value_needs_a_note(tmp_path):
    path = broken(
        tmp_path, 'note = "A practice choice with no published source: edit per clinic."\n', ""
    )
    with pytest.raises(KnowledgeError, match="weight: an unconfirmed value needs a note"):
        parse_dose_limits_file(path)


def test_a_missing_file_is_refused_naming_it(tmp_path):
    with pytest.raises(KnowledgeError, match=r"^absent\.toml: cannot read the file"):
        parse_dose_limits_file(tmp_path / "absent.toml")
