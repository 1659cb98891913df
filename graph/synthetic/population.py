"""The simulated people and their histories over the ten years before ``as_of``.

Each "story" is one person who causes harm: an intimate-partner abuser who may move from partner
to partner (about a quarter have two or more victims, a few six or more), an adult who abuses a
parent or sibling, or an adolescent under 16 who is violent to a parent. Victims bring children,
couples have children, some victims are abused again by a later partner, and a later victim of a
serial perpetrator is sometimes known only to one non-police agency ("hidden"). Background pupils
and deliberate look-alikes are added so that identity resolution meets realistic confusers.
"""

from __future__ import annotations

import datetime as dt
import random

from . import incidents as facts
from . import names
from .identifiers import Mint
from .model import DAY, Bond, Incident, Person, Story, World, rand_date, rand_time, shift_years

POLICE = "cleveland-police"
_VICTIM_COUNTS = ((1, 74.0), (2, 11.0), (3, 6.0), (4, 4.0), (5, 3.0), (6, 1.2), (7, 0.5), (8, 0.3))
_HIDDEN_AT = (("harbour-idva", 5), ("tees-nhs", 3), ("thirteen-housing", 2))
_ARRESTED = ("arrest", "charge", "caution", "conviction")


def _weighted(rng: random.Random, options: tuple[tuple[object, float], ...]) -> object:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


def _opposite(gender: str) -> str:
    return "male" if gender == "female" else "female"


class Builder:
    def __init__(self, seed: int, as_of: dt.date, years: int) -> None:
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
            family=family or names.family_name(rng),
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
        roll = self.rng.random()
        if i == 1 or (i > 2 and roll < 0.05):
            self.adolescent()
        elif i == 2 or (i > 2 and roll < 0.17):
            self.familial()
        else:
            self.intimate(forced=i == 0)
        self.background()

    def intimate(self, forced: bool = False) -> None:
        rng = self.rng
        gender = "female" if rng.random() < 0.16 else "male"
        same_sex = rng.random() < (0.25 if gender == "female" else 0.05)
        n = 3 if forced else int(_weighted(rng, _VICTIM_COUNTS))  # type: ignore[call-overload]
        perp = self.person(gender, self.dob_for_age(30 if forced else rng.triangular(18, 64, 31)))
        perp.add_role("perpetrator")
        story = Story(perp.id)
        self.stories.append(story)
        adult = shift_years(perp.dob, 16)
        if forced:  # a serial perpetrator in the MATAC window whose last victim only the IDVA knows
            lo = shift_years(self.as_of, -3) + 60 * DAY
        elif n == 1:
            lo = max(adult, shift_years(self.start, -2))
        else:
            lo = max(adult, shift_years(self.as_of, -rng.randint(3, 10)))
        self.partners(story, perp, gender if same_sex else _opposite(gender), n, lo, forced)
        self.finish(story)

    def partners(self, story: Story, perp: Person, vgender: str, n: int, lo: dt.date, forced: bool) -> None:
        rng = self.rng
        starts = sorted(rand_date(rng, lo, self.last - 45 * DAY) for _ in range(n))
        for j, start in enumerate(starts):
            nxt = starts[j + 1] if j + 1 < n else None
            end: dt.date | None
            if nxt:
                end = max(start + 7 * DAY, nxt - rng.randint(0, 60) * DAY)
            elif rng.random() < 0.45 or start + 30 * DAY >= self.last:
                end = None
            else:
                end = rand_date(rng, start + 30 * DAY, self.last)
            victim = self.partner(perp, vgender, start, story)
            hidden = None
            if forced and j == n - 1:
                hidden = "harbour-idva"
            elif rng.random() < (0.3 if j >= 1 else 0.06):
                hidden = str(_weighted(rng, _HIDDEN_AT))
            bond = len(self.bonds)
            self.bonds.append(Bond(perp.id, victim.id, "intimate_partner", start, end, hidden))
            self.couple(perp, victim, start, end)
            lo_i = max(start + 14 * DAY, self.start)
            hi_i = min(end + 180 * DAY if end else self.last, nxt + 120 * DAY if nxt else self.last, self.last)
            days = sorted(rand_date(rng, lo_i, max(hi_i, lo_i)) for _ in range(self.count()))
            for nth, day in enumerate(days):
                self.incident(story, perp, victim, bond, day, 0, nth, post=bool(end and day > end))
            if end:
                self.pool.append((victim.id, end))

    def partner(self, perp: Person, gender: str, start: dt.date, story: Story) -> Person:
        rng = self.rng
        known = {i.victim for i in story.incidents}
        if self.pool and rng.random() < 0.07:  # a former victim of someone else: repeat victimisation
            for _ in range(12):
                vid, free = self.pool[rng.randrange(len(self.pool))]
                v = self.people[vid]
                if free < start and v.gender == gender and vid not in known and v.age_on(start) >= 16:
                    v.add_role("repeat_victim")
                    return v
        dob = min(perp.dob + dt.timedelta(days=int(rng.triangular(-8, 8, 0) * 365.25)), shift_years(start, -16))
        given = family = None
        source = None
        if self.adults[gender] and (rng.random() < 0.03 or "lookalike" not in self.done):
            source = self.people[rng.choice(self.adults[gender])]
            close = source.dob if rng.random() < 0.3 else source.dob + rng.randint(-700, 700) * DAY
            if close <= shift_years(start, -16) and source.id != perp.id:
                given, family, dob = source.given, source.family_at(start), close
                self.done.add("lookalike")
            else:
                source = None
        v = self.person(gender, dob, given=given, family=family)
        v.lookalike_of = source.id if source else None
        v.add_role("victim")
        if gender == "female" and v.age_on(start) >= 22 and rng.random() < 0.15:  # arrives with a married name
            v.renames.append((rand_date(rng, shift_years(v.dob, 19), start - 30 * DAY), names.family_name(rng)))
        return v

    def couple(self, perp: Person, victim: Person, start: dt.date, end: dt.date | None) -> None:
        """Children the victim already has, children the couple have, and a married name."""
        rng = self.rng
        if not self.kids.get(victim.id) and rng.random() < 0.3:
            lo, hi = max(shift_years(victim.dob, 17), shift_years(start, -14)), start - 60 * DAY
            for _ in range(rng.choice((1, 1, 2)) if lo < hi else 0):
                self.birth([victim], rand_date(rng, lo, hi), carer=victim)
        until = end or self.last
        if perp.gender != victim.gender and (until - start).days > 300 and rng.random() < 0.4:
            for _ in range(rng.choice((1, 1, 2))):
                self.birth([perp, victim], rand_date(rng, start + 270 * DAY, until), carer=victim)
        if victim.gender == "female" and perp.gender == "male" and rng.random() < 0.2:
            since = start + rng.randint(180, 900) * DAY
            if since < until and all(d < since for d, _ in victim.renames):
                victim.renames.append((since, perp.family_at(since)))
                back = (end or self.as_of) + rng.randint(30, 500) * DAY
                if end and back < self.last and rng.random() < 0.5:
                    victim.renames.append((back, victim.family))

    def familial(self) -> None:
        rng = self.rng
        gender = "male" if rng.random() < 0.75 else "female"
        dob = self.dob_for_age(rng.triangular(18, 50, 26))
        if rng.random() < 0.3:  # sibling
            perp = self.person(gender, dob)
            vdob = min(dob + rng.randint(-8 * 365, 8 * 365) * DAY, shift_years(self.as_of, -18))
            victim = self.person(rng.choice(("female", "male")), vdob, family=perp.family)
            bond = Bond(perp.id, victim.id, "family_member", max(dob, vdob), None)
        else:  # adult child to parent
            victim = self.person("female" if rng.random() < 0.7 else "male", shift_years(dob, -rng.randint(18, 40)))
            perp = self.person(gender, dob, family=victim.family_at(dob), homes=self.homes_with(victim, dob))
            perp.parents = [victim.id]
            bond = Bond(victim.id, perp.id, "parent_of", dob, None)
        perp.add_role("perpetrator")
        victim.add_role("victim")
        story = Story(perp.id, familial=True)
        self.stories.append(story)
        self.bonds.append(bond)
        lo = max(self.start, shift_years(perp.dob, 16), shift_years(victim.dob, 16))
        onset = rand_date(rng, lo, self.last - 30 * DAY)
        hi = min(self.last, onset + rng.randint(30, 1000) * DAY)
        for nth, day in enumerate(sorted(rand_date(rng, onset, hi) for _ in range(self.count()))):
            self.incident(story, perp, victim, len(self.bonds) - 1, day, 1, nth)
        if rng.random() < 0.25:  # also abuses a partner: familial and intimate victims make a series
            self.partners(story, perp, _opposite(gender), rng.choice((1, 1, 2)), max(lo, onset), False)
        self.finish(story)

    def adolescent(self) -> None:
        """Child/adolescent to parent violence: police record the child as the perpetrator."""
        rng = self.rng
        onset = rand_date(rng, self.start, self.last - 60 * DAY)
        adob = onset - rng.randint(12 * 365 + 3, 15 * 365 + 300) * DAY
        parent = self.person("female" if rng.random() < 0.8 else "male", shift_years(adob, -rng.randint(18, 38)))
        parent.add_role("victim")
        teen = self.birth([parent], adob, carer=parent, gender="male" if rng.random() < 0.7 else "female")
        teen.add_role("adolescent_to_parent")
        for _ in range(rng.choice((0, 1, 1, 2))):
            self.birth([parent], rand_date(rng, shift_years(parent.dob, 17), self.last - 30 * DAY), carer=parent)
        story = Story(teen.id, familial=True, adolescent=True)
        self.stories.append(story)
        self.bonds.append(Bond(parent.id, teen.id, "parent_of", adob, None))
        hi = min(shift_years(adob, 16) - DAY, self.last, onset + rng.randint(60, 720) * DAY)
        for nth, day in enumerate(sorted(rand_date(rng, onset, hi) for _ in range(min(self.count(), 6)))):
            self.incident(story, teen, parent, len(self.bonds) - 1, day, 2, nth, adolescent=True)
        self.finish(story)

    # -- incidents -----------------------------------------------------------------------------
    def count(self) -> int:
        n = 1
        while n < 12 and self.rng.random() < 0.58:
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
            POLICE if roll < 0.9 else ("stockton-childrens" if adolescent else "harbour-idva" if roll < 0.96 else "tees-nhs")
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
        for _ in range(rng.choice((1, 2, 2, 3, 3, 4))):
            dob = rand_date(rng, dt.date(year - 18, 9, 1), dt.date(year - 4, 8, 31))
            pupil = self.person(rng.choice(("female", "male")), dob, child=True)
            if rng.random() < 0.02:
                twin = self.person(rng.choice(("female", "male")), dob, child=True, family=pupil.family)
                twin.homes, twin.twin_of, pupil.twin_of = list(pupil.homes), pupil.id, twin.id
        if rng.random() < 0.05 or "background-lookalike" not in self.done:
            adults = self.adults["female"] + self.adults["male"]
            source = self.people[adults[rng.randrange(len(adults))]] if adults else None
            dob = source.dob if source is None or rng.random() < 0.3 else source.dob + rng.randint(-900, 900) * DAY
            if source is None or shift_years(dob, 18) >= self.last:
                return
            self.done.add("background-lookalike")
            double = self.person(source.gender, dob, given=source.given, family=source.family_at(self.as_of))
            double.lookalike_of = source.id
            double.add_role("lookalike")
            agency = "tees-nhs" if rng.random() < 0.6 else "thirteen-housing"
            self.extras.append((double.id, agency, rand_date(rng, max(self.start, shift_years(dob, 18)), self.last)))


def build_world(seed: int, perpetrators: int, as_of: dt.date, years: int) -> World:
    builder = Builder(seed, as_of, years)
    for i in range(perpetrators):
        builder.story(i)
    b = builder
    return World(as_of=as_of, start=b.start, people=b.people, bonds=b.bonds, stories=b.stories, extras=b.extras)
