"""Response thresholds: the shipped file against clinical.md §6 and Appendix B, and the loader.

Cited values (clinical.md §6): KOOS any subscale 10 points (Paradowski 2004); KOOS QOL 8.0
(J Rheumatol 2014, authors UNCONFIRMED); NRS 2 points or 30 % (Farrar 2001); VISA-P 13
points (Hernandez-Sanchez 2014); Lysholm 5.5 (Rev Bras Ortop 2023); WOMAC 12 % of baseline
(review table PMC7990728); no confirmed PASS value. OMERACT-OARSI (Appendix B, UNCONFIRMED):
50 % and 20 points, or 2 of 3 at 20 % and 10 points.

The loader must reject malformed data with a KnowledgeError naming the origin and the entry.
"""

from __future__ import annotations

import copy
import tomllib
from importlib.resources import files
from typing import Any

import pytest

from prolotrack.domain.thresholds import change_for
from prolotrack.knowledge import KnowledgeError, instrument_definitions
from prolotrack.knowledge.thresholds import (
    default_thresholds,
    thresholds_from_data,
    thresholds_from_toml,
)

KOOS_SUBSCALES = ("pain", "symptoms", "adl", "sport_rec")
WOMAC_KEYS = ("pain", "stiffness", "function", "total")


def shipped_data() -> dict[str, Any]:
    text = files("prolotrack.knowledge").joinpath("thresholds.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def entry(instrument: str, score: str):
    found = default_thresholds().for_score(instrument, score)
    assert found is not None, f"{instrument} {score} has no threshold"
    return found


# --- the shipped values ---


@pytest.mark.parametrize("score", KOOS_SUBSCALES)
def test_koos_subscales_10_points_paradowski(score):
    koos = entry("KOOS", score)
    assert (koos.mcid_points, koos.mcid_relative, koos.mcid_rule) == (10, None, None)
    assert koos.direction == "higher_is_better"
    assert "Paradowski 2004" in koos.source
    assert "PMC509423" in koos.source
    assert koos.confirmed


def test_koos_qol_8_points_with_unconfirmed_authors():
    qol = entry("KOOS", "qol")
    assert qol.mcid_points == 8.0
    assert "PMC3943561" in qol.source
    assert "2014" in qol.source
    assert not qol.confirmed
    assert "authors are UNCONFIRMED" in qol.note


def test_nrs_2_points_or_30_percent_farrar():
    nrs = entry("KNEE_PAIN_NRS", "pain")
    assert (nrs.mcid_points, nrs.mcid_relative, nrs.mcid_rule) == (2, 0.30, "either")
    assert nrs.direction == "higher_is_worse"
    assert "Farrar" in nrs.source
    assert "Pain 94:149" in nrs.source
    assert nrs.confirmed


def test_visa_p_13_points_hernandez_sanchez():
    visa_p = entry("VISA_P", "total")
    assert (visa_p.mcid_points, visa_p.mcid_relative) == (13, None)
    assert "Hernandez-Sanchez" in visa_p.source
    assert "2014" in visa_p.source


def test_lysholm_5_5_points_2023():
    lysholm = entry("LYSHOLM", "total")
    assert lysholm.mcid_points == 5.5
    assert "Rev Bras Ortop 2023" in lysholm.source
    assert "ACL" in lysholm.note


@pytest.mark.parametrize("score", [*WOMAC_KEYS, *(f"{key}_normalised" for key in WOMAC_KEYS)])
def test_womac_12_percent_of_baseline(score):
    womac = entry("WOMAC", score)
    assert (womac.mcid_points, womac.mcid_relative, womac.mcid_rule) == (None, 0.12, None)
    assert womac.direction == "higher_is_worse"
    assert "PMC7990728" in womac.source


def test_no_pass_value_ships_because_none_is_confirmed():
    assert all(threshold.pass_value is None for threshold in default_thresholds().scores)


def test_instruments_without_a_threshold():
    for instrument, score in [("PGIC", "change"), ("TEGNER", "current"), ("KOOS", "total")]:
        assert default_thresholds().for_score(instrument, score) is None


def test_omeract_oarsi_numbers_flagged_unconfirmed():
    omeract = default_thresholds().omeract_oarsi
    assert (omeract.high_relative, omeract.high_points) == (0.5, 20)
    assert (omeract.moderate_relative, omeract.moderate_points) == (0.2, 10)
    assert omeract.moderate_minimum_domains == 2
    assert "Pham" in omeract.source
    assert "2004;12:389" in omeract.source
    assert not omeract.confirmed
    assert omeract.note


def test_every_entry_matches_its_instrument():
    instruments = instrument_definitions()
    for threshold in default_thresholds().scores:
        definition = instruments[threshold.instrument]
        assert threshold.score in definition.score_keys
        assert threshold.direction == definition.score_direction
        assert threshold.confirmed or threshold.note


def test_version_and_cache():
    thresholds = default_thresholds()
    assert thresholds.version == "prolotrack-thresholds-2026-11-r1"
    assert default_thresholds() is thresholds


def test_change_for_applies_an_entry():
    nrs = entry("KNEE_PAIN_NRS", "pain")
    assert change_for(nrs, 3, 2.1, scale_max=10).reaches_mcid is True  # 30 % of 3
    assert change_for(nrs, 8, 6.5, scale_max=10).reaches_mcid is False  # 1.5 points, 18.75 %
    koos = entry("KOOS", "pain")
    assert change_for(koos, 50, 60).reaches_mcid is True
    assert change_for(koos, 50, 59.9).reaches_mcid is False


def test_a_clinic_override_has_its_own_version():
    data = shipped_data()
    data["version"] = "clinic-a-2027-01-r1"
    data["scores"][2]["mcid_rule"] = "both"  # KNEE_PAIN_NRS
    override = thresholds_from_data(data, origin="clinic A override")
    assert override.version == "clinic-a-2027-01-r1"
    nrs = override.for_score("KNEE_PAIN_NRS", "pain")
    assert nrs is not None
    assert change_for(nrs, 3, 2.1, scale_max=10).reaches_mcid is False  # 0.9 points only
    assert default_thresholds().for_score("KNEE_PAIN_NRS", "pain") == entry("KNEE_PAIN_NRS", "pain")


# --- malformed data is rejected, naming the origin and the entry ---


def broken(change: Any) -> dict[str, Any]:
    data = copy.deepcopy(shipped_data())
    change(data)
    return data


def _set(path: tuple[Any, ...], value: Any):
    def apply(data: dict[str, Any]) -> None:
        target = data
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value

    return apply


def _delete(path: tuple[Any, ...]):
    def apply(data: dict[str, Any]) -> None:
        target = data
        for part in path[:-1]:
            target = target[part]
        del target[path[-1]]

    return apply


def _koos_relative_only(data: dict[str, Any]) -> None:
    del data["scores"][0]["mcid"]
    data["scores"][0]["mcid_relative"] = 0.2


def _append_duplicate(data: dict[str, Any]) -> None:
    data["scores"].append({**data["scores"][3], "scores": ["total"]})  # VISA_P total again


# scores entries in the shipped file: 1 KOOS, 2 KOOS qol, 3 NRS, 4 VISA_P, 5 LYSHOLM, 6 WOMAC.
MALFORMED = [
    ("unknown key", _set(("scores", 0, "mcid_points"), 10), "scores entry 1 (KOOS): mcid_points"),
    ("no source", _delete(("scores", 3, "source")), "scores entry 4 (VISA_P): source"),
    ("negative mcid", _set(("scores", 4, "mcid"), -5.5), "scores entry 5 (LYSHOLM): mcid"),
    ("boolean mcid", _set(("scores", 0, "mcid"), True), "scores entry 1 (KOOS): mcid"),
    ("string mcid", _set(("scores", 0, "mcid"), "10"), "scores entry 1 (KOOS): mcid"),
    ("nan mcid", _set(("scores", 0, "mcid"), float("nan")), "finite number"),
    ("percent not fraction", _set(("scores", 5, "mcid_relative"), 12), "(WOMAC): mcid_relative"),
    ("unconfirmed without note", _set(("scores", 1, "note"), ""), "needs a note"),
    ("both without rule", _delete(("scores", 2, "mcid_rule")), "mcid_rule must say"),
    ("rule without both", _set(("scores", 0, "mcid_rule"), "either"), "only for an entry with"),
    ("unknown rule", _set(("scores", 2, "mcid_rule"), "any"), "(KNEE_PAIN_NRS): mcid_rule"),
    ("relative on KOOS", _koos_relative_only, "only for higher_is_worse"),
    ("nothing to apply", _delete(("scores", 4, "mcid")), "give at least one of"),
    ("unknown instrument", _set(("scores", 3, "instrument"), "VISA_A"), "unknown instrument"),
    ("unknown score key", _set(("scores", 0, "scores"), ["pain", "sport"]), "['sport'] are not"),
    ("repeated key", _set(("scores", 0, "scores"), ["pain", "pain"]), "score keys repeat"),
    ("wrong direction", _set(("scores", 4, "direction"), "higher_is_worse"), "LYSHOLM scores are"),
    ("score in two entries", _append_duplicate, "'total' is already in scores entry 4"),
    ("PASS outside range", _set(("scores", 2, "pass_value"), 11), "pass_value 11 is outside"),
    ("mcid beyond the scale", _set(("scores", 2, "mcid"), 12), "mcid 12 is more than"),
    ("high as percent", _set(("omeract_oarsi", "high_relative"), 50), "high_relative"),
    ("minimum of 4 domains", _set(("omeract_oarsi", "moderate_minimum_domains"), 4), "minimum"),
    ("no omeract", _delete(("omeract_oarsi",)), "omeract_oarsi"),
    ("no version", _delete(("version",)), "version"),
    ("empty version", _set(("version",), ""), "version"),
    ("no entries", _set(("scores",), []), "scores"),
    ("top-level typo", _set(("versions",), "x"), "versions"),
]


@pytest.mark.parametrize(
    ("change", "expected"), [case[1:] for case in MALFORMED], ids=[case[0] for case in MALFORMED]
)
def test_malformed_data_is_rejected(change, expected):
    with pytest.raises(KnowledgeError) as caught:
        thresholds_from_data(broken(change), origin="clinic-override.toml")
    message = str(caught.value)
    assert message.startswith("clinic-override.toml: ")
    assert expected in message


def test_error_names_the_entry_and_field():
    with pytest.raises(KnowledgeError) as caught:
        thresholds_from_data(broken(_set(("scores", 4, "mcid"), -5.5)), origin="thresholds.toml")
    assert str(caught.value) == (
        "thresholds.toml: scores entry 5 (LYSHOLM): mcid: Input should be greater than 0"
    )


def test_toml_syntax_error_names_the_file():
    with pytest.raises(KnowledgeError, match=r"^override\.toml: cannot read the file"):
        thresholds_from_toml('version = "x\n', origin="override.toml")
