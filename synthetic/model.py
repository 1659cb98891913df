"""The simulated world: true people, their personal connections and the incidents between them.

This is the ground truth that agencies see only partially and noisily; ``records`` derives what
each agency holds from it.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
from dataclasses import dataclass, field

DAY = dt.timedelta(days=1)


def shift_years(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February in a non-leap year
        return d.replace(year=d.year + years, day=28)


def years_between(earlier: dt.date, later: dt.date) -> int:
    return later.year - earlier.year - ((later.month, later.day) < (earlier.month, earlier.day))


def rand_date(rng: random.Random, lo: dt.date, hi: dt.date) -> dt.date:
    return lo + dt.timedelta(days=rng.randint(0, max(0, (hi - lo).days)))


def rand_time(rng: random.Random, day: dt.date) -> dt.datetime:
    """A time on ``day``, weighted to evenings and nights when most domestic incidents are reported."""
    hour = rng.choices(range(24), weights=(4, 3, 2, 1, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 5, 6, 7, 8, 8, 7, 6))
    return dt.datetime.combine(day, dt.time(hour[0], rng.randrange(60), rng.randrange(60)))


def rfc3339(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Person:
    id: str  # "T000123": the true person behind every record an agency holds
    given: str
    family: str  # family name at birth
    gender: str
    dob: dt.date
    homes: list[tuple[dt.date, str, str]]  # (from, postcode, address), ascending
    nhs: str
    child: bool = False  # generated as a child of someone in the population
    renames: list[tuple[dt.date, str]] = field(default_factory=list)  # later family names (marriage...)
    ni: str | None = None
    pnc: str | None = None
    pnc_date: dt.date | None = None
    crn: str | None = None
    crn_date: dt.date | None = None
    roles: list[str] = field(default_factory=list)
    parents: list[str] = field(default_factory=list)
    twin_of: str | None = None
    school: tuple[str, str] | None = None  # (code, name) on the current pupil roll
    lookalike_of: str | None = None  # deliberately given another person's name

    def add_role(self, role: str) -> None:
        if role not in self.roles:
            self.roles.append(role)

    def family_at(self, on: dt.date) -> str:
        name = self.family
        for since, new in self.renames:
            if since <= on:
                name = new
        return name

    def earlier_families(self, on: dt.date) -> list[str]:
        """Family names held before ``on`` that differ from the one in use on ``on``."""
        current = self.family_at(on)
        names = [self.family] + [new for since, new in self.renames if since <= on]
        return sorted({n for n in names if n != current})

    def home_at(self, on: dt.date) -> tuple[str, str]:
        i = bisect.bisect_right([h[0] for h in self.homes], on) - 1
        _, postcode, address = self.homes[max(i, 0)]
        return postcode, address

    def age_on(self, on: dt.date) -> int:
        return years_between(self.dob, on)


@dataclass
class Bond:
    """A personal connection. kind: intimate_partner (a harms b), parent_of (a is b's parent) or
    family_member."""

    a: str
    b: str
    kind: str
    start: dt.date
    end: dt.date | None
    hidden: str | None = None  # the one non-police agency that alone learns of abuse in this bond


@dataclass
class Incident:
    id: str  # "I000123"
    perp: str
    victim: str
    bond: int  # index into World.bonds
    at: dt.datetime
    category: str
    crime: bool
    offence: str | None
    harm: float | None
    dash: int  # the DASH score a risk assessment at this incident would give
    risk: str
    outcome: str
    children: list[str]
    recorder: str  # the agency that records it
    adolescent: bool = False


@dataclass
class Story:
    """One person who causes harm and everything they did in the ten years."""

    perp: str
    familial: bool = False
    adolescent: bool = False
    incidents: list[Incident] = field(default_factory=list)


@dataclass
class World:
    as_of: dt.date
    start: dt.date
    people: dict[str, Person]
    bonds: list[Bond]
    stories: list[Story]
    extras: list[tuple[str, str, dt.date]]  # (person, agency, when): people known for reasons unrelated to DA
