"""People added to a simulated world who are easily taken for someone already in it: co-twins and namesakes.

Twins share a date of birth, a family name, an address and often a school, and records that keep only the first
given name cannot tell apart twins who share one (Mary Ann and Mary Jane): only a national identifier can. Namesakes
are adults with another person's given and family name and a date of birth close to theirs or the same, known to
health or housing. Both were behind wrong merges in issue 14's independent set.

Both come from their own random streams after the world is built, so the world itself is unchanged; the people
added are true people of their own in the ground truth.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from . import names
from .books import HOUSING, NHS
from .identifiers import Mint
from .model import DAY, Person, World, rand_date, shift_years

if TYPE_CHECKING:
    from .profiles import NoiseProfile


def add(world: World, profile: NoiseProfile, seed: int) -> dict[str, list[str]]:
    """Add co-twins and namesakes at the profile's rates; kind -> ids of the people added."""
    added: dict[str, list[str]] = {}
    if not (profile.twins or profile.namesakes):
        return added
    mint = Mint(random.Random(f"synthetic:{seed}:errors:identifiers"))
    for p in world.people.values():
        mint.reserve((p.nhs, p.ni, p.pnc, p.crn))
    if profile.twins:
        added["twins"] = _twins(world, random.Random(f"synthetic:{seed}:errors:twins"), profile.twins, mint)
    if profile.namesakes:
        rng = random.Random(f"synthetic:{seed}:errors:namesakes")
        added["namesakes"] = _namesakes(world, rng, profile.namesakes, mint)
    return added


def _new(world: World, mint: Mint, **fields: object) -> Person:
    p = Person(id=f"T{len(world.people) + 1:06d}", nhs=mint.nhs(), **fields)  # type: ignore[arg-type]
    if p.age_on(world.as_of) >= 16:
        p.ni = mint.ni()
    world.people[p.id] = p
    return p


def _twins(world: World, rng: random.Random, rate: float, mint: Mint) -> list[str]:
    """A co-twin for a share of the children: half of them with the same first given name and gender."""
    out = []
    for child in [p for p in world.people.values() if p.child and p.twin_of is None]:
        if rng.random() >= rate:
            continue
        same = rng.random() < 0.5
        gender = child.gender if same else rng.choice(("female", "male"))
        given = child.given
        while not same and given == child.given:
            given = names.given_name(rng, gender, child=child.dob.year >= 2004)
        twin = _new(world, mint, given=given, family=child.family, gender=gender, dob=child.dob,
                    homes=list(child.homes), child=True, renames=list(child.renames))  # fmt: skip
        twin.parents, twin.twin_of, child.twin_of = list(child.parents), child.id, twin.id
        twin.add_role("child")
        # known to health (school-age twins are also on a school roll, as every child is)
        world.extras.append((twin.id, NHS, rand_date(rng, max(world.start, child.dob), world.as_of - DAY)))
        out.append(twin.id)
    return out


def _namesakes(world: World, rng: random.Random, rate: float, mint: Mint) -> list[str]:
    """An adult of the same given and family name for a share of adults: a fifth share the date of birth too,
    the others are born within ten years of them."""
    out = []
    last = world.as_of - DAY
    for source in [p for p in world.people.values() if not p.child and p.age_on(world.as_of) >= 18]:
        if rng.random() >= rate:
            continue
        dob = source.dob if rng.random() < 0.2 else source.dob + rng.randint(-3650, 3650) * DAY
        adult = max(world.start, shift_years(dob, 18))
        if adult > last:
            continue
        since = shift_years(world.start, -3)
        double = _new(world, mint, given=source.given, family=source.family_at(world.as_of), gender=source.gender,
                      dob=dob, homes=[(since, *names.home(rng))])  # fmt: skip
        double.lookalike_of = source.id
        double.add_role("lookalike")
        world.extras.append((double.id, NHS if rng.random() < 0.6 else HOUSING, rand_date(rng, adult, last)))
        out.append(double.id)
    return out
