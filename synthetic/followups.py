"""What an incident sets in motion across the partnership.

Police incidents lead to DASH assessments, MARAC referrals for high risk, protective notices and
orders, MATAC referral once a perpetrator has several victims, Clare's Law disclosures when they
find a new partner, and (in ``services``) IDVA support, probation after conviction, hospital
attendances, housing contacts and children's social care referrals for children present. An
incident another agency records (the victim told the IDVA, a nurse or a housing officer) stays in
that agency: that is how a series stays invisible without linkage.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from . import services
from .actions import HOUR, dash, marac, need, order, referral
from .books import CHILDRENS, HOUSING, IDVA, NHS, POLICE, Record
from .model import DAY, Incident, rfc3339, shift_years

if TYPE_CHECKING:
    from .records import Emitter

INJURY = ("physical", "sexual", "non_fatal_strangulation")
# Domestic Abuse Protection Notices/Orders replace DVPN/DVPO in the pilot forces from late 2024.
DAPO_FROM = dt.date(2024, 11, 27)


def after_incident(em: Emitter, inc: Incident, at: dt.datetime, perp_l: str, vic_l: str) -> None:
    if inc.recorder == POLICE:
        police(em, inc, at, perp_l, vic_l)
    else:
        recorded_elsewhere(em, inc, at, perp_l, vic_l)


def police(em: Emitter, inc: Incident, at: dt.datetime, perp_l: str, vic_l: str) -> None:
    rng, book, day = em.rng, em.books[POLICE], inc.at.date()
    seen = em.police_seen.setdefault(inc.perp, [])
    seen.append((day, inc.victim))
    perp = em.people[inc.perp]
    held = book.latest[("person", perp_l)].get("identifiers", {})
    first_arrest = perp.pnc_date == day and "pnc_id" not in held
    if first_arrest and book.persons.get((inc.perp, "")) == perp_l and rng.random() < 0.3:
        # arrested for the first time: the PNC id sometimes reaches the existing person record
        book.revise("person", perp_l, em.clip(at + 2 * HOUR), {"identifiers": {**held, "pnc_id": perp.pnc}})
        em.updates.append({"agency": POLICE, "type": "person", "local_id": perp_l, "fields": ["identifiers"]})
    assessed = rng.random() < (0.4 if inc.adolescent else 0.75)
    if assessed:
        dash(em, POLICE, vic_l, at, inc.dash)
    if inc.risk == "high" and (assessed or rng.random() < 0.3):  # DASH 14+ or professional judgement
        marac(em, POLICE, vic_l, at)
        if rng.random() < 0.7:
            services.idva_support(em, inc, at + rng.randint(1, 7) * DAY)
    elif inc.risk == "medium" and rng.random() < 0.25:
        services.idva_support(em, inc, at + rng.randint(1, 14) * DAY)
    if inc.adolescent:
        services.childrens_adolescent(em, inc, at + rng.randint(1, 10) * DAY)
        return
    if inc.outcome in ("arrest", "charge") and inc.risk != "standard" and rng.random() < 0.25:
        notice, protection = ("DAPN", "DAPO") if day >= DAPO_FROM and rng.random() < 0.7 else ("DVPN", "DVPO")
        order(em, POLICE, notice, perp_l, vic_l, day, 2)
        if rng.random() < 0.8:
            order(em, POLICE, protection, perp_l, vic_l, day + 2 * DAY, 28 if protection == "DVPO" else 365)
    if inc.outcome == "conviction":
        start = day + rng.randint(30, 150) * DAY
        if rng.random() < 0.5 and start < em.world.as_of:
            order(em, POLICE, "restraining_order", perp_l, vic_l, start, 365 * rng.randint(1, 5))
        services.probation(em, inc, at + rng.randint(30, 150) * DAY)
    recent = {v for d, v in seen if d >= shift_years(day, -3)}
    if len(recent) >= 2 and inc.perp not in em.matac and rng.random() < 0.5:  # MATAC: 2+ victims in 3 years
        em.matac.add(inc.perp)
        when = em.clip(at + rng.randint(3, 28) * DAY)
        referral(em, POLICE, "MATAC", perp_l, "perpetrator", when, ("accepted", "closed"))
        em.task(inc.perp, "MATAC", when)
    if inc.category in INJURY and rng.random() < 0.45:
        services.hospital(em, inc, at + rng.randint(1, 48) * HOUR)
    if rng.random() < 0.04:  # perpetrators known to health for their own needs
        t = at + rng.randint(5, 400) * DAY
        if t < em.cap:
            need(
                em,
                NHS,
                em.person(NHS, inc.perp, t),
                rng.choice(("alcohol", "substance_misuse", "mental_health")),
                t,
            )
    if em.tenants.setdefault(inc.victim, rng.random() < 0.3) and rng.random() < 0.25:
        services.housing(em, inc, at + rng.randint(2, 30) * DAY)
    for child in inc.children:
        services.childrens(em, inc, child, at + rng.randint(1, 10) * DAY)


def recorded_elsewhere(em: Emitter, inc: Incident, at: dt.datetime, perp_l: str, vic_l: str) -> None:
    """An incident only a non-police agency records, with that agency's own follow-up."""
    rng, code = em.rng, inc.recorder
    if code == CHILDRENS:
        services.childrens_adolescent(em, inc, at)
        return
    if code == IDVA:
        if inc.victim not in em.idva_last:
            referral(em, IDVA, "IDVA", vic_l, "victim", at, ("engaged", "disengaged", "closed"))
        em.idva_last[inc.victim] = at.date()
    if rng.random() < {IDVA: 0.7, NHS: 0.4, HOUSING: 0.3}[code]:
        score = dash(em, code, vic_l, at, inc.dash)
        if score >= 14 and rng.random() < 0.7:
            marac(em, code, vic_l, at)
    kinds = {
        IDVA: ("housing", "financial", "mental_health", "parenting"),
        NHS: ("mental_health", "physical_health"),
    }
    if rng.random() < 0.6:
        need(em, code, vic_l, rng.choice(kinds.get(code, ("housing",))), at)
    if code == IDVA and rng.random() < 0.1:
        order(em, IDVA, "non_molestation_order", perp_l, vic_l, at.date() + rng.randint(7, 40) * DAY, 365)


def disclosure(em: Emitter, bond_i: int, at: dt.datetime) -> None:
    """A Right to Ask or Right to Know application about a perpetrator's new partner."""
    rng, bond = em.rng, em.world.bonds[bond_i]
    history = [d for d, _ in em.police_seen.get(bond.a, []) if d < at.date()]
    if not history and rng.random() >= 0.15:
        return
    scheme = "right_to_know" if history and rng.random() < 0.45 else "right_to_ask"
    at = em.clip(at)
    fields: Record = {
        "scheme": scheme,
        "subject": em.person(POLICE, bond.a, at),
        "recipient": em.person(POLICE, bond.b, at),
        "applied_at": rfc3339(at),
    }
    decided = at + rng.randint(10, 45) * DAY
    if decided >= em.cap:
        fields["outcome"] = "pending"
    else:
        disclose = bool(history) and rng.random() < (0.8 if scheme == "right_to_know" else 0.6)
        fields.update(decided_at=rfc3339(decided), outcome="disclosed" if disclose else "not_disclosed")
    book = em.books[POLICE]  # submitted once decided, or while still pending at the end
    book.add("disclosure", at if decided >= em.cap else decided, fields, book.new_id("disclosure", at))


def background(em: Emitter, pid: str, code: str, at: dt.datetime) -> None:
    """A person known to health or housing for reasons unrelated to domestic abuse."""
    at = em.clip(at)
    kinds = ("physical_health", "mental_health") if code == NHS else ("housing", "financial")
    need(em, code, em.person(code, pid, at), em.rng.choice(kinds), at)
