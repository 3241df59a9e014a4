"""Tables and small draws for the synthetic cohort generator (`prolotrack.domain.synthetic`).

Everything here is illustrative demo data, not epidemiology and not clinical advice.
Protocol tables follow /work/shared/reference/clinical.md §1a; ICD-10-CM codes follow §7a.
Where the reference marks a value UNCONFIRMED, the table says so and picks a conservative
stand-in: the synthetic cohort needs *some* value, but these rows must never be read as
protocol knowledge (that lives, with sources and `confirmed` flags, in `prolotrack/knowledge`).
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

# --- People ---------------------------------------------------------------------------------

FEMALE_GIVEN_NAMES: tuple[str, ...] = (
    "Amelia", "Grace", "Mei", "Aisha", "Sofia", "Olivia", "Fatima", "Priya", "Hannah", "Chloe",
    "Ingrid", "Lucía", "Yuki", "Amara", "Emma", "Noor", "Zoë", "Maria", "Ewa", "Chiara",
    "Leila", "Ana", "Siobhan", "Nadia", "Keiko", "Rosa", "Margaret", "Joan", "Linda", "Patricia",
    "Deborah", "Carmen", "Thandiwe", "Mariam", "Ruth", "Elena", "Isla", "Freya", "Maya", "Abena",
)  # fmt: skip

MALE_GIVEN_NAMES: tuple[str, ...] = (
    "James", "Liam", "Mohammed", "Wei", "Carlos", "Daniel", "Kwame", "Raj", "Oliver", "Lucas",
    "Hiroshi", "Ahmed", "Mateo", "Noah", "Seán", "Pavel", "Tomás", "Arjun", "David", "Robert",
    "Michael", "Samuel", "Jamal", "Omar", "Luca", "Henrik", "Kenji", "Diego", "Ethan", "Malik",
    "George", "Peter", "Ibrahim", "Felix", "Andrzej", "Jonah", "Chinedu", "Mikael", "Ravi", "Jae",
)  # fmt: skip

FAMILY_NAMES: tuple[str, ...] = (
    "Smith", "Garcia", "Nguyen", "Okafor", "Müller", "Kowalski", "Patel", "O'Brien", "Rossi",
    "Kim", "Haddad", "Johansson", "Tanaka", "Martínez", "Williams", "Brown", "Chen", "Singh",
    "Dubois", "Mensah", "Silva", "Cohen", "Novak", "Murphy", "Hernández", "Lee", "Ali",
    "Schmidt", "Andersen", "Fernandes", "Yamamoto", "Adeyemi", "Walsh", "Jones", "Taylor",
    "Wilson", "Clarke", "Khan", "Wong", "Lopez", "Santos", "Costa", "Bianchi", "Nakamura",
    "Owusu", "Sato", "Park", "Hughes", "Reid", "Campbell", "Moreau", "Lindqvist",
    "van den Berg", "Da Silva", "Abara", "Kaplan",
)  # fmt: skip

# NANP reserves 555-0100..555-0199 for fictional use in every area code.
AREA_CODES: tuple[str, ...] = ("202", "212", "312", "415", "503", "608", "617", "720", "801")

# --- Conditions (clinical.md §7a) -------------------------------------------------------------

OSTEOARTHRITIS = "osteoarthritis"
PATELLAR_TENDINOPATHY = "patellar_tendinopathy"
MCL_SPRAIN = "mcl_sprain"
LCL_SPRAIN = "lcl_sprain"
ACL_LAXITY = "acl_laxity"
CHRONIC_INSTABILITY = "chronic_instability"
OSGOOD_SCHLATTER = "osgood_schlatter"


@dataclass(frozen=True, slots=True)
class ConditionProfile:
    """One condition of the demo mix: share of patients, codes by side, who gets it."""

    key: str
    share: float  # of patients; illustrative, not epidemiology
    right_code: str
    left_code: str
    female_share: float
    min_age: int  # at the first course's start date
    max_age: int
    onset_days: tuple[int, int]  # onset this many days before the first course, min and max
    bilateral_share: float = 0.0
    notes: tuple[str, ...] = ("",)


CONDITIONS: tuple[ConditionProfile, ...] = (
    ConditionProfile(
        OSTEOARTHRITIS, 0.60, "M17.11", "M17.12", 0.62, 40, 80, (180, 3650), bilateral_share=0.25,
        notes=("", "Medial compartment predominant", "Patellofemoral involvement",
               "Night pain", "Morning stiffness < 30 min"),
    ),
    ConditionProfile(
        PATELLAR_TENDINOPATHY, 0.12, "M76.51", "M76.52", 0.35, 16, 45, (90, 1095),
        notes=("", "Jumping sport", "Proximal pole tenderness"),
    ),
    ConditionProfile(MCL_SPRAIN, 0.07, "S83.411A", "S83.412A", 0.45, 18, 60, (30, 365),
                     notes=("", "Valgus injury, grade II", "Skiing injury")),
    # S83.422A (left LCL) is the pattern of the confirmed S83.421A (clinical.md §7a).
    ConditionProfile(LCL_SPRAIN, 0.03, "S83.421A", "S83.422A", 0.35, 18, 60, (30, 365),
                     notes=("", "Varus injury")),
    # S83.512A (left ACL) is UNCONFIRMED in clinical.md §7a; pattern of S83.511A.
    ConditionProfile(ACL_LAXITY, 0.05, "S83.511A", "S83.512A", 0.45, 18, 60, (180, 1825),
                     notes=("", "KT-1000 side-to-side difference >= 2 mm")),
    ConditionProfile(CHRONIC_INSTABILITY, 0.08, "M23.51", "M23.52", 0.55, 18, 60, (120, 1825),
                     notes=("", "Giving way on stairs")),
    # Ages per Topol 2011: girls 9-15, boys 10-17 (min/max here are the union; the generator
    # applies the band by sex). M92.522 (left) is the UNCONFIRMED pattern of M92.521.
    ConditionProfile(OSGOOD_SCHLATTER, 0.05, "M92.521", "M92.522", 0.40, 9, 17, (90, 540),
                     bilateral_share=0.15, notes=("", "Football", "Basketball")),
)  # fmt: skip

POST_TRAUMATIC_OA_SHARE = 0.15  # of unilateral OA
POST_TRAUMATIC_OA_CODES = {"right": "M17.31", "left": "M17.32"}
BILATERAL_OA_CODE = "M17.0"
OSGOOD_SCHLATTER_AGES = {"female": (9, 15), "male": (10, 17)}  # Topol 2011

# --- Protocols (clinical.md §1a) ---------------------------------------------------------------

RABAGO_2013 = "Rabago 2013 (Ann Fam Med 11:229)"
REEVES_2000 = "Reeves & Hassanein 2000 (Altern Ther Health Med 6:68)"
DUMAIS_2012 = "Dumais 2012 (Pain Med 13:990)"
SIT_2020 = "Sit 2020 (Ann Fam Med 18:235)"
TOPOL_2011 = "Topol 2011 (Pediatrics 128:e1121)"
REEVES_2003 = "Reeves & Hassanein 2003 (Altern Ther Health Med 9:58)"
EXTRA_ARTICULAR = "Extra-articular, modelled on the Rabago 2013 EA arm (Ann Fam Med 11:229)"

RABAGO_EA_TOTAL_LIMIT_ML = Decimal("22.5")  # Rabago 2013: EA total up to 22.5 mL per session

COLLATERAL_SITES = ("mcl_femoral", "mcl_tibial", "lcl_femoral", "lcl_fibular")
RABAGO_EA_SITES = (
    *COLLATERAL_SITES, "pes_anserinus", "coronary_medial", "coronary_lateral",
    "patellar_tendon_proximal", "quadriceps_tendon", "medial_retinaculum", "lateral_retinaculum",
)  # fmt: skip


def _month_days(months: int) -> int:
    return round(months * 30.44)


def _decimals(*values: str) -> tuple[Decimal, ...]:
    """Volumes and dextrose percentages carry two decimals."""
    return tuple(Decimal(value).quantize(Decimal("0.01")) for value in values)


def _pct(value: str) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))


def _lidocaine_pct(value: str) -> Decimal:
    """Three decimals, for the 0.075 % of Reeves & Hassanein 2000."""
    return Decimal(value).quantize(Decimal("0.001"))


@dataclass(frozen=True, slots=True)
class Arm:
    """How one kind of injection (IA or EA) is given within a protocol."""

    volumes_ml: tuple[Decimal, ...]  # one is chosen per course (IA) or per injection (EA)
    dextrose_pct: Decimal
    lidocaine_pct: Decimal
    gauges: tuple[int, ...]  # one is chosen per course
    sites: tuple[str, ...] = ("intra_articular",)
    site_count: tuple[int, int] = (1, 1)  # min, max injections per session


@dataclass(frozen=True, slots=True)
class ProtocolSpec:
    reference: str
    offsets_days: tuple[int, ...]
    intra_articular: Arm | None
    extra_articular: Arm | None
    guidance: tuple[str, ...] = ("palpation",)  # one is chosen per course
    optional_offsets_days: tuple[int, ...] = ()  # taken in order while a coin says so
    optional_probability: float = 0.0
    # The shipped protocol (knowledge/protocols/<code>.toml) this follows; "" for a course
    # that only borrows from one (the extra-articular courses).
    code: str = ""


IA_GAUGES = (22, 25)
PROTOCOLS: dict[str, ProtocolSpec] = {
    # Weeks 1, 5, 9; optional weeks 13 and 17. IA 6 mL 25 % (5 mL D50W + 5 mL 1 % lidocaine
    # -> 0.5 %). EA 0.5 mL 15 % per insertion; EA lidocaine UNCONFIRMED, 0.5 % used here.
    # EA needle UNCONFIRMED, 27 G "commonly cited".
    RABAGO_2013: ProtocolSpec(
        RABAGO_2013, (0, 28, 56),
        Arm(_decimals("6"), _pct("25"), _lidocaine_pct("0.5"), IA_GAUGES),
        Arm(_decimals("0.5"), _pct("15"), _lidocaine_pct("0.5"), (27,), RABAGO_EA_SITES, (4, 10)),
        optional_offsets_days=(84, 112), optional_probability=0.15,
        code="rabago_2013",
    ),
    # Months 0, 2, 4 (open-label extras at 6, 8, 10). IA 9 mL 10 %, 0.075 % lidocaine, 27 G.
    REEVES_2000: ProtocolSpec(
        REEVES_2000, tuple(_month_days(m) for m in (0, 2, 4)),
        Arm(_decimals("9"), _pct("10"), _lidocaine_pct("0.075"), (27,)),
        None,
        optional_offsets_days=tuple(_month_days(m) for m in (6, 8, 10)), optional_probability=0.2,
        code="reeves_hassanein_2000",
    ),
    # Weeks 0, 4, 8, 12. IA 5 mL 20 %/0.5 %; EA 1 mL 15 %/0.6 % at 8 collateral sites
    # (both insertions of both collateral ligaments, two points each).
    DUMAIS_2012: ProtocolSpec(
        DUMAIS_2012, (0, 28, 56, 84),
        Arm(_decimals("5"), _pct("20"), _lidocaine_pct("0.5"), IA_GAUGES),
        Arm(_decimals("1"), _pct("15"), _lidocaine_pct("0.6"), (25, 27), COLLATERAL_SITES, (8, 8)),
        code="dumais_2012",
    ),
    # Weeks 0, 4, 8, 16, IA 25 %. Volume UNCONFIRMED (10 mL often quoted); lidocaine
    # UNCONFIRMED, conservative 0.5 %. Ultrasound per one secondary review.
    SIT_2020: ProtocolSpec(
        SIT_2020, (0, 28, 56, 112),
        Arm(_decimals("10"), _pct("25"), _lidocaine_pct("0.5"), IA_GAUGES),
        None,
        guidance=("ultrasound",),
        code="sit_2020",
    ),
    # Monthly x 3; 12.5 % dextrose in 1 % lidocaine, 27 G; volume UNCONFIRMED, 0.5-1 mL each.
    TOPOL_2011: ProtocolSpec(
        TOPOL_2011, tuple(_month_days(m) for m in (0, 1, 2)),
        None,
        Arm(_decimals("0.5", "0.75", "1"), _pct("12.5"), _lidocaine_pct("1"), (27,),
            ("tibial_tuberosity", "patellar_tendon_distal"), (2, 2)),
        code="topol_2011",
    ),
    # IA at months 0, 2, 4, 6, 10 with 6-9 mL of 10 %. Lidocaine and needle UNCONFIRMED:
    # the same authors' 2000 mix (0.075 %) and a 25 G IA needle are used here.
    REEVES_2003: ProtocolSpec(
        REEVES_2003, tuple(_month_days(m) for m in (0, 2, 4, 6, 10)),
        Arm(_decimals("6", "7", "8", "9"), _pct("10"), _lidocaine_pct("0.075"), (25,)),
        None,
        code="reeves_hassanein_2003",
    ),
}  # fmt: skip

OA_PROTOCOL_WEIGHTS: dict[str, float] = {
    RABAGO_2013: 0.4,
    REEVES_2000: 0.2,
    DUMAIS_2012: 0.2,
    SIT_2020: 0.2,
}

# Tendinopathy, sprains and instability: EA course after the Rabago EA arm (15 %, 0.5-1 mL per
# relevant insertion), every 4 weeks x 3-4. Instability adds the Rabago IA injection.
_EA_VOLUMES = _decimals("0.5", "0.75", "1")
_EA_GAUGES = (25, 27)


def _extra_articular_course(sites: tuple[str, ...], count: tuple[int, int]) -> ProtocolSpec:
    return ProtocolSpec(
        EXTRA_ARTICULAR,
        (0, 28, 56),
        None,
        Arm(_EA_VOLUMES, _pct("15"), _lidocaine_pct("0.5"), _EA_GAUGES, sites, count),
        guidance=("palpation", "palpation", "ultrasound"),
        optional_offsets_days=(84,),
        optional_probability=0.5,
    )


CONDITION_PROTOCOLS: dict[str, ProtocolSpec] = {
    PATELLAR_TENDINOPATHY: _extra_articular_course(
        ("patellar_tendon_proximal", "patellar_tendon_distal"), (1, 2)
    ),
    MCL_SPRAIN: _extra_articular_course(("mcl_femoral", "mcl_tibial"), (2, 2)),
    LCL_SPRAIN: _extra_articular_course(("lcl_femoral", "lcl_fibular", "itb_gerdy"), (2, 3)),
    CHRONIC_INSTABILITY: ProtocolSpec(
        EXTRA_ARTICULAR,
        (0, 28, 56),
        PROTOCOLS[RABAGO_2013].intra_articular,
        Arm(_EA_VOLUMES, _pct("15"), _lidocaine_pct("0.5"), _EA_GAUGES, COLLATERAL_SITES, (4, 4)),
        optional_offsets_days=(84,),
        optional_probability=0.5,
    ),
    ACL_LAXITY: PROTOCOLS[REEVES_2003],
    OSGOOD_SCHLATTER: PROTOCOLS[TOPOL_2011],
}

STOP_REASONS: tuple[str, ...] = (
    "moved away",
    "pain resolved after {done}",
    "patient preference: could not attend",
    "post-injection flare, patient declined further sessions",
)
OA_STOP_REASONS: tuple[str, ...] = (*STOP_REASONS, "proceeded to arthroplasty")

ANTICOAGULANTS: tuple[str, ...] = ("apixaban", "rivaroxaban", "warfarin")
LOT_MONTH_LETTERS = "ABCDEFGHJKLM"  # no I, so lots are not misread as 1


# --- Small draws and calendar helpers ---------------------------------------------------------


def age_on(date_of_birth: date, day: date) -> int:
    """Completed years of age on `day`."""
    before_birthday = (day.month, day.day) < (date_of_birth.month, date_of_birth.day)
    return day.year - date_of_birth.year - before_birthday


def draw_age_at_start(rng: random.Random, profile: ConditionProfile, sex: str) -> int:
    if profile.key == OSGOOD_SCHLATTER:
        return rng.randint(*OSGOOD_SCHLATTER_AGES[sex])
    if profile.key == OSTEOARTHRITIS and rng.random() < 0.6:
        return rng.randint(55, 70)  # the 55-70 peak
    return rng.randint(profile.min_age, profile.max_age)


def draw_birth_date(rng: random.Random, day: date, age: int) -> date:
    """A birth date that makes the patient exactly `age` years old on `day`."""
    try:
        anniversary = day.replace(year=day.year - age)
    except ValueError:  # 29 February in a non-leap year
        anniversary = day.replace(year=day.year - age, day=28)
    return anniversary - timedelta(days=rng.randint(0, 364))


def email_slug(text: str) -> str:
    """ASCII letters and digits only: "O'Brien" -> "obrien", "Zoë" -> "zoe"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(char for char in ascii_text.lower() if char.isalnum())


def fictional_email(given_name: str, family_name: str, number: str) -> str:
    """given.family.<number>@example.org: example.org is reserved for documentation (RFC 2606)."""
    return f"{email_slug(given_name)}.{email_slug(family_name)}.{email_slug(number)}@example.org"


def draw_weight_kg(rng: random.Random, sex: str, age: int, osteoarthritis: bool) -> Decimal:
    if age < 18:  # roughly the 50th growth-chart percentile: 32 kg at 10, ~64 kg at 17
        mean = 32 + (age - 10) * 4.5
        spread = 0.15 * mean
    else:
        mean = (72.0 if sex == "female" else 86.0) + (6 if osteoarthritis else 0)
        spread = 13.0
    weight = min(max(rng.gauss(mean, spread), 0.6 * mean), 1.8 * mean)
    return Decimal(f"{weight:.1f}")


def draw_weight_age_days(rng: random.Random) -> int:
    """Mostly recent; 15 % older than 90 days so safety checks have a stale weight to flag."""
    roll = rng.random()
    if roll < 0.80:
        return rng.randint(0, 60)
    return rng.randint(61, 90) if roll < 0.85 else rng.randint(91, 400)


def sessions_in_words(count: int) -> str:
    words = ("no", "one", "two", "three", "four", "five", "six", "seven")
    return f"{words[count]} session" + ("" if count == 1 else "s")


def next_weekday(day: date) -> date:
    """Saturday and Sunday move to the following Monday."""
    return day + timedelta(days=7 - day.weekday()) if day.weekday() >= 5 else day


def pick_sites(rng: random.Random, pool: tuple[str, ...], count: int) -> list[str]:
    """`count` insertions from the pool; beyond its size, each site gets several points."""
    whole, rest = divmod(count, len(pool))
    chosen = list(pool) * whole + rng.sample(pool, rest)
    return sorted(chosen, key=pool.index)


def lot_number(product: str, day: date, *, salt: int) -> str:
    """A stock lot such as D50-24A117: the clinic opens a new lot each month (illustrative)."""
    year = (day.year - 1) % 100
    letter = LOT_MONTH_LETTERS[day.month - 1]
    number = (day.year * 37 + day.month * 53 + salt) % 900 + 100
    return f"{product}-{year:02d}{letter}{number:03d}"


def draw_sides(rng: random.Random, profile: ConditionProfile) -> tuple[str, ...]:
    if rng.random() < profile.bilateral_share:
        return ("right", "left")
    return ("right",) if rng.random() < 0.55 else ("left",)


def draw_first_course_start(rng: random.Random, today: date) -> date:
    if rng.random() < 0.10:
        return next_weekday(today + timedelta(days=rng.randint(1, 42)))
    return next_weekday(today - timedelta(days=rng.randint(1, 730)))


def draw_protocol(rng: random.Random, profile: ConditionProfile) -> ProtocolSpec:
    if profile.key == OSTEOARTHRITIS:
        weights = OA_PROTOCOL_WEIGHTS
        reference = rng.choices(list(weights), weights=list(weights.values()))[0]
        return PROTOCOLS[reference]
    return CONDITION_PROTOCOLS[profile.key]


def draw_clinic_time(rng: random.Random, day: date) -> datetime:
    """08:00-16:45 UTC in 15-minute slots (see the module docstring)."""
    hour, minute = rng.randint(8, 16), rng.choice((0, 15, 30, 45))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


# --- Session statuses ---------------------------------------------------------------------------


def draw_visit_status(rng: random.Random, day: date, today: date) -> str:
    if day >= today:
        return "scheduled"
    roll = rng.random()
    if roll < 0.05:
        return "no_show"
    return "cancelled" if roll < 0.08 else "done"


def maybe_stop(
    rng: random.Random,
    days: list[date],
    statuses: list[str],
    today: date,
    profile: ConditionProfile,
) -> tuple[list[str], str]:
    """Stop ~5 % of courses after a past visit that followed a done one; later visits, past
    or future, are cancelled."""
    candidates = [
        stop_at
        for stop_at in range(1, len(days))
        if days[stop_at - 1] < today and "done" in statuses[:stop_at]
    ]
    if not candidates or rng.random() >= 0.06:
        return statuses, ""
    stop_at = rng.choice(candidates)
    osteoarthritis = profile.key == OSTEOARTHRITIS
    reasons = OA_STOP_REASONS if osteoarthritis else STOP_REASONS
    done = statuses[:stop_at].count("done")
    reason = rng.choice(reasons).format(done=sessions_in_words(done))
    return statuses[:stop_at] + ["cancelled"] * (len(days) - stop_at), reason


def course_status(days: list[date], statuses: list[str], today: date, stop_reason: str) -> str:
    if stop_reason:
        return "stopped"
    if "done" not in statuses and days[0] >= today:
        return "planned"
    return "completed" if days[-1] < today else "active"
