"""Noise profiles: how badly a whole data set is recorded, as data, so an evaluation can range over them.

A profile scales the agencies' everyday recording noise (``noise.PROFILES``: nicknames, typos, missing fields, a
day/month slip, at rates that differ by agency) by ``base``, sets the surname distribution, and adds error kinds at
their own rates, each applied from its own random stream (``errors`` for person records, ``confusers`` for the
population), so switching one kind on changes nothing else and "typical" writes what the generator wrote before
profiles existed, byte for byte.

The error kinds are those published studies of administrative person data report (sources in ``errors`` and the
README's "Evaluation" section): dates of birth a day, a month, a year, or a year and a day out, day and month
swapped, the 1st of the month or 1 January standing in for a part not known, or missing; nicknames, typos, married,
hyphenated and transliterated names; transposed or mistyped identifiers and one person's identifier on another's
record; an out-of-date address and shared addresses (hostels, refuges); twins and namesakes.

    named("hostile")             # a profile by name
    named("clean+dob_swapped")   # an ablation: clean with one kind at ABLATION_RATE
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

DOB_KINDS = (
    "dob_day",
    "dob_month",
    "dob_year",
    "dob_year_and_day",
    "dob_swapped",
    "dob_first_of_month",
    "dob_first_of_january",
    "dob_missing",
)
NAME_KINDS = ("nickname", "typo", "married", "hyphenated", "transliteration")
ID_KINDS = ("id_transposed", "id_digit", "id_reused")
ADDRESS_KINDS = ("moved", "hostel")
RECORD_KINDS = DOB_KINDS + NAME_KINDS + ID_KINDS + ADDRESS_KINDS  # per person record
PEOPLE_KINDS = ("twins", "namesakes")  # per true person: people added to the population
KINDS = RECORD_KINDS + PEOPLE_KINDS
ABLATION_RATE = 0.2
CONCENTRATED = (40, 1.0)  # 40 surnames, Zipf exponent 1: the commonest on about 23% of people (cf. Nguyen in Vietnam)


@dataclass(frozen=True)
class NoiseProfile:
    base: float = 1.0  # factor on the agencies' everyday error and missing-field rates (noise.PROFILES)
    surname_pool: int = 0  # family names drawn from the first this many of names.FAMILY; 0: all (about 900)
    surname_skew: float = 0.5  # Zipf exponent of that draw: 0 flat (long tail), 1 steep (a few names dominate)
    # share of person records given each error (a kind that cannot apply to a record leaves it as it is)
    dob_day: float = 0.0
    dob_month: float = 0.0
    dob_year: float = 0.0
    dob_year_and_day: float = 0.0
    dob_swapped: float = 0.0
    dob_first_of_month: float = 0.0
    dob_first_of_january: float = 0.0
    dob_missing: float = 0.0
    nickname: float = 0.0
    typo: float = 0.0
    married: float = 0.0
    hyphenated: float = 0.0
    transliteration: float = 0.0
    id_transposed: float = 0.0
    id_digit: float = 0.0
    id_reused: float = 0.0
    moved: float = 0.0
    hostel: float = 0.0
    # share of true people given a confuser: children a co-twin, adults a namesake
    twins: float = 0.0
    namesakes: float = 0.0

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value < 0 or (f.name in KINDS and value > 1):
                raise ValueError(f"noise profile: {f.name} is {value}, outside its range")

    @property
    def surnames(self) -> tuple[int, float]:
        return self.surname_pool, self.surname_skew

    def rates(self, kinds: tuple[str, ...]) -> dict[str, float]:
        """The kinds among ``kinds`` this profile switches on, with their rates, in that order."""
        return {k: getattr(self, k) for k in kinds if getattr(self, k) > 0}


PROFILES: dict[str, NoiseProfile] = {
    # no recording error and no missing field at all, and a long tail of surnames: what linkage can do at best
    "clean": NoiseProfile(base=0.0, surname_skew=0.25),
    # the agencies' everyday noise alone: the generator as it was before profiles (issue 14)
    "typical": NoiseProfile(),
    # everything at once, at the high end of published rates: about 40% of records without a date of birth, one in
    # five dates wrong, a few surnames shared by most people, shared addresses, reused identifiers
    "hostile": NoiseProfile(
        surname_pool=CONCENTRATED[0],
        surname_skew=CONCENTRATED[1],
        dob_day=0.04,
        dob_month=0.02,
        dob_year=0.04,
        dob_year_and_day=0.02,
        dob_swapped=0.05,
        dob_first_of_month=0.02,
        dob_first_of_january=0.03,
        dob_missing=0.35,
        nickname=0.1,
        typo=0.08,
        married=0.05,
        hyphenated=0.03,
        transliteration=0.05,
        id_transposed=0.03,
        id_digit=0.03,
        id_reused=0.01,
        moved=0.15,
        hostel=0.03,
        twins=0.05,
        namesakes=0.05,
    ),
}
ABLATIONS = (*KINDS, "surnames")  # "surnames": clean with the hostile profile's concentrated surnames


def ablation(kind: str) -> NoiseProfile:
    """The clean profile with one error kind at ABLATION_RATE (or, for "surnames", concentrated surnames)."""
    if kind == "surnames":
        return dataclasses.replace(PROFILES["clean"], surname_pool=CONCENTRATED[0], surname_skew=CONCENTRATED[1])
    if kind not in KINDS:
        raise ValueError(f"unknown error kind {kind!r}: one of {', '.join(ABLATIONS)}")
    return dataclasses.replace(PROFILES["clean"], **{kind: ABLATION_RATE})  # type: ignore[arg-type]


def named(name: str) -> NoiseProfile:
    """A profile by name: one of PROFILES, or "clean+<kind>" for an ablation."""
    if name in PROFILES:
        return PROFILES[name]
    base, plus, kind = name.partition("+")
    if base == "clean" and plus:
        return ablation(kind)
    raise ValueError(f"unknown noise profile {name!r}: one of {', '.join(PROFILES)} or clean+<kind>")
