"""Turns the simulated world into what each agency would hold and submit.

Events are replayed in time order, so each agency meets a person for the first time on the day it
really would (their record shows the name and address they had then) and local ids grow with time.
Police occasionally fail to recognise someone already on their system and give them a second URN.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import Mapping

from . import followups, noise
from .books import AGENCIES, IDVA, NHS, POLICE, PROBATION, SCHOOLS, Book, Record
from .errors import Recorder
from .model import DAY, Incident, Person, World, rand_date, rand_time, rfc3339, years_between
from .names import PRIMARY_SCHOOLS, SECONDARY_SCHOOLS


class Emitter:
    def __init__(
        self,
        world: World,
        seed: int,
        base: float = 1.0,
        errors: Recorder | None = None,
        effects: Mapping[str, float] | None = None,
    ) -> None:
        """``base`` scales the agencies' everyday noise; ``errors`` adds a noise profile's error kinds; ``effects``
        are the interventions' effects by forum."""
        self.world = world
        self.noise = {code: noise.scaled(noise.PROFILES[code], base) for code in AGENCIES}
        self.hearsay, self.unrecognised = noise.scaled(noise.HEARSAY, base), noise.scaled(noise.UNRECOGNISED, base)
        self.errors = errors
        self.people = world.people
        self.rng = random.Random(f"synthetic:{seed}:records")
        seq = itertools.count()
        self.books = {code: Book(code, seq) for code in AGENCIES}
        self.cap = dt.datetime.combine(world.as_of, dt.time()) - dt.timedelta(minutes=1)
        self.incident_records: dict[str, list[tuple[str, str]]] = {}  # true incident -> (agency, local_id)
        self.updates: list[Record] = []  # natural re-submissions: {"agency", "type", "local_id", "fields"}
        self.police_seen: dict[str, list[tuple[dt.date, str]]] = {}  # perpetrator -> (day, victim) so far
        self.matac: set[str] = set()
        self.idva_last: dict[str, dt.date] = {}
        self.tenants: dict[str, bool] = {}
        self.split = self._choose_second_urns()
        # interventions (forum -> relative change in the perpetrator's incident rate after it): their own stream,
        # drawn only when an effect applies, so that without one every other draw is as it always was
        self.effects = {forum: e for forum, e in (effects or {}).items() if e}
        self.effect_rng = random.Random(f"synthetic:{seed}:interventions")
        self.tasked: dict[str, dict[str, dt.datetime]] = {}  # perpetrator -> forum -> first referral
        self.withheld: set[str] = set()  # incidents that did not happen because an intervention worked

    def clip(self, at: dt.datetime) -> dt.datetime:
        return min(at, self.cap)

    def _choose_second_urns(self) -> dict[str, dt.date]:
        """People the police give a second URN, and the day from which they use it."""
        seen: dict[str, list[dt.date]] = {}
        for story in self.world.stories:
            for inc in story.incidents:
                if inc.recorder == POLICE:
                    seen.setdefault(inc.perp, []).append(inc.at.date())
                    seen.setdefault(inc.victim, []).append(inc.at.date())
        split: dict[str, dt.date] = {}
        for pid, days in seen.items():
            # at least two days after the first police incident, which is recorded within hours
            later = sorted(d for d in days if d > min(days) + DAY)
            if later and (self.rng.random() < 0.07 or not split):
                split[pid] = self.rng.choice(later)
        return split

    # -- people and links ----------------------------------------------------------------------
    def person(self, code: str, pid: str, at: dt.datetime, *, about: str | None = None) -> str:
        """The local id under which ``code`` knows ``pid`` at ``at``, creating the record if new.

        ``about`` names the victim whose account is the agency's only source on ``pid``: a support
        service or hospital records an alleged perpetrator per case, from hearsay, so the same
        person described by two victims becomes two sparse records."""
        book = self.books[code]
        hearsay = about is not None and code != POLICE
        if hearsay:
            slot = f"about:{about}"
        elif code == POLICE and pid in self.split and at.date() >= self.split[pid] and (pid, "") in book.persons:
            slot = "urn2"  # (a first URN is missing only when an intervention withheld the incident that made it)
        else:
            slot = ""
        local_id = book.persons.get((pid, slot))
        if local_id:
            return local_id
        p = self.people[pid]
        profile = self.hearsay if hearsay else self.unrecognised if slot else self.noise[code]
        fields = noise.render(self.rng, p, at.date(), profile)
        ids = self._identifiers(code, p, at.date(), slot == "urn2", hearsay)
        if ids:
            fields["identifiers"] = ids
        errors = self.errors.apply(fields, p, at.date()) if self.errors else []
        new_id = None
        if code == SCHOOLS and p.school:
            fields["school"] = p.school[1]
            new_id = book.new_id("person", at, p.school[0])
        elif code == PROBATION and p.crn:
            new_id = p.crn
        local_id = book.add("person", at, fields, new_id)["local_id"]
        book.persons[(pid, slot)] = local_id
        if errors and self.errors:
            self.errors.note(errors, code, local_id)
        book.owner[local_id] = pid
        return local_id

    def _identifiers(self, code: str, p: Person, on: dt.date, urn2: bool, hearsay: bool) -> dict[str, str]:
        r = self.rng.random
        ids: dict[str, str] = {}
        if code == POLICE and not urn2:
            if p.pnc and p.pnc_date and p.pnc_date <= on:
                ids["pnc_id"] = p.pnc
            if p.ni and r() < 0.1:
                ids["ni_number"] = p.ni
        elif code == PROBATION:
            if p.crn:
                ids["probation_crn"] = p.crn
            if p.pnc:
                ids["pnc_id"] = p.pnc
            if p.ni and r() < 0.6:
                ids["ni_number"] = p.ni
        elif (code == NHS and r() < (0.3 if hearsay else 0.97)) or (
            code == "stockton-childrens" and r() < (0.6 if p.child else 0.3)
        ):
            ids["nhs_number"] = p.nhs
        elif code == "thirteen-housing" and p.ni and not hearsay and r() < 0.6:
            ids["ni_number"] = p.ni
        elif code == IDVA and not hearsay and r() < 0.05:
            ids["nhs_number"] = p.nhs
        return ids

    def known(self, code: str, pid: str) -> str | None:
        book = self.books[code]
        return book.persons.get((pid, "")) or book.persons.get((pid, "urn2"))

    def link(self, code: str, a: str, b: str, kind: str, at: dt.datetime, **dates: dt.date | None) -> None:
        book = self.books[code]
        if (a, b) in book.links or (b, a) in book.links:
            return
        fields: Record = {"person": a, "other": b, "kind": kind}
        fields.update({k: v.isoformat() for k, v in dates.items() if v})
        book.links[(a, b)] = book.add("relationship", at, fields)["local_id"]

    def link_bond(self, code: str, inc: Incident, perp_l: str, vic_l: str, at: dt.datetime) -> None:
        """The relationship between perpetrator and victim as ``code`` knows it at ``at``; a partner
        who has since separated is sometimes re-submitted as an ex-partner (an update)."""
        bond = self.world.bonds[inc.bond]
        book = self.books[code]
        a, b = (perp_l, vic_l) if bond.a == inc.perp else (vic_l, perp_l)
        if bond.kind != "intimate_partner":
            self.link(code, a, b, bond.kind, at, start=bond.start if bond.kind == "parent_of" else None)
            return
        ended = bond.end is not None and bond.end <= at.date()
        existing = book.links.get((a, b))
        if existing is None:
            start = bond.start if self.rng.random() < 0.7 else None
            self.link(
                code,
                a,
                b,
                "ex_partner" if ended else "intimate_partner",
                at,
                start=start,
                end=bond.end if ended else None,
            )
        elif (
            ended
            and book.latest[("relationship", existing)]["kind"] == "intimate_partner"
            and self.rng.random() < 0.25  # systems often leave a relationship as first recorded
        ):
            assert bond.end is not None
            book.revise("relationship", existing, at, {"kind": "ex_partner", "end": bond.end.isoformat()})
            self.updates.append(
                {"agency": code, "type": "relationship", "local_id": existing, "fields": ["end", "kind"]}
            )

    def link_parents(self, code: str, child: str, child_l: str, at: dt.datetime) -> None:
        for parent in self.people[child].parents:
            parent_l = self.known(code, parent)
            if parent_l:
                self.link(code, parent_l, child_l, "parent_of", at)

    # -- replay --------------------------------------------------------------------------------
    def run(self) -> None:
        events: list[tuple[dt.datetime, int, str, object]] = []
        for story in self.world.stories:
            for inc in story.incidents:
                events.append((inc.at, 0, inc.id, inc))
            for n, (bond_i, at) in enumerate(self._disclosure_plan(story.incidents)):
                events.append((at, 1, f"{story.perp}:{n}", bond_i))
        for n, (pid, code, day) in enumerate(self.world.extras):
            events.append((rand_time(self.rng, day), 2, str(n), (pid, code)))
        events.sort(key=lambda e: (e[0], e[1], e[2]))
        for at, kind, _, payload in events:
            if kind == 0:
                assert isinstance(payload, Incident)
                self.incident(payload)
            elif kind == 1:
                assert isinstance(payload, int)
                followups.disclosure(self, payload, at)
            else:
                pid, code = payload  # type: ignore[misc]
                followups.background(self, pid, code, at)
        self.school_rolls()

    def _disclosure_plan(self, incidents: list[Incident]) -> list[tuple[int, dt.datetime]]:
        """Clare's Law applications when a perpetrator starts a new relationship (the moment to act)."""
        bonds = sorted({i.bond for i in incidents if self.world.bonds[i.bond].kind == "intimate_partner"})
        plan = []
        for n, bond_i in enumerate(sorted(bonds, key=lambda b: (self.world.bonds[b].start, b))):
            bond = self.world.bonds[bond_i]
            if bond.hidden or self.rng.random() >= (0.6 if n else 0.06):
                continue
            day = bond.start + self.rng.randint(14, 200) * DAY
            if self.world.start <= day < self.world.as_of:
                plan.append((bond_i, rand_time(self.rng, day)))
        return plan

    def task(self, pid: str, forum: str, at: dt.datetime) -> None:
        """``pid`` was referred to ``forum`` (MATAC, a perpetrator programme) at ``at``; the first referral counts."""
        self.tasked.setdefault(pid, {}).setdefault(forum, at)

    def _withheld(self, inc: Incident) -> bool:
        """After a referral whose effect is set, each of the perpetrator's incidents happens with probability
        1 + effect (the effects of two interventions multiply)."""
        keep = 1.0
        for forum, at in self.tasked.get(inc.perp, {}).items():
            if at <= inc.at:
                keep *= 1.0 + self.effects.get(forum, 0.0)
        if keep >= 1.0 or self.effect_rng.random() < keep:
            return False
        self.withheld.add(inc.id)
        return True

    def incident(self, inc: Incident) -> None:
        if self.effects and self._withheld(inc):
            return
        code = inc.recorder
        book = self.books[code]
        # police record within hours; other agencies hear of it days or weeks later
        minutes = self.rng.randint(20, 600) if code == POLICE else self.rng.randint(1 * 1440, 40 * 1440)
        delay = dt.timedelta(minutes=minutes)
        at = self.clip(inc.at + delay)
        perp_l = self.person(code, inc.perp, at, about=None if inc.adolescent else inc.victim)
        vic_l = self.person(code, inc.victim, at)
        kids = [self.person(code, c, at) for c in inc.children]
        fields: Record = {
            "occurred_at": rfc3339(inc.at),
            "category": inc.category,
            "perpetrators": [perp_l],
            "victims": [vic_l],
        }
        if kids:
            fields["children_present"] = kids
        if code == POLICE:
            fields.update(crime=inc.crime, outcome=inc.outcome, risk_level=inc.risk)
            if inc.offence:
                fields["offence"] = inc.offence
            if inc.harm is not None:
                fields["harm_score"] = inc.harm
        elif self.rng.random() < 0.5:
            fields["risk_level"] = inc.risk
        rec = book.add("incident", at, fields, book.new_id("incident", inc.at))
        self.incident_records.setdefault(inc.id, []).append((code, rec["local_id"]))
        self.link_bond(code, inc, perp_l, vic_l, at)
        for child, child_l in zip(inc.children, kids, strict=True):
            self.link_parents(code, child, child_l, at)
        followups.after_incident(self, inc, at, perp_l, vic_l)

    def school_rolls(self) -> None:
        """Every child of school age (reception to 17) on ``as_of`` is on one school's roll."""
        year = self.world.as_of.year if self.world.as_of.month >= 9 else self.world.as_of.year - 1
        sept = dt.date(year, 9, 1)
        lo, hi = dt.date(year - 18, 9, 1), dt.date(year - 4, 8, 31)
        roll_from = min(sept + 2 * DAY, self.world.as_of - 30 * DAY)
        for pid, p in self.people.items():
            if not lo <= p.dob <= hi:
                continue
            twin = self.people[p.twin_of] if p.twin_of else None
            if twin and twin.school:
                p.school = twin.school  # twins go to the same school
            else:
                p.school = self.rng.choice(PRIMARY_SCHOOLS if years_between(p.dob, sept) <= 10 else SECONDARY_SCHOOLS)
            p.add_role("pupil")
            at = self.clip(rand_time(self.rng, rand_date(self.rng, roll_from, self.world.as_of - DAY)))
            self.person(SCHOOLS, pid, at)
