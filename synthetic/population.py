"""The simulated people and their histories over the ten years before ``as_of``.

Each "story" (see ``stories``) is one person who causes harm: an intimate-partner abuser, an adult
who abuses a parent or sibling, or an adolescent under 16 who is violent to a parent. This module
holds what the stories share: people with homes over time, births (with the odd twin pair), the
incidents themselves, and background people (classmates on school rolls, deliberate look-alikes
known to health or housing) so that identity resolution meets realistic confusers.
"""

from __future__ import annotations

import datetime as dt
import random

from . import incidents as facts
from . import names, stories
from .identifiers import Mint
from .model import DAY, Bond, Incident, Person, Story, World, rand_date, rand_time, shift_years

POLICE = "cleveland-police"
_ARRESTED = ("arrest", "charge", "caution", "conviction")


class Builder:
    def __init__(self, seed: int, as_of: dt.date, years: int, surnames: tuple[int, float] = (0, 0.5)) -> None:
        self.surnames = surnames  # (pool, skew) of family names: see names.family_name
        self.rng = random.Random(f"synthetic:{seed}:world")  # str seeds are hashed with SHA-512: stable
        self.mint = Mint(random.Random(f"synthetic:{seed}:identifiers"))
        self.as_of = as_of
        self.start = shift_years(as_of, -years)
        self.last = as_of - DAY  # the latest day anything happens
        self.people: dict[str, Person] = {}
        self.bonds: list[Bond] = []
        self.stories: list[Story] = []
        self.extras: list[tuple[str, str, dt.date]] = []
        self.kids: dict[str, list[str]] = {}  # carer -> children living with them
        self.pool: list[tuple[str, dt.date]] = []  # former victims, and when they left that partner
        self.adults: dict[str, list[str]] = {"female": [], "male": []}
        self.done: set[str] = set()  # rare features produced at least once (so small runs have them)
        self.incident_count = 0

    # -- people --------------------------------------------------------------------------------
    def person(
        self,
        gender: str,
        dob: dt.date,
        *,
        child: bool = False,
        given: str | None = None,
        family: str | None = None,
        homes: list[tuple[dt.date, str, str]] | None = None,
    ) -> Person:
        rng = self.rng
        pid = f"T{len(self.people) + 1:06d}"
        p = Person(
            id=pid,
            given=given or names.given_name(rng, gender, child=dob.year >= 2004),
            family=family or self.family_name(),
            gender=gender,
            dob=dob,
            homes=homes or self.homes_from(max(dob, shift_years(self.start, -3))),
            nhs=self.mint.nhs(),
            child=child,
        )
        if p.age_on(self.as_of) >= 16:
            p.ni = self.mint.ni()
        self.people[pid] = p
        if not child and gender in self.adults:
            self.adults[gender].append(pid)
        return p

    def family_name(self) -> str:
        return names.family_name(self.rng, *self.surnames)

    def homes_from(self, since: dt.date) -> list[tuple[dt.date, str, str]]:
        homes, day = [], since
        while day <= self.as_of:  # people in these caseloads move every few years
            homes.append((day, *names.home(self.rng)))
            day += dt.timedelta(days=self.rng.randint(300, 2200))
        return homes

    @staticmethod
    def homes_with(carer: Person, since: dt.date) -> list[tuple[dt.date, str, str]]:
        """The carer's homes from ``since`` on: a child lives where its carer lives."""
        out = []
        for i, (start, postcode, address) in enumerate(carer.homes):
            if i + 1 < len(carer.homes) and carer.homes[i + 1][0] <= since:
                continue
            out.append((max(start, since), postcode, address))
        return out

    def dob_for_age(self, age: float) -> dt.date:
        return self.as_of - dt.timedelta(days=int(age * 365.25) + self.rng.randrange(365))

    def birth(self, parents: list[Person], dob: dt.date, carer: Person, gender: str | None = None) -> Person:
        rng = self.rng
        father = next((p for p in parents if p.gender == "male" and p is not carer), None)
        family = father.family_at(dob) if father and rng.random() < 0.6 else carer.family_at(dob)
        child = self.person(
            gender or rng.choice(("female", "male")),
            dob,
            child=True,
            family=family,
            homes=self.homes_with(carer, dob),
        )
        child.parents = [p.id for p in parents]
        child.add_role("child")
        self.kids.setdefault(carer.id, []).append(child.id)
        if gender is None and (rng.random() < 0.025 or "twins" not in self.done):
            self.done.add("twins")
            twin = self.person(rng.choice(("female", "male")), dob, child=True, family=family)
            twin.homes = list(child.homes)
            while twin.given == child.given:
                twin.given = names.given_name(rng, twin.gender, child=dob.year >= 2004)
            twin.parents, twin.twin_of, child.twin_of = list(child.parents), child.id, twin.id
            twin.add_role("child")
            self.kids[carer.id].append(twin.id)
        return child

    # -- stories -------------------------------------------------------------------------------
    def story(self, i: int) -> None:
        # the first three stories are fixed so that even a tiny run holds a serial perpetrator with
        # a victim only the IDVA knows, an adolescent-to-parent case and an adult familial case
        roll = self.rng.random()
        if i == 1 or (i > 2 and roll < 0.05):
            stories.adolescent(self)
        elif i == 2 or (i > 2 and roll < 0.17):
            stories.familial(self)
        else:
            stories.intimate(self, forced=i == 0)
        self.background()

    # -- incidents -----------------------------------------------------------------------------
    def count(self) -> int:
        """Incidents in one relationship: geometric, about four on average (abuse repeats)."""
        n = 1
        while n < 14 and self.rng.random() < 0.76:
            n += 1
        return n

    def incident(
        self,
        story: Story,
        perp: Person,
        victim: Person,
        bond: int,
        day: dt.date,
        context: int,
        nth: int,
        post: bool = False,
        adolescent: bool = False,
    ) -> None:
        rng = self.rng
        roll = rng.random()
        recorder = self.bonds[bond].hidden or (
            POLICE
            if roll < 0.9
            else ("stockton-childrens" if adolescent else "harbour-idva" if roll < 0.96 else "tees-nhs")
        )
        drawn = facts.draw(rng, day, context=context, nth=nth, police=recorder == POLICE, post_separation=post)
        kids = [
            c
            for c in self.kids.get(victim.id, [])
            if c != perp.id and self.people[c].dob < day and self.people[c].age_on(day) < 18 and rng.random() < 0.35
        ]
        self.incident_count += 1
        story.incidents.append(
            Incident(
                id=f"I{self.incident_count:06d}",
                perp=perp.id,
                victim=victim.id,
                bond=bond,
                at=rand_time(rng, day),
                children=kids,
                recorder=recorder,
                adolescent=adolescent,
                **drawn,  # type: ignore[arg-type]
            )
        )

    def finish(self, story: Story) -> None:
        """Order the story in time, then give the perpetrator a PNC id at the first arrest and a
        probation CRN at the first conviction."""
        story.incidents.sort(key=lambda i: (i.at, i.id))
        perp = self.people[story.perp]
        for inc in story.incidents:
            if inc.recorder == POLICE and inc.outcome in _ARRESTED and perp.pnc is None:
                perp.pnc, perp.pnc_date = self.mint.pnc(inc.at.year), inc.at.date()
            if inc.outcome == "conviction" and perp.crn is None and not inc.adolescent:
                perp.crn, perp.crn_date = self.mint.crn(), inc.at.date()

    # -- background ----------------------------------------------------------------------------
    def background(self) -> None:
        """Classmates on the school rolls and deliberate look-alikes known to health or housing."""
        rng = self.rng
        year = self.as_of.year if self.as_of.month >= 9 else self.as_of.year - 1
        for _ in range(rng.choice((1, 2, 3, 3, 4, 4))):
            dob = rand_date(rng, dt.date(year - 18, 9, 1), dt.date(year - 4, 8, 31))
            pupil = self.person(rng.choice(("female", "male")), dob, child=True)
            if rng.random() < 0.02:
                twin = self.person(rng.choice(("female", "male")), dob, child=True, family=pupil.family)
                while twin.given == pupil.given:
                    twin.given = names.given_name(rng, twin.gender, child=True)
                twin.homes, twin.twin_of, pupil.twin_of = list(pupil.homes), pupil.id, twin.id
        adults = self.adults["female"] + self.adults["male"]
        if adults and (rng.random() < 0.05 or "background-lookalike" not in self.done):
            source = self.people[adults[rng.randrange(len(adults))]]
            dob = source.dob if rng.random() < 0.3 else source.dob + rng.randint(-900, 900) * DAY
            if shift_years(dob, 18) >= self.last:
                return
            self.done.add("background-lookalike")
            double = self.person(source.gender, dob, given=source.given, family=source.family_at(self.as_of))
            double.lookalike_of = source.id
            double.add_role("lookalike")
            agency = "tees-nhs" if rng.random() < 0.6 else "thirteen-housing"
            self.extras.append((double.id, agency, rand_date(rng, max(self.start, shift_years(dob, 18)), self.last)))


def build_world(
    seed: int, perpetrators: int, as_of: dt.date, years: int, surnames: tuple[int, float] = (0, 0.5)
) -> World:
    builder = Builder(seed, as_of, years, surnames)
    for i in range(perpetrators):
        builder.story(i)
    b = builder
    return World(as_of=as_of, start=b.start, people=b.people, bonds=b.bonds, stories=b.stories, extras=b.extras)
