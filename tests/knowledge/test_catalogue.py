"""The code and injection-site catalogues, checked against clinical.md §1, §7a and §7b."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from prolotrack.knowledge import (
    KnowledgeError,
    code_fits_side,
    codes_for_side,
    icd10_choices,
    icd10_codes,
    injection_sites,
    site_choices,
)
from prolotrack.knowledge.catalogue import (
    MAP_VIEW_HEIGHT,
    MAP_VIEW_WIDTH,
    MAP_VIEWS,
    _parse_icd10_file,
    _parse_sites_file,
)

ISSUE_CODES = [
    "M17.0", "M17.10", "M17.11", "M17.12", "M17.31", "M17.32", "M17.9",
    "M76.50", "M76.51", "M76.52",
    "S83.411A", "S83.412A", "S83.419A", "S83.421A", "S83.422A", "S83.511A", "S83.512A",
    "M23.50", "M23.51", "M23.52",
    "M92.521", "M92.522", "M92.529",
]  # fmt: skip

SITE_CODES = {
    "intra_articular", "mcl_femoral", "mcl_tibial", "lcl_femoral", "lcl_fibular",
    "pes_anserinus", "patellar_tendon_proximal", "patellar_tendon_distal", "quadriceps_tendon",
    "coronary_medial", "coronary_lateral", "tibial_tuberosity", "medial_retinaculum",
    "lateral_retinaculum", "itb_gerdy",
}  # fmt: skip

VALID_CODE_ENTRY = """
[[codes]]
code = "M17.11"
title = "Primary osteoarthritis, right knee"
category = "knee_oa"
laterality = "right"
confirmed = true
source = "clinical.md §7a"
"""

VALID_SITE_ENTRY = """
[[sites]]
code = "pes_anserinus"
label = "Pes anserinus"
region = "medial"
default_approach = "extra_articular"
structure = "Conjoined tendon insertion"
snomed_confirmed = false
source = "clinical.md §7b"
note = "No SNOMED code: UNCONFIRMED."

[[sites.map]]
view = "medial"
x = 120
y = 230
"""


def write(tmp_path: Path, text: str, name: str = "broken.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- ICD-10-CM catalogue (clinical.md §7a) ---


@pytest.mark.parametrize("code", ISSUE_CODES)
def test_every_issue_code_is_present(code: str) -> None:
    assert code in icd10_codes()


@pytest.mark.parametrize(
    ("code", "category", "laterality", "confirmed"),
    [
        ("M17.11", "knee_oa", "right", True),
        ("M17.12", "knee_oa", "left", True),
        ("M17.0", "knee_oa", "bilateral", True),
        ("M17.9", "knee_oa", "unspecified", True),
        ("M76.51", "patellar_tendinopathy", "right", True),
        ("S83.411A", "mcl_sprain", "right", True),
        ("S83.421A", "lcl_sprain", "right", True),
        ("S83.511A", "acl_sprain", "right", True),
        ("M23.52", "chronic_instability", "left", True),
        ("M92.521", "osgood_schlatter", "right", True),
        ("S83.422A", "lcl_sprain", "left", False),
        ("S83.512A", "acl_sprain", "left", False),
        ("M92.522", "osgood_schlatter", "left", False),
        ("M92.529", "osgood_schlatter", "unspecified", False),
    ],
)
def test_cited_values(code: str, category: str, laterality: str, confirmed: bool) -> None:
    """Values as clinical.md §7a gives them; UNCONFIRMED patterns are not confirmed."""
    entry = icd10_codes()[code]
    assert (entry.category, entry.laterality, entry.confirmed) == (category, laterality, confirmed)


def test_unconfirmed_codes_say_why() -> None:
    unconfirmed = [entry for entry in icd10_codes().values() if not entry.confirmed]
    assert {entry.code for entry in unconfirmed} == {"S83.422A", "S83.512A", "M92.522", "M92.529"}
    assert all("UNCONFIRMED" in entry.note for entry in unconfirmed)


def test_non_billable_m23_5_is_absent() -> None:
    """§7a: M23.5 is not billable, only its children M23.50/51/52 are."""
    assert "M23.5" not in icd10_codes()


def test_every_code_cites_the_reference() -> None:
    assert all("§7a" in entry.source for entry in icd10_codes().values())


def test_catalogue_is_read_only() -> None:
    with pytest.raises(TypeError):
        icd10_codes()["M17.11"] = icd10_codes()["M17.12"]  # type: ignore[index]


# --- Laterality helpers ---


@pytest.mark.parametrize("code", ["M17.11", "M17.0", "M17.9"])
def test_right_knee_accepts_right_bilateral_and_unspecified(code: str) -> None:
    assert code_fits_side(code, "right")


def test_right_knee_rejects_left_code() -> None:
    assert not code_fits_side("M17.12", "right")
    assert code_fits_side("M17.12", "left")


def test_codes_for_side_holds_no_code_of_the_other_side() -> None:
    right = {entry.code for entry in codes_for_side("right")}
    assert {"M17.11", "M17.0", "M17.9", "M92.521"} <= right
    assert all(icd10_codes()[code].laterality != "left" for code in right)
    assert "M17.12" not in right


def test_unknown_side_raises() -> None:
    with pytest.raises(KnowledgeError, match="'both'"):
        codes_for_side("both")


def test_unknown_code_raises() -> None:
    with pytest.raises(KnowledgeError, match=re.escape("'M23.5'")):
        code_fits_side("M23.5", "right")


def test_icd10_choices_sorted_with_code_and_title() -> None:
    choices = icd10_choices()
    assert [value for value, _ in choices] == sorted(icd10_codes())
    assert ("M17.11", "M17.11 \N{EM DASH} Primary osteoarthritis, right knee") in choices
    assert dict(choices)["S83.422A"].endswith("(unconfirmed)")


# --- Injection sites (clinical.md §1, §7b) ---


def test_site_codes_are_exactly_the_fifteen() -> None:
    assert set(injection_sites()) == SITE_CODES
    assert [value for value, _ in site_choices()] == list(injection_sites())


def test_snomed_codes_as_cited_and_unconfirmed() -> None:
    """§7b: only 49076000 (knee joint) and 1627004 (MCL), neither officially confirmed."""
    sites = injection_sites()
    assert sites["intra_articular"].snomed_code == "49076000"
    assert sites["mcl_femoral"].snomed_code == sites["mcl_tibial"].snomed_code == "1627004"
    with_code = {code for code, site in sites.items() if site.snomed_code}
    assert with_code == {"intra_articular", "mcl_femoral", "mcl_tibial"}
    assert not any(site.snomed_confirmed for site in sites.values())
    assert all("UNCONFIRMED" in site.note for code, site in sites.items() if code not in with_code)


def test_only_the_joint_takes_the_intra_articular_approach() -> None:
    approaches = {code: site.default_approach for code, site in injection_sites().items()}
    assert approaches.pop("intra_articular") == "intra_articular"
    assert set(approaches.values()) == {"extra_articular"}


def test_volumes_from_the_protocols() -> None:
    """§1a: IA 5 mL (Dumais 2012) to 10 mL (Bayat 2023); EA 0.5 mL (Rabago) to 1 mL (Dumais)."""
    sites = injection_sites()
    joint = sites["intra_articular"].typical_volume_ml
    ligament = sites["mcl_tibial"].typical_volume_ml
    assert joint is not None
    assert (joint.min, joint.max) == (5.0, 10.0)
    assert ligament is not None
    assert (ligament.min, ligament.max) == (0.5, 1.0)
    assert sites["quadriceps_tendon"].typical_volume_ml is None


def test_every_site_is_on_the_knee_map_inside_its_view() -> None:
    for code, site in injection_sites().items():
        assert site.map, code
        for position in site.map:
            assert position.view in MAP_VIEWS
            assert 0 <= position.x <= MAP_VIEW_WIDTH, code
            assert 0 <= position.y <= MAP_VIEW_HEIGHT, code
    shown = {position.view for site in injection_sites().values() for position in site.map}
    assert shown == set(MAP_VIEWS)  # each drawn view marks at least one site


def test_no_two_markers_overlap_in_a_view() -> None:
    """Markers are drawn 24 units wide: two closer than that would be hard to click."""
    placed = [
        (position.view, position.x, position.y, code)
        for code, site in injection_sites().items()
        for position in site.map
    ]
    for index, (view, x, y, code) in enumerate(placed):
        for other_view, other_x, other_y, other in placed[index + 1 :]:
            if view == other_view:
                assert max(abs(x - other_x), abs(y - other_y)) >= 24, (code, other)


# --- Malformed files ---


def test_unknown_category_names_file_and_entry(tmp_path: Path) -> None:
    path = write(tmp_path, VALID_CODE_ENTRY.replace('"knee_oa"', '"knee_pain"'))
    with pytest.raises(KnowledgeError) as caught:
        _parse_icd10_file(path)
    message = str(caught.value)
    assert "broken.toml" in message
    assert "entry 1 (code 'M17.11')" in message
    assert "category" in message


def test_duplicate_code_names_both_entries(tmp_path: Path) -> None:
    path = write(tmp_path, VALID_CODE_ENTRY * 2)
    with pytest.raises(KnowledgeError, match=r"entry 2 \(code 'M17.11'\).*duplicate.*entry 1"):
        _parse_icd10_file(path)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (('source = "clinical.md §7a"', 'source = "x"\nbillable = true'), "billable"),
        (("confirmed = true", "confirmed = false"), "needs a note"),
        (('laterality = "right"', 'laterality = "both"'), "laterality"),
        (('code = "M17.11"', 'code = "m17 11"'), "code"),
    ],
)
def test_invalid_code_entry_is_refused(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    path = write(tmp_path, VALID_CODE_ENTRY.replace(*change))
    with pytest.raises(
        KnowledgeError, match=re.escape("broken.toml: [[codes]] entry 1") + ".*" + expected
    ):
        _parse_icd10_file(path)


def test_toml_syntax_error_names_file(tmp_path: Path) -> None:
    path = write(tmp_path, "[[codes]\ncode = ")
    with pytest.raises(KnowledgeError, match=re.escape("broken.toml: cannot read")):
        _parse_icd10_file(path)


def test_missing_table_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, VALID_SITE_ENTRY)
    with pytest.raises(KnowledgeError, match="unexpected top-level keys"):
        _parse_icd10_file(path)


def test_valid_site_entry_parses(tmp_path: Path) -> None:
    sites = _parse_sites_file(write(tmp_path, VALID_SITE_ENTRY, "sites.toml"))
    assert list(sites) == ["pes_anserinus"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (('region = "medial"', 'region = "posterior"'), "region"),
        (('"extra_articular"', '"intra_articular"'), "intra-articular approach"),
        (("snomed_confirmed = false", "snomed_confirmed = true"), "no snomed_code"),
        (('note = "No SNOMED code: UNCONFIRMED."', ""), "needs a note"),
        (("", "[sites.typical_volume_ml]\nmin = 2.0\nmax = 1.0\nsource = 'x'\n"), "above max"),
        (("x = 120", "x = 201"), "map.0.x"),
        (("y = 230", "y = -1"), "map.0.y"),
        (('view = "medial"', 'view = "posterior"'), "map.0.view"),
        (("[[sites.map]]\nview", "[sites.ignored]\nview"), "ignored"),
        (("y = 230\n", "y = 230\n[[sites.map]]\nview = 'medial'\nx = 1\ny = 1\n"), "at most once"),
    ],
)
def test_invalid_site_entry_is_refused(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    old, new = change
    text = VALID_SITE_ENTRY.replace(old, new) if old else VALID_SITE_ENTRY + new
    path = write(tmp_path, text)
    with pytest.raises(
        KnowledgeError, match=re.escape("entry 1 (code 'pes_anserinus')") + ".*" + expected
    ):
        _parse_sites_file(path)


def test_knowledge_does_not_import_django() -> None:
    code = "import sys, prolotrack.knowledge as k; k.icd10_codes(); print('django' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
