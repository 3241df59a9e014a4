"""Protocol files and the contraindication file: the loaders' checks, and the shipped data
against clinical.md §1 (protocols) and §3 (contraindications and precautions).

A malformed file must fail with a KnowledgeError that names the file and the entry.
"""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from prolotrack.knowledge import KnowledgeError
from prolotrack.knowledge.protocols import (
    parse_protocol_file,
    parse_protocol_files,
    protocol,
    protocols,
)
from prolotrack.knowledge.screening import (
    HISTORY_DATE_FIELDS,
    HISTORY_YES_NO_FIELDS,
    parse_contraindications_file,
    screening_rules,
    screening_rules_from_data,
)

# A small valid protocol; each test below breaks one thing in it.
VALID_PROTOCOL = """
code = "demo"
version = "demo-r1"
title = "Demo"
conditions = ["knee_oa"]
questionnaire_schedule = "default"

[citation]
reference = "Demo et al. 2020"
urls = ["https://example.org/demo"]

[[sessions]]
offset_days = 0
published_as = "week 0"
syringes = ["ia", "ea"]

[[sessions]]
offset_days = 28
published_as = "week 4"
syringes = ["ia", "ea"]

[[syringes]]
key = "ia"
label = "Intra-articular"
site_codes = ["intra_articular"]
site_selection = "all"
volume_ml = 6.0
dextrose_pct = 25.0
lidocaine_pct = 0.5
approach = "intra_articular"
guidance = "palpation"
needle_gauge = 25

[[syringes]]
key = "ea"
label = "Extra-articular"
site_codes = ["mcl_femoral", "mcl_tibial"]
site_selection = "all"
volume_ml = 0.5
dextrose_pct = 15.0
lidocaine_pct = 0.5
approach = "extra_articular"
guidance = "palpation"
needle_gauge = 27
"""


def write(tmp_path: Path, text: str, name: str = "demo.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def broken(tmp_path: Path, old: str, new: str) -> Path:
    assert old in VALID_PROTOCOL
    return write(tmp_path, VALID_PROTOCOL.replace(old, new, 1))


# --- the protocol loader ---


def test_the_valid_protocol_loads(tmp_path: Path) -> None:
    demo = parse_protocol_file(write(tmp_path, VALID_PROTOCOL))
    assert [s.offset_days for s in demo.sessions] == [0, 28]
    assert demo.syringe("ea").site_codes == ("mcl_femoral", "mcl_tibial")
    assert demo.syringe("ia").lidocaine_pct == Decimal("0.5")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'site_codes = ["mcl_femoral", "mcl_tibial"]',
            'site_codes = ["mcl_femoral", "mcl_middle"]',
            "syringes entry 2 (key 'ea'): unknown site code 'mcl_middle'",
        ),
        (
            'site_codes = ["mcl_femoral", "mcl_tibial"]',
            'site_codes = ["mcl_femoral", "intra_articular"]',
            "syringes entry 2 (key 'ea'): site 'intra_articular' is intra_articular",
        ),
        ("dextrose_pct = 25.0", "dextrose_pct = 60.0", "syringes entry 1 (key 'ia'): dextrose_pct"),
        ("dextrose_pct = 15.0", "dextrose_pct = -1.0", "syringes entry 2 (key 'ea'): dextrose_pct"),
        (
            "lidocaine_pct = 0.5",
            "lidocaine_pct = 3.0",
            "syringes entry 1 (key 'ia'): lidocaine_pct",
        ),
        (
            "offset_days = 28",
            "offset_days = 0",
            "sessions entry 2 ('week 4'): offsets must ascend, but 0 follows 0",
        ),
        (
            "offset_days = 0",
            "offset_days = 7",
            "sessions entry 1: the first session is required and at offset_days 0",
        ),
        (
            'published_as = "week 0"',
            'published_as = "week 0"\noptional = true',
            "sessions entry 1: the first session is required and at offset_days 0",
        ),
        ('approach = "extra_articular"', 'approach = "periarticular"', "(key 'ea'): approach"),
        ('site_selection = "all"', 'site_selection = "some"', "(key 'ia'): site_selection"),
        (
            'syringes = ["ia", "ea"]',
            'syringes = ["ia", "ex"]',
            "sessions entry 1: unknown syringes ['ex']",
        ),
        (
            "needle_gauge = 27",
            "",
            "syringes entry 2 (key 'ea'): no needle_gauge, so list 'syringes.ea.needle_gauge'",
        ),
        (
            'conditions = ["knee_oa"]',
            'conditions = ["gout"]',
            "conditions entry 1: Input should be 'knee_oa'",
        ),
        ('"default"', '"weekly"', "questionnaire_schedule 'weekly' is not one of ['default']"),
        ('title = "Demo"', 'title = "Demo"\ncolour = "red"', "colour: Extra inputs"),
    ],
)
def test_a_broken_protocol_names_the_file_and_the_entry(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    with pytest.raises(KnowledgeError) as raised:
        parse_protocol_file(broken(tmp_path, old, new))
    assert str(raised.value).startswith("demo.toml")
    assert message in str(raised.value)


def test_a_syringe_no_session_uses_is_refused(tmp_path: Path) -> None:
    text = VALID_PROTOCOL.replace('syringes = ["ia", "ea"]', 'syringes = ["ia"]')
    with pytest.raises(KnowledgeError, match=r"syringes \['ea'\] are not used by any session"):
        parse_protocol_file(write(tmp_path, text))


def test_unconfirmed_parts_must_name_a_real_part(tmp_path: Path) -> None:
    good = VALID_PROTOCOL + '\n[[unconfirmed]]\npart = "syringes.ea.volume_ml"\nreason = "x"\n'
    assert parse_protocol_file(write(tmp_path, good)).unconfirmed[0].value_used == "0.5"
    for part in ("syringes.ex.volume_ml", "syringes.ea.colour", "dosage"):
        text = VALID_PROTOCOL + f'\n[[unconfirmed]]\npart = "{part}"\nreason = "x"\n'
        with pytest.raises(KnowledgeError, match=f"unknown part '{part}'"):
            parse_protocol_file(write(tmp_path, text))


def test_two_files_with_one_code_are_refused(tmp_path: Path) -> None:
    first = write(tmp_path, VALID_PROTOCOL, "a.toml")
    second = write(tmp_path, VALID_PROTOCOL, "b.toml")
    with pytest.raises(KnowledgeError, match=r"b\.toml: code 'demo' is already defined in a\.toml"):
        parse_protocol_files([first, second])


def test_an_unreadable_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match=r"demo\.toml: cannot read"):
        parse_protocol_file(write(tmp_path, "code = "))


def test_an_unknown_protocol_is_refused() -> None:
    with pytest.raises(KnowledgeError, match="unknown protocol 'rabago'"):
        protocol("rabago")


# --- shipped protocols against §1 ---


@pytest.mark.parametrize(
    ("code", "key", "volume_ml", "dextrose_pct", "lidocaine_pct"),
    [
        ("rabago_2013", "intra_articular", "6", "25", "0.5"),  # 5 mL D50W + 5 mL 1 % lidocaine
        ("rabago_2013", "extra_articular", "0.5", "15", "0.5"),  # lidocaine UNCONFIRMED
        ("reeves_hassanein_2000", "intra_articular", "9", "10", "0.075"),
        ("dumais_2012", "intra_articular", "5", "20", "0.5"),
        ("dumais_2012", "collateral_ligaments", "1", "15", "0.6"),
        ("sit_2020", "intra_articular", "10", "25", "0.5"),  # volume and lidocaine UNCONFIRMED
        ("reeves_hassanein_2003", "intra_articular_10", "9", "10", "0.075"),  # 6-9 mL
        ("reeves_hassanein_2003", "intra_articular_25", "6", "25", "0.075"),
        ("topol_2011", "tuberosity", "1", "12.5", "1"),  # volume UNCONFIRMED
    ],
)
def test_shipped_syringes_follow_section_1(
    code: str, key: str, volume_ml: str, dextrose_pct: str, lidocaine_pct: str
) -> None:
    syringe = protocol(code).syringe(key)
    assert (syringe.volume_ml, syringe.dextrose_pct, syringe.lidocaine_pct) == (
        Decimal(volume_ml),
        Decimal(dextrose_pct),
        Decimal(lidocaine_pct),
    )


def test_shipped_details_from_section_1() -> None:
    rabago = protocol("rabago_2013")
    assert rabago.max_total_ea_volume_ml == Decimal("22.5")
    assert rabago.conditions == ("knee_oa",)
    dumais = protocol("dumais_2012").syringe("collateral_ligaments")
    eight_sites = dumais.points_per_site * len(dumais.site_codes)
    assert eight_sites == 8
    assert set(dumais.site_codes) == {"mcl_femoral", "mcl_tibial", "lcl_femoral", "lcl_fibular"}
    assert protocol("reeves_hassanein_2000").syringe("intra_articular").needle_gauge == 27
    assert protocol("topol_2011").syringe("tuberosity").needle_gauge == 27
    assert protocol("topol_2011").conditions == ("osgood_schlatter",)
    assert protocol("reeves_hassanein_2003").syringe("intra_articular_10").volume_range_ml == (
        Decimal(6),
        Decimal(9),
    )


@pytest.mark.parametrize("code", sorted(protocols()))
def test_every_shipped_protocol_is_cited_and_uses_the_default_schedule(code: str) -> None:
    shipped = protocol(code)
    assert shipped.citation.reference
    assert all(url.startswith(("https://", "http://")) for url in shipped.citation.urls)
    assert shipped.questionnaire_schedule == "default"


# --- the contraindication loader ---

VALID_RULES = """
version = "test-r1"
source = "test"

[[rules]]
code = "infection"
question = "Infection?"
severity = "absolute"
applies_to = "session"
advice = "Do not inject."
source = "test"
confirmed = true

[[rules]]
code = "steroid"
question = "Recent steroid?"
severity = "relative"
applies_to = "session"
advice = "Wait."
source = "test"
confirmed = false
note = "practice"

[rules.prefill]
kind = "within_days"
field = "last_corticosteroid_injection_on"
window_days = 90

[[advice]]
code = "nsaids"
text = "Clinics differ."
source = "test"
confirmed = false
note = "practice"
"""


def load_rules(text: str) -> None:
    screening_rules_from_data(tomllib.loads(text), origin="contraindications.toml")


def test_the_valid_rules_load(tmp_path: Path) -> None:
    rules = parse_contraindications_file(write(tmp_path, VALID_RULES, "rules.toml"))
    assert [rule.code for rule in rules.rules] == ["infection", "steroid"]
    assert rules.rule("steroid").prefill is not None


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('"absolute"', '"forbidden"', "rules entry 1 (code 'infection'): severity"),
        ('applies_to = "session"', 'applies_to = "knee"', "rules entry 1 (code 'infection')"),
        ("window_days = 90\n", "", "rules entry 2 (code 'steroid'): prefill: window_days"),
        ('field = "last_corticosteroid', 'field = "last_visit', "'last_visit_injection_on' is not"),
        ('kind = "within_days"', 'kind = "flag"', "window_days goes with kind within_days"),
        ('note = "practice"\n\n[rules', "\n[rules", "an unconfirmed rule needs a note"),
        ('code = "nsaids"', 'code = "steroid"', "advice entry 1 (code 'steroid'): duplicate"),
        ('text = "Clinics differ."', 'text = ""', "advice entry 1 (code 'nsaids'): text"),
        ('question = "Infection?"', 'question = "Infection?"\nextra = 1', "extra: Extra inputs"),
    ],
)
def test_broken_rules_name_the_file_and_the_entry(old: str, new: str, message: str) -> None:
    assert old in VALID_RULES
    with pytest.raises(KnowledgeError) as raised:
        load_rules(VALID_RULES.replace(old, new, 1))
    assert str(raised.value).startswith("contraindications.toml: ")
    assert message in str(raised.value)


def test_a_knee_flag_needs_both_knees() -> None:
    text = VALID_RULES.replace(
        'kind = "within_days"\nfield = "last_corticosteroid_injection_on"\nwindow_days = 90',
        'kind = "knee_flag"\nright_field = "arthroplasty_right"',
    )
    with pytest.raises(KnowledgeError, match="knee_flag takes right_field and left_field"):
        load_rules(text)


def test_prefill_fields_are_medical_history_fields_of_the_right_type() -> None:
    from prolotrack.patients.models import MedicalHistory  # the only Django import here

    fields = {field.name: field.get_internal_type() for field in MedicalHistory._meta.fields}
    assert {fields[name] for name in HISTORY_YES_NO_FIELDS} == {"BooleanField"}
    assert {fields[name] for name in HISTORY_DATE_FIELDS} == {"DateField"}


# --- shipped rules against §3 ---

# (code, severity, applies_to, confirmed) as §3 gives them; see the file's notes for the classes
# that are ours (confirmed false).
SECTION_3 = [
    ("skin_infection_at_site", "absolute", "session", True),  # FPnotebook: absolute
    ("septic_joint_or_bacteraemia", "absolute", "session", True),  # FPnotebook: absolute
    ("acute_infection_swelling_or_fracture", "relative", "session", False),  # "avoid", ours
    ("severe_bleeding_disorder", "absolute", "session", True),  # absolute vs "avoid"
    ("anticoagulants", "relative", "session", True),  # FPnotebook: relative
    ("arthroplasty_same_knee", "absolute", "intra_articular", True),  # IA contraindication
    ("osteochondral_fracture_or_unstable_joint", "relative", "intra_articular", False),
    ("tendon_substance_injection", "caution", "session", True),  # precaution
    ("local_anaesthetic_allergy", "absolute", "lidocaine", False),  # label not viewed
    ("corn_dextrose_allergy", "caution", "session", False),  # theoretical precaution
    ("pregnancy", "caution", "session", True),  # "use with caution"
    ("uncontrolled_diabetes", "caution", "session", False),  # no threshold found
    ("acute_flare", "relative", "session", False),  # practice-based
    ("recent_corticosteroid_injection", "relative", "session", False),  # UNCONFIRMED rule
]


def test_every_section_3_item_ships_in_order() -> None:
    assert [rule.code for rule in screening_rules().rules] == [row[0] for row in SECTION_3]


@pytest.mark.parametrize(("code", "severity", "applies_to", "confirmed"), SECTION_3)
def test_shipped_severities_match_section_3(
    code: str, severity: str, applies_to: str, confirmed: bool
) -> None:
    rule = screening_rules().rule(code)
    assert (rule.severity, rule.applies_to, rule.confirmed) == (severity, applies_to, confirmed)
    assert "§3" in rule.source


def test_where_sources_disagree_the_note_says_so() -> None:
    assert "differ" in screening_rules().rule("severe_bleeding_disorder").note


def test_shipped_prefills() -> None:
    rules = screening_rules()
    arthroplasty = rules.rule("arthroplasty_same_knee").prefill
    assert arthroplasty is not None
    assert (arthroplasty.kind, arthroplasty.right_field, arthroplasty.left_field) == (
        "knee_flag",
        "arthroplasty_right",
        "arthroplasty_left",
    )
    steroid = rules.rule("recent_corticosteroid_injection").prefill
    assert steroid is not None
    assert (steroid.field, steroid.window_days) == ("last_corticosteroid_injection_on", 90)
    assert rules.rule("skin_infection_at_site").prefill is None


def test_nsaid_advice_is_advice_and_gives_both_practices() -> None:
    rules = screening_rules()
    nsaids = next(item for item in rules.advice if item.code == "nsaids")
    assert not nsaids.confirmed
    assert "5 to 7 days" in nsaids.text
    assert "2 weeks before to 4 weeks after" in nsaids.text
    assert all(rule.code != "nsaids" for rule in rules.rules)
