"""Instrument definitions: the shipped files against clinical.md §5 and §7c, and the loader.

The loader must reject a malformed file with a KnowledgeError that names the file and the entry.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from prolotrack.knowledge import KnowledgeError, instrument_definition, instrument_definitions
from prolotrack.knowledge.instruments import (
    MAX_LABEL_LENGTH,
    parse_instrument_file,
    parse_instrument_files,
)

SHIPPED = {"KOOS", "WOMAC", "KNEE_PAIN_NRS", "PGIC", "VISA_P", "LYSHOLM", "TEGNER"}

# clinical.md §7c: the only LOINC codes confirmed for these instruments.
CONFIRMED_LOINC = {
    "KOOS": {
        "pain": "72102-7",
        "symptoms": "72101-9",
        "adl": "72100-1",
        "sport_rec": "72099-5",
        "qol": "72098-7",
    },
    "KNEE_PAIN_NRS": {"pain": "72514-3"},
}

# A small valid instrument; each test below breaks one thing in it.
VALID = """
code = "DEMO"
version = "DEMO-r1"
title = "Demo scale"
knee_specific = true
recall_period = "past week"
licence = "Free"
source = "test"
confirmed = true
score_direction = "higher_is_worse"
scoring = "sum"
score_range = [0, 8]
items = [
  { id = "A1", label = "A1: first thing", scale = "five" },
  { id = "A2", label = "A2: second thing", scale = "five" },
]
subscales = [
  { key = "total", items = ["A1", "A2"], min_answered = 2 },
]

[loinc]
total = "12345-6"

[scales.five]
minimum = 0
maximum = 4
options_only = true
options = [
  { value = 0, label = "none" },
  { value = 4, label = "extreme" },
  { value = 1, label = "mild" },
  { value = 2, label = "moderate" },
  { value = 3, label = "severe" },
]
"""


def write(tmp_path: Path, text: str, name: str = "demo.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def broken(old: str, new: str) -> str:
    assert old in VALID
    return VALID.replace(old, new, 1)


# --- the shipped definitions ---


def test_every_instrument_is_shipped_and_ikdc_and_koos_jr_are_not() -> None:
    assert set(instrument_definitions()) == SHIPPED


def test_koos_structure_follows_section_5() -> None:
    """42 items; pain 9, symptoms 7, ADL 17, sport/rec 5, QOL 4; 2012 minimum 5/4/9/3/2."""
    koos = instrument_definitions()["KOOS"]
    ids = [item.id for item in koos.items]
    expected = (
        [f"S{n}" for n in range(1, 8)]
        + [f"P{n}" for n in range(1, 10)]
        + [f"A{n}" for n in range(1, 18)]
        + [f"SP{n}" for n in range(1, 6)]
        + [f"Q{n}" for n in range(1, 5)]
    )
    assert sorted(ids) == sorted(expected)
    assert len(ids) == 42
    sizes = {s.key: (len(s.item_ids), s.min_answered) for s in koos.subscales}
    assert sizes == {
        "pain": (9, 5),
        "symptoms": (7, 4),
        "adl": (17, 9),
        "sport_rec": (5, 3),
        "qol": (4, 2),
    }
    assert all(item.scale.values == (0, 1, 2, 3, 4) for item in koos.items)
    assert koos.recall_period == "past week"
    assert koos.score_direction == "higher_is_better"


def test_womac_structure_and_koos_mapping() -> None:
    """LK3.1: P1-P5, S1-S2, F1-F17 (0-4 each); from KOOS P5-P9, S6-S7, A1-A17 (§5)."""
    womac = instrument_definitions()["WOMAC"]
    assert [s.key for s in womac.subscales] == ["pain", "stiffness", "function"]
    assert [len(s.item_ids) for s in womac.subscales] == [5, 2, 17]
    assert womac.score_range == (0, 96)
    assert womac.recall_period == "past 48 hours"
    assert womac.score_direction == "higher_is_worse"
    expected = {f"P{n}": f"P{n + 4}" for n in range(1, 6)} | {"S1": "S6", "S2": "S7"}
    expected |= {f"F{n}": f"A{n}" for n in range(1, 18)}
    assert dict(womac.from_koos) == expected
    assert not womac.confirmed
    assert "UNCONFIRMED" in womac.note


def test_loinc_only_where_section_7c_confirms_it() -> None:
    """WOMAC 72091-2 is UNCONFIRMED (§7c) and must not ship; no other instrument has a code."""
    for code, definition in instrument_definitions().items():
        assert dict(definition.loinc) == CONFIRMED_LOINC.get(code, {}), code


@pytest.mark.parametrize(
    ("code", "knee_specific"),
    [
        ("KOOS", True),
        ("WOMAC", True),
        ("KNEE_PAIN_NRS", True),
        ("VISA_P", True),
        ("LYSHOLM", True),
        ("PGIC", True),
        ("TEGNER", False),
    ],
)
def test_knee_specific(code: str, knee_specific: bool) -> None:
    assert instrument_definitions()[code].knee_specific is knee_specific


def test_lysholm_weights_and_bands() -> None:
    """Maximum points: limp 5, support 5, locking 15, instability 25, pain 25, swelling 10,
    stairs 10, squatting 5 (§5); two published band sets; the answer points are unconfirmed.
    """
    lysholm = instrument_definitions()["LYSHOLM"]
    weights = {item.id: item.scale.maximum for item in lysholm.items}
    assert weights == {
        "limp": 5,
        "support": 5,
        "locking": 15,
        "instability": 25,
        "pain": 25,
        "swelling": 10,
        "stairs": 10,
        "squatting": 5,
    }
    assert all(item.scale.minimum == 0 for item in lysholm.items)
    excellent = [band_set.bands[0] for band_set in lysholm.category_bands]
    assert [(b.label, b.minimum) for b in excellent] == [("excellent", 91), ("excellent", 95)]
    assert not lysholm.confirmed


def test_visa_p_structure() -> None:
    visa_p = instrument_definitions()["VISA_P"]
    scales = {item.id: item.scale for item in visa_p.items}
    assert all(scales[f"Q{n}"].values == tuple(range(11)) for n in range(1, 7))
    assert scales["Q7"].values == (0, 4, 7, 10)
    assert scales["Q8"].values == tuple(range(31))
    assert not visa_p.confirmed


def test_pgic_codes_and_improved_flag() -> None:
    pgic = instrument_definitions()["PGIC"]
    assert pgic.items[0].scale.values == (1, 2, 3, 4, 5, 6, 7)
    assert pgic.items[0].scale.options[0].label == "very much improved"
    assert [(f.key, f.values) for f in pgic.flags] == [("improved", frozenset({1, 2}))]


def test_every_unconfirmed_instrument_says_why() -> None:
    for definition in instrument_definitions().values():
        assert definition.confirmed or definition.note, definition.code


def test_labels_are_short_descriptions_not_quotations() -> None:
    """Guard: our labels stay short (<= 60 characters, <= 6 words after the id)."""
    for definition in instrument_definitions().values():
        for item in definition.items:
            assert len(item.label) <= MAX_LABEL_LENGTH, item.label
            assert item.label.startswith(f"{item.id}: ")
            assert len(item.label.removeprefix(f"{item.id}: ").split()) <= 6, item.label
            for option in item.scale.options:
                assert len(option.label) <= MAX_LABEL_LENGTH, option.label


def test_definitions_are_frozen() -> None:
    koos = instrument_definitions()["KOOS"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        koos.version = "changed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        koos.loinc["pain"] = "x"  # type: ignore[index]


@pytest.mark.parametrize("name", ["koos", "KOOS", "Koos", "visa_p", "VISA-P", "visa p", " womac "])
def test_lookup_ignores_case_and_dashes(name: str) -> None:
    assert instrument_definition(name).code in SHIPPED


def test_lookup_of_an_unknown_instrument() -> None:
    with pytest.raises(KnowledgeError, match=r"unknown instrument 'IKDC'; known: KNEE_PAIN_NRS"):
        instrument_definition("IKDC")


# --- the loader rejects malformed files ---


def test_the_valid_example_loads(tmp_path: Path) -> None:
    definition = parse_instrument_file(write(tmp_path, VALID))
    assert definition.code == "DEMO"
    assert definition.items[0].scale.values == (0, 1, 2, 3, 4)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('title = "Demo scale"', 'title = "Demo', "cannot read the file"),
        ('licence = "Free"', 'licence = "Free"\ncolour = "red"', "colour: Extra inputs"),
        ('version = "DEMO-r1"\n', "", "version: Field required"),
        ('scoring = "sum"', 'scoring = "average"', "scoring: Input should be"),
        ('"A2", label = "A2:', '"A1", label = "A1:', "items entry 2 (id 'A1'): duplicate item id"),
        ('scale = "five" },\n]', 'scale = "six" },\n]', "items entry 2 (id 'A2'): scale 'six'"),
        ('"A2"], min', '"A3"], min', "subscales entry 1 (key 'total'): items ['A3'] are not"),
        ("min_answered = 2", "min_answered = 3", "min_answered 3 is more than its 2 items"),
        ("min_answered = 2", "min_answered = 1", "the sum rule needs every item"),
        ('{ value = 4, label = "extreme" }', '{ value = 5, label = "extreme" }', "outside 0-4"),
        ('{ value = 1, label = "mild" }', '{ value = 0, label = "mild" }', "option values repeat"),
        ("A1: first thing", "A1: " + "x" * 60, "items entry 1 (id 'A1'): label: String should"),
        ("A1: first thing", "first thing", "must start with 'A1: '"),
        ("confirmed = true", "confirmed = false", "needs a note"),
        ('total = "12345-6"', 'sum = "12345-6"', "[loinc] names ['sum']"),
        ("score_range = [0, 8]", "score_range = [0, 7]", "fall outside score_range 0-7"),
        ('scoring = "sum"', 'scoring = "koos_2012"', "koos_2012 scores range from 0 to 100"),
        ("[loinc]", '[from_koos]\nA1 = "P1"\nA2 = "P2"\n\n[loinc]', "only a womac-scored"),
    ],
)
def test_malformed_file_is_rejected_naming_file_and_entry(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    with pytest.raises(KnowledgeError) as raised:
        parse_instrument_file(write(tmp_path, broken(old, new)))
    assert str(raised.value).startswith("demo.toml: ")
    assert message in str(raised.value)


def test_unreadable_bytes(tmp_path: Path) -> None:
    path = tmp_path / "demo.toml"
    path.write_bytes(b"\xff\xfe code")
    with pytest.raises(KnowledgeError, match=r"^demo\.toml: cannot read the file"):
        parse_instrument_file(path)


def test_duplicate_code_across_files(tmp_path: Path) -> None:
    paths = [write(tmp_path, VALID, "a.toml"), write(tmp_path, VALID, "b.toml")]
    with pytest.raises(
        KnowledgeError, match=r"^b\.toml: code 'DEMO' is already defined in a\.toml"
    ):
        parse_instrument_files(paths)


def _womac_pointing_at(koos_item: str) -> str:
    text = (Path(__file__).parents[2] / "prolotrack/knowledge/instruments/womac.toml").read_text()
    return text.replace('P1 = "P5"', f'P1 = "{koos_item}"', 1)


def test_from_koos_must_point_at_koos_items(tmp_path: Path) -> None:
    koos = Path(__file__).parents[2] / "prolotrack/knowledge/instruments/koos.toml"
    womac = write(tmp_path, _womac_pointing_at("P99"), "womac.toml")
    with pytest.raises(
        KnowledgeError, match=r"^womac\.toml: \[from_koos\] P1: 'P99' is not a KOOS"
    ):
        parse_instrument_files([koos, womac])


def test_from_koos_needs_the_koos(tmp_path: Path) -> None:
    womac = write(tmp_path, _womac_pointing_at("P5"), "womac.toml")
    with pytest.raises(KnowledgeError, match="needs the KOOS definition"):
        parse_instrument_files([womac])
