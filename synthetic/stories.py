"""The three kinds of story: intimate-partner abuse, adult family abuse, adolescent-to-parent violence.

Intimate-partner abusers move from partner to partner: about a quarter have two or more victims
over the ten years and a few six or more, with serial careers weighted towards recent years so a
realistic share meets the MATAC 3-year definition. Later victims of a serial perpetrator are often
known only to one non-police agency ("hidden"), which is what identity linkage has to overcome.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from .model import DAY, Bond, Person, Story, rand_date, shift_years

if TYPE_CHECKING:
    from .population import Builder

_VICTIMS = (1, 2, 3, 4, 5, 6, 7, 8)
_VICTIM_WEIGHTS = (74, 11, 6, 4, 3, 1.2, 0.5, 0.3)
_HIDDEN_AT = ("harbour-idva", "tees-nhs", "thirteen-housing")
_HIDDEN_WEIGHTS = (5, 3, 2)


def _opposite(gender: str) -> str:
    return "male" if gender == "female" else "female"


def intimate(b: Builder, forced: bool = False) -> None:
    rng = b.rng
    gender = "female" if rng.random() < 0.16 else "male"
    same_sex = rng.random() < (0.25 if gender == "female" else 0.05)
    n = 3 if forced else rng.choices(_VICTIMS, weights=_VICTIM_WEIGHTS)[0]
    perp = b.person(gender, b.dob_for_age(30 if forced else rng.triangular(18, 64, 31)))
    perp.add_role("perpetrator")
    story = Story(perp.id)
    b.stories.append(story)
    adult = shift_years(perp.dob, 16)
    if forced:  # a serial perpetrator in the MATAC window whose last victim only the IDVA knows
        lo = shift_years(b.as_of, -3) + 60 * DAY
    elif n == 1:
        lo = max(adult, shift_years(b.start, -2))
    else:
        lo = max(adult, shift_years(b.as_of, -rng.randint(3, 10)))
    partners(b, story, perp, gender if same_sex else _opposite(gender), n, lo, forced)
    b.finish(story)


def partners(b: Builder, story: Story, perp: Person, vgender: str, n: int, lo: dt.date, forced: bool) -> None:
    rng = b.rng
    starts = sorted(rand_date(rng, lo, b.last - 45 * DAY) for _ in range(n))
    for j, start in enumerate(starts):
        nxt = starts[j + 1] if j + 1 < n else None
        end: dt.date | None
        if nxt:
            end = max(start + 7 * DAY, nxt - rng.randint(0, 60) * DAY)
        elif rng.random() < 0.45 or start + 30 * DAY >= b.last:
            end = None
        else:
            end = rand_date(rng, start + 30 * DAY, b.last)
        victim = partner(b, perp, vgender, start, story)
        hidden = None
        if forced and j == n - 1:
            hidden = "harbour-idva"
        elif rng.random() < (0.3 if j >= 1 else 0.06):
            hidden = rng.choices(_HIDDEN_AT, weights=_HIDDEN_WEIGHTS)[0]
        bond = len(b.bonds)
        b.bonds.append(Bond(perp.id, victim.id, "intimate_partner", start, end, hidden))
        couple(b, perp, victim, start, end)
        lo_i = max(start + 14 * DAY, b.start)
        hi_i = min(end + 180 * DAY if end else b.last, nxt + 120 * DAY if nxt else b.last, b.last)
        days = sorted(rand_date(rng, lo_i, max(hi_i, lo_i)) for _ in range(b.count()))
        for nth, day in enumerate(days):
            b.incident(story, perp, victim, bond, day, 0, nth, post=bool(end and day > end))
        if end:
            b.pool.append((victim.id, end))


def partner(b: Builder, perp: Person, gender: str, start: dt.date, story: Story) -> Person:
    rng = b.rng
    known = {i.victim for i in story.incidents}
    if b.pool and rng.random() < 0.07:  # a former victim of someone else: repeat victimisation
        for _ in range(12):
            vid, free = b.pool[rng.randrange(len(b.pool))]
            v = b.people[vid]
            if free < start and v.gender == gender and vid not in known and v.age_on(start) >= 16:
                v.add_role("repeat_victim")
                return v
    dob = min(perp.dob + dt.timedelta(days=int(rng.triangular(-8, 8, 0) * 365.25)), shift_years(start, -16))
    given = family = None
    source = None
    if b.adults[gender] and (rng.random() < 0.03 or "lookalike" not in b.done):
        source = b.people[rng.choice(b.adults[gender])]
        close = source.dob if rng.random() < 0.3 else source.dob + rng.randint(-700, 700) * DAY
        if close <= shift_years(start, -16) and source.id != perp.id:
            given, family, dob = source.given, source.family_at(start), close
            b.done.add("lookalike")
        else:
            source = None
    v = b.person(gender, dob, given=given, family=family)
    v.lookalike_of = source.id if source else None
    v.add_role("victim")
    if gender == "female" and v.age_on(start) >= 22 and rng.random() < 0.15:  # arrives with a married name
        v.renames.append((rand_date(rng, shift_years(v.dob, 19), start - 30 * DAY), b.family_name()))
    return v


def couple(b: Builder, perp: Person, victim: Person, start: dt.date, end: dt.date | None) -> None:
    """Children the victim already has, children the couple have, and a married name."""
    rng = b.rng
    if not b.kids.get(victim.id) and rng.random() < 0.3:
        lo, hi = max(shift_years(victim.dob, 17), shift_years(start, -14)), start - 60 * DAY
        for _ in range(rng.choice((1, 1, 2)) if lo < hi else 0):
            b.birth([victim], rand_date(rng, lo, hi), carer=victim)
    until = end or b.last
    if perp.gender != victim.gender and (until - start).days > 300 and rng.random() < 0.4:
        for _ in range(rng.choice((1, 1, 2))):
            b.birth([perp, victim], rand_date(rng, start + 270 * DAY, until), carer=victim)
    if victim.gender == "female" and perp.gender == "male" and rng.random() < 0.2:
        since = start + rng.randint(180, 900) * DAY
        if since < until and all(d < since for d, _ in victim.renames):
            victim.renames.append((since, perp.family_at(since)))
            back = (end or b.as_of) + rng.randint(30, 500) * DAY
            if end and back < b.last and rng.random() < 0.5:
                victim.renames.append((back, victim.family))


def familial(b: Builder) -> None:
    rng = b.rng
    gender = "male" if rng.random() < 0.75 else "female"
    dob = b.dob_for_age(rng.triangular(18, 50, 26))
    if rng.random() < 0.3:  # sibling
        perp = b.person(gender, dob)
        vdob = min(dob + rng.randint(-8 * 365, 8 * 365) * DAY, shift_years(b.as_of, -18))
        victim = b.person(rng.choice(("female", "male")), vdob, family=perp.family)
        bond = Bond(perp.id, victim.id, "family_member", max(dob, vdob), None)
    else:  # adult child to parent
        victim = b.person("female" if rng.random() < 0.7 else "male", shift_years(dob, -rng.randint(18, 40)))
        perp = b.person(gender, dob, family=victim.family_at(dob), homes=b.homes_with(victim, dob))
        perp.parents = [victim.id]
        bond = Bond(victim.id, perp.id, "parent_of", dob, None)
    perp.add_role("perpetrator")
    victim.add_role("victim")
    story = Story(perp.id, familial=True)
    b.stories.append(story)
    b.bonds.append(bond)
    lo = max(b.start, shift_years(perp.dob, 16), shift_years(victim.dob, 16))
    onset = rand_date(rng, lo, b.last - 30 * DAY)
    hi = min(b.last, onset + rng.randint(30, 1000) * DAY)
    for nth, day in enumerate(sorted(rand_date(rng, onset, hi) for _ in range(b.count()))):
        b.incident(story, perp, victim, len(b.bonds) - 1, day, 1, nth)
    if rng.random() < 0.25:  # also abuses a partner: familial and intimate victims make a series
        partners(b, story, perp, _opposite(gender), rng.choice((1, 1, 2)), max(lo, onset), False)
    b.finish(story)


def adolescent(b: Builder) -> None:
    """Child/adolescent to parent violence: police record the child as the perpetrator."""
    rng = b.rng
    onset = rand_date(rng, b.start, b.last - 60 * DAY)
    adob = onset - rng.randint(12 * 365 + 3, 15 * 365 + 300) * DAY
    parent = b.person("female" if rng.random() < 0.8 else "male", shift_years(adob, -rng.randint(18, 38)))
    parent.add_role("victim")
    teen = b.birth([parent], adob, carer=parent, gender="male" if rng.random() < 0.7 else "female")
    teen.add_role("adolescent_to_parent")
    for _ in range(rng.choice((0, 1, 1, 2))):
        b.birth([parent], rand_date(rng, shift_years(parent.dob, 17), b.last - 30 * DAY), carer=parent)
    story = Story(teen.id, familial=True, adolescent=True)
    b.stories.append(story)
    b.bonds.append(Bond(parent.id, teen.id, "parent_of", adob, None))
    hi = min(shift_years(adob, 16) - DAY, b.last, onset + rng.randint(60, 720) * DAY)
    for nth, day in enumerate(sorted(rand_date(rng, onset, hi) for _ in range(min(b.count(), 6)))):
        b.incident(story, teen, parent, len(b.bonds) - 1, day, 2, nth, adolescent=True)
    b.finish(story)
