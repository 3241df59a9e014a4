"""Protocols as shipped against clinical.md §1, and the pure date and deviation functions.

Offsets are days after the first session. Weeks count from the first session (Rabago's
"week 1" is day 0); months use the mean month of `prolotrack.domain.schedule.months`
(30.4375 days: month 2 -> 61, month 4 -> 122, month 10 -> 304, month 12 -> 365).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from prolotrack.domain.protocols import (
    Citation,
    PlannedSession,
    Protocol,
    ProtocolError,
    ProtocolSession,
    default_plan,
    deviations,
    next_weekday,
    reschedule,
    session_dates,
)
from prolotrack.domain.schedule import months
from prolotrack.knowledge.protocols import protocol, protocols

MONDAY = dt.date(2026, 1, 5)
WEEK = 7

# (required offsets, optional offsets) per protocol, each from its §1a row.
SCHEDULES_FROM_SECTION_1 = {
    # §1a Rabago 2013: weeks 1, 5, 9; optional weeks 13 and 17 (max 5 sessions).
    "rabago_2013": ([(w - 1) * WEEK for w in (1, 5, 9)], [(w - 1) * WEEK for w in (13, 17)]),
    # §1a Reeves & Hassanein 2000: months 0, 2, 4; open-label extras at months 6, 8, 10.
    "reeves_hassanein_2000": ([months(m) for m in (0, 2, 4)], [months(m) for m in (6, 8, 10)]),
    # §1a Dumais 2012: 4 sessions 4 weeks apart, weeks 0, 4, 8, 12 (group A).
    "dumais_2012": ([w * WEEK for w in (0, 4, 8, 12)], []),
    # §1a Sit 2020: weeks 0, 4, 8 and 16.
    "sit_2020": ([w * WEEK for w in (0, 4, 8, 16)], []),
    # §1a Reeves & Hassanein 2003: months 0, 2, 4, 6 and 10, then 25 % at month 12.
    "reeves_hassanein_2003": ([months(m) for m in (0, 2, 4, 6, 10, 12)], []),
    # §1a Topol 2011: monthly for 3 months (the later as-needed months are not scheduled).
    "topol_2011": ([months(m) for m in (0, 1, 2)], []),
}

# Every part of each protocol that §1 leaves UNCONFIRMED or does not state, and the value used.
UNCONFIRMED_PARTS = {
    "rabago_2013": {
        "syringes.extra_articular.lidocaine_pct": "0.5",  # §1: EA lidocaine % UNCONFIRMED
        "syringes.extra_articular.site_codes": (
            "mcl_femoral, mcl_tibial, lcl_femoral, lcl_fibular, pes_anserinus, coronary_medial, "
            "coronary_lateral, patellar_tendon_proximal, patellar_tendon_distal"
        ),  # §1: exact list of structures UNCONFIRMED
        "syringes.extra_articular.needle_gauge": "27",  # §1: 27 G for EA "commonly cited"
        "syringes.intra_articular.needle_gauge": "none given",  # §1: needle UNCONFIRMED
        "syringes.intra_articular.guidance": "palpation",  # §1: only EA said to be palpated
    },
    "reeves_hassanein_2000": {"syringes.intra_articular.guidance": "palpation"},
    "dumais_2012": {
        "syringes.collateral_ligaments.points_per_site": "2",  # 8 sites over 4 insertions
        "syringes.intra_articular.needle_gauge": "none given",  # §1: needle UNCONFIRMED
        "syringes.collateral_ligaments.needle_gauge": "none given",
        "syringes.intra_articular.guidance": "palpation",
        "syringes.collateral_ligaments.guidance": "palpation",
    },
    "sit_2020": {
        "syringes.intra_articular.volume_ml": "10.0",  # §1: IA volume UNCONFIRMED (10 mL quoted)
        "syringes.intra_articular.lidocaine_pct": "0.5",  # §1: lidocaine UNCONFIRMED
        "syringes.intra_articular.guidance": "ultrasound",  # §1: one secondary review only
        "syringes.intra_articular.needle_gauge": "none given",  # §1: needle UNCONFIRMED
    },
    "reeves_hassanein_2003": {
        "syringes.intra_articular_10.lidocaine_pct": "0.075",  # §1: lidocaine UNCONFIRMED
        "syringes.intra_articular_25.lidocaine_pct": "0.075",
        "syringes.intra_articular_10.needle_gauge": "none given",  # §1: needle UNCONFIRMED
        "syringes.intra_articular_25.needle_gauge": "none given",
        "syringes.intra_articular_10.guidance": "palpation",
        "syringes.intra_articular_25.guidance": "palpation",
    },
    "topol_2011": {
        "syringes.tuberosity.volume_ml": "1.0",  # §1: volumes UNCONFIRMED
        "syringes.tuberosity.guidance": "palpation",
    },
}


def offsets(code: str, *, optional: bool) -> list[int]:
    return [s.offset_days for s in protocol(code).sessions if s.optional == optional]


def toy_protocol(*session_offsets: int, optional: tuple[int, ...] = ()) -> Protocol:
    """A one-syringe protocol with the given offsets, for calendar tests."""
    syringe = dataclasses.replace(protocol("sit_2020").syringes[0], key="ia")
    sessions = tuple(
        ProtocolSession(offset, f"day {offset}", offset in optional, ("ia",))
        for offset in session_offsets
    )
    return Protocol(
        code="toy",
        version="toy-r1",
        title="Toy",
        citation=Citation("test", ("https://example.org",)),
        conditions=("knee_oa",),
        sessions=sessions,
        syringes=(syringe,),
        max_total_ea_volume_ml=None,
        questionnaire_schedule="default",
        unconfirmed=(),
        note="",
    )


# --- shipped protocols against §1 ---


def test_the_six_protocols_ship() -> None:
    assert set(protocols()) == set(SCHEDULES_FROM_SECTION_1)


@pytest.mark.parametrize("code", sorted(SCHEDULES_FROM_SECTION_1))
def test_session_offsets_follow_section_1(code: str) -> None:
    required, optional = SCHEDULES_FROM_SECTION_1[code]
    assert offsets(code, optional=False) == required
    assert offsets(code, optional=True) == optional


def test_month_offsets_are_the_mean_month_in_days() -> None:
    assert offsets("reeves_hassanein_2000", optional=False) == [0, 61, 122]
    assert offsets("reeves_hassanein_2000", optional=True) == [183, 244, 304]
    assert offsets("topol_2011", optional=False) == [0, 30, 61]


def test_reeves_2003_switches_to_25_percent_at_month_12() -> None:
    reeves = protocol("reeves_hassanein_2003")
    strengths = [reeves.syringe(s.syringe_keys[0]).dextrose_pct for s in reeves.sessions]
    assert strengths == [Decimal(10)] * 5 + [Decimal(25)]


@pytest.mark.parametrize("code", sorted(UNCONFIRMED_PARTS))
def test_every_unconfirmed_part_is_listed_with_the_value_used(code: str) -> None:
    listed = {item.part: item.value_used for item in protocol(code).unconfirmed}
    assert listed == UNCONFIRMED_PARTS[code]
    assert all(item.reason for item in protocol(code).unconfirmed)


@pytest.mark.parametrize("code", sorted(UNCONFIRMED_PARTS))
def test_a_syringe_without_a_needle_is_flagged(code: str) -> None:
    shipped = protocol(code)
    for syringe in shipped.syringes:
        if syringe.needle_gauge is None:
            assert shipped.is_unconfirmed(f"syringes.{syringe.key}.needle_gauge")


# --- session dates ---


def test_rabago_dates_from_a_monday() -> None:
    rabago = protocol("rabago_2013")
    days = [0, 28, 56]
    assert session_dates(rabago, MONDAY) == [MONDAY + dt.timedelta(days=d) for d in days]
    assert session_dates(rabago, MONDAY, include_optional=True) == [
        MONDAY + dt.timedelta(days=d) for d in (*days, 84, 112)
    ]


def test_a_weekend_date_moves_to_the_next_monday_without_moving_later_ones() -> None:
    # From Monday 5 Jan 2026: day 5 is Saturday 10 Jan, day 13 is Sunday 18 Jan, day 15 is
    # Tuesday 20 Jan and stays there.
    dates = session_dates(toy_protocol(0, 5, 13, 15), MONDAY)
    assert dates == [MONDAY, dt.date(2026, 1, 12), dt.date(2026, 1, 19), dt.date(2026, 1, 20)]


def test_a_first_day_on_a_weekend_moves_too() -> None:
    saturday = dt.date(2026, 1, 10)
    assert next_weekday(saturday) == dt.date(2026, 1, 12)
    assert session_dates(toy_protocol(0, 28), saturday)[0] == dt.date(2026, 1, 12)


def test_weekend_moves_that_would_merge_two_sessions_are_refused() -> None:
    with pytest.raises(ProtocolError, match="not after"):
        session_dates(toy_protocol(0, 5, 6), MONDAY)  # Saturday and Sunday -> same Monday


# --- rescheduling ---

DATES = [dt.date(2026, 1, 5), dt.date(2026, 2, 2), dt.date(2026, 3, 2)]


def test_reschedule_one_session_only() -> None:
    moved = reschedule(DATES, 1, dt.date(2026, 2, 4), shift_later=False)
    assert moved == [DATES[0], dt.date(2026, 2, 4), DATES[2]]
    assert DATES[1] == dt.date(2026, 2, 2)  # the input is not changed


def test_reschedule_shifting_later_sessions_keeps_their_spacing() -> None:
    moved = reschedule(DATES, 1, dt.date(2026, 2, 9), shift_later=True)
    assert moved == [DATES[0], dt.date(2026, 2, 9), dt.date(2026, 3, 9)]
    assert moved[2] - moved[1] == DATES[2] - DATES[1]


def test_reschedule_earlier_with_shift() -> None:
    moved = reschedule(DATES, 0, dt.date(2025, 12, 29), shift_later=True)
    assert moved == [dt.date(2025, 12, 29), dt.date(2026, 1, 26), dt.date(2026, 2, 23)]


@pytest.mark.parametrize(
    ("index", "new_day", "shift_later"),
    [
        (1, dt.date(2026, 3, 2), False),  # onto the next session
        (1, dt.date(2026, 3, 9), False),  # past the next session
        (1, dt.date(2026, 1, 5), True),  # onto the previous session, even when shifting
        (2, dt.date(2026, 1, 1), True),  # before the previous session
    ],
)
def test_reschedule_refuses_out_of_order_results(
    index: int, new_day: dt.date, shift_later: bool
) -> None:
    with pytest.raises(ProtocolError, match="not after"):
        reschedule(DATES, index, new_day, shift_later=shift_later)


def test_reschedule_refuses_a_missing_session_and_unordered_input() -> None:
    with pytest.raises(ProtocolError, match="no session 3"):
        reschedule(DATES, 3, dt.date(2026, 4, 1), shift_later=False)
    with pytest.raises(ProtocolError, match="the dates given"):
        reschedule(list(reversed(DATES)), 0, dt.date(2026, 4, 1), shift_later=False)


# --- deviations ---


def replace_syringe(plan: list[PlannedSession], index: int, key: str, **changes: object) -> None:
    """Change one syringe of session `index` of `plan` in place."""
    session = plan[index]
    syringes = tuple(
        dataclasses.replace(s, **changes) if s.key == key else s  # type: ignore[arg-type]
        for s in session.syringes
    )
    plan[index] = dataclasses.replace(session, syringes=syringes)


@pytest.mark.parametrize("code", sorted(SCHEDULES_FROM_SECTION_1))
def test_the_protocol_itself_has_no_deviations(code: str) -> None:
    shipped = protocol(code)
    assert deviations(shipped, default_plan(shipped)) == []
    assert deviations(shipped, default_plan(shipped, include_optional=True)) == []


def test_weekend_moved_dates_are_not_deviations() -> None:
    reeves = protocol("reeves_hassanein_2000")  # day 61 from 5 Jan 2026 is Saturday 7 Mar
    dates = session_dates(reeves, MONDAY)
    assert dates[1] == dt.date(2026, 3, 9)
    plan = [
        PlannedSession(day, session.syringes)
        for day, session in zip(dates, default_plan(reeves), strict=True)
    ]
    assert deviations(reeves, plan) == []


def test_a_dropped_session() -> None:
    rabago = protocol("rabago_2013")
    plan = default_plan(rabago)
    del plan[2]
    found = deviations(rabago, plan)
    assert [(d.field, d.offset_days) for d in found] == [("session", 56)]
    assert found[0].what == "Session at day 56 (week 9) is dropped."


def test_an_added_session() -> None:
    dumais = protocol("dumais_2012")
    plan = default_plan(dumais)
    plan.append(PlannedSession(140, plan[-1].syringes))
    found = deviations(dumais, plan)
    assert [(d.field, d.offset_days) for d in found] == [("session", 140)]
    assert found[0].what == "Session added at day 140."


def test_an_optional_session_taken_is_not_added() -> None:
    rabago = protocol("rabago_2013")
    plan = default_plan(rabago, include_optional=True)[:4]  # week 13 taken, week 17 not
    assert deviations(rabago, plan) == []


def test_a_moved_session_beyond_the_tolerance() -> None:
    sit = protocol("sit_2020")
    plan = default_plan(sit)
    plan[1] = dataclasses.replace(plan[1], when=35)
    found = deviations(sit, plan)
    assert [(d.field, d.offset_days) for d in found] == [("session.offset_days", 28)]
    assert "moved to day 35 (+7 days)" in found[0].what
    plan[1] = dataclasses.replace(plan[1], when=30)  # 2 days: within the tolerance
    assert deviations(sit, plan) == []


def test_changed_volume_and_concentrations() -> None:
    rabago = protocol("rabago_2013")
    plan = default_plan(rabago)
    replace_syringe(plan, 0, "intra_articular", volume_ml=Decimal(8), dextrose_pct=Decimal(20))
    replace_syringe(plan, 1, "extra_articular", lidocaine_pct=Decimal("1.0"))
    found = deviations(rabago, plan)
    assert [(d.field, d.offset_days, d.syringe_key) for d in found] == [
        ("syringe.volume_ml", 0, "intra_articular"),
        ("syringe.dextrose_pct", 0, "intra_articular"),
        ("syringe.lidocaine_pct", 28, "extra_articular"),
    ]
    assert found[0].what == ("Day 0 (week 1), Intra-articular: 8 mL per injection instead of 6 mL.")
    assert found[1].what.endswith("dextrose 20 % instead of 25 %.")
    assert found[2].what.endswith("lidocaine 1 % instead of 0.5 %.")


def test_changed_sites_when_every_site_is_injected() -> None:
    dumais = protocol("dumais_2012")
    plan = default_plan(dumais)
    sites = ("mcl_femoral", "mcl_tibial", "pes_anserinus")
    replace_syringe(plan, 0, "collateral_ligaments", site_codes=sites, points_per_site=1)
    found = deviations(dumais, plan)
    assert [d.field for d in found] == ["syringe.site_codes", "syringe.points_per_site"]
    assert "sites added: pes_anserinus" in found[0].what
    assert "sites left out: lcl_femoral, lcl_fibular" in found[0].what


def test_tender_sites_may_be_fewer_but_not_others() -> None:
    rabago = protocol("rabago_2013")
    plan = default_plan(rabago)
    replace_syringe(plan, 0, "extra_articular", site_codes=("mcl_femoral", "mcl_tibial"))
    assert deviations(rabago, plan) == []
    replace_syringe(plan, 0, "extra_articular", site_codes=("mcl_femoral", "itb_gerdy"))
    found = deviations(rabago, plan)
    assert [d.field for d in found] == ["syringe.site_codes"]
    assert "sites added: itb_gerdy" in found[0].what
    assert "left out" not in found[0].what


def test_a_volume_inside_the_published_range_is_not_a_deviation() -> None:
    reeves = protocol("reeves_hassanein_2003")  # §1: 6-9 mL of 10 %
    plan = default_plan(reeves)
    replace_syringe(plan, 0, "intra_articular_10", volume_ml=Decimal(6))
    assert deviations(reeves, plan) == []
    replace_syringe(plan, 0, "intra_articular_10", volume_ml=Decimal(10))
    found = deviations(reeves, plan)
    assert [d.field for d in found] == ["syringe.volume_ml"]
    assert "outside the published 6-9 mL" in found[0].what


def test_a_syringe_left_out_and_one_added() -> None:
    reeves = protocol("reeves_hassanein_2003")
    plan = default_plan(reeves)
    plan[1] = PlannedSession(61, (reeves.syringe("intra_articular_25").as_planned(),))
    found = deviations(reeves, plan)
    assert [(d.field, d.syringe_key) for d in found] == [
        ("syringe", "intra_articular_10"),
        ("syringe", "intra_articular_25"),
    ]
    assert found[0].what == "Day 61 (month 2): the Intra-articular, 10 % syringe is left out."


def test_guidance_and_needle_changes() -> None:
    reeves = protocol("reeves_hassanein_2000")
    plan = default_plan(reeves)
    replace_syringe(plan, 0, "intra_articular", guidance="ultrasound", needle_gauge=25)
    found = deviations(reeves, plan)
    assert [d.field for d in found] == ["syringe.guidance", "syringe.needle_gauge"]
    sit = protocol("sit_2020")  # no needle in the protocol: any needle is not a deviation
    plan = default_plan(sit)
    replace_syringe(plan, 0, "intra_articular", needle_gauge=22)
    assert deviations(sit, plan) == []


def test_an_extra_articular_total_above_the_cap() -> None:
    rabago = protocol("rabago_2013")  # §1: at most 22.5 mL extra-articular per session
    plan = default_plan(rabago)
    replace_syringe(plan, 0, "extra_articular", points_per_site=5)  # 9 x 5 x 0.5 = 22.5 mL
    assert deviations(rabago, plan) == []  # the cap itself is allowed
    replace_syringe(plan, 0, "extra_articular", points_per_site=6)  # 27 mL
    found = deviations(rabago, plan)
    assert [(d.field, d.offset_days) for d in found] == [("max_total_ea_volume_ml", 0)]
    assert found[0].what == "Day 0: extra-articular total 27 mL, above the protocol's 22.5 mL."


def test_plans_that_cannot_be_compared_are_refused() -> None:
    sit = protocol("sit_2020")
    plan = default_plan(sit)
    mixed = [plan[0], dataclasses.replace(plan[1], when=dt.date(2026, 2, 2))]
    with pytest.raises(ProtocolError, match="every one as a date"):
        deviations(sit, mixed)
    with pytest.raises(ProtocolError, match="out of order"):
        deviations(sit, [plan[1], plan[0]])
    doubled = [dataclasses.replace(plan[0], syringes=plan[0].syringes * 2)]
    with pytest.raises(ProtocolError, match="planned twice"):
        deviations(sit, doubled)
