"""Partner services an incident can lead to: the IDVA service, hospital, housing, children's
social care and probation. Each records the people it meets under its own local ids."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from .actions import HOUR, dash, level, marac, need, order, referral
from .books import CHILDRENS, HOUSING, IDVA, NHS, PROBATION
from .model import DAY, Incident, rfc3339

if TYPE_CHECKING:
    from .records import Emitter


def idva_support(em: Emitter, inc: Incident, at: dt.datetime) -> None:
    rng = em.rng
    last = em.idva_last.get(inc.victim)
    if at >= em.cap or (last and (at.date() - last).days < 365):
        return
    em.idva_last[inc.victim] = at.date()
    vic_l = em.person(IDVA, inc.victim, at)
    referral(em, IDVA, "IDVA", vic_l, "victim", at, ("engaged", "engaged", "disengaged", "closed"))
    if rng.random() < 0.5:
        dash(em, IDVA, vic_l, at + HOUR, inc.dash + rng.randint(-2, 2))
    if rng.random() < 0.5:
        need(
            em,
            IDVA,
            vic_l,
            rng.choice(("housing", "financial", "mental_health", "substance_misuse", "parenting")),
            at,
        )
    if rng.random() < 0.35:
        perp_l = em.person(IDVA, inc.perp, at, about=inc.victim)
        em.link_bond(IDVA, inc, perp_l, vic_l, at)
        start = at.date() + rng.randint(7, 40) * DAY
        if rng.random() < 0.35 and start < em.world.as_of:
            order(em, IDVA, "non_molestation_order", perp_l, vic_l, start, 365)


def hospital(em: Emitter, inc: Incident, at: dt.datetime) -> None:
    rng = em.rng
    at = em.clip(at)
    vic_l = em.person(NHS, inc.victim, at)
    if rng.random() < 0.6:
        need(em, NHS, vic_l, "physical_health", at)
    if rng.random() < 0.35:
        need(em, NHS, vic_l, "mental_health", at + rng.randint(7, 90) * DAY)
    if rng.random() < 0.15:  # seen by the hospital IDVA
        score = dash(em, NHS, vic_l, at, inc.dash + rng.randint(-2, 2))
        if score >= 14 and rng.random() < 0.4:
            marac(em, NHS, vic_l, at)


def housing(em: Emitter, inc: Incident, at: dt.datetime) -> None:
    rng = em.rng
    at = em.clip(at)
    vic_l = em.person(HOUSING, inc.victim, at)
    if rng.random() < 0.6:
        need(em, HOUSING, vic_l, "housing", at)
    if rng.random() < 0.2:
        need(em, HOUSING, vic_l, "financial", at)
    if rng.random() < 0.4:  # the perpetrator as a joint tenant or household member
        em.link_bond(HOUSING, inc, em.person(HOUSING, inc.perp, at), vic_l, at)


def childrens(em: Emitter, inc: Incident, child: str, at: dt.datetime) -> None:
    rng = em.rng
    first = em.known(CHILDRENS, child) is None
    if rng.random() >= (0.5 if first else 0.15) or at >= em.cap:
        return
    child_l = em.person(CHILDRENS, child, at)
    em.person(CHILDRENS, inc.victim, at)
    if rng.random() < 0.6:
        perp_l = em.person(CHILDRENS, inc.perp, at)
        if inc.perp not in em.people[child].parents:
            em.link(CHILDRENS, perp_l, child_l, "household_member", at)
    em.link_parents(CHILDRENS, child, child_l, at)
    referral(em, CHILDRENS, "MASH", child_l, "child", at, ("accepted", "closed"))
    if first and rng.random() < 0.3:
        need(em, CHILDRENS, em.person(CHILDRENS, inc.victim, at), "parenting", at)


def childrens_adolescent(em: Emitter, inc: Incident, at: dt.datetime) -> None:
    """Child-to-parent violence is a safeguarding matter: the adolescent is referred as a child."""
    rng = em.rng
    first = em.known(CHILDRENS, inc.perp) is None
    if (inc.recorder != CHILDRENS and rng.random() >= (0.6 if first else 0.2)) or at >= em.cap:
        return
    teen_l = em.person(CHILDRENS, inc.perp, at)
    em.person(CHILDRENS, inc.victim, at)
    em.link_parents(CHILDRENS, inc.perp, teen_l, at)
    referral(em, CHILDRENS, "MASH", teen_l, "child", at, ("accepted", "closed"))
    if first and rng.random() < 0.3:
        need(em, CHILDRENS, em.person(CHILDRENS, inc.victim, at), "parenting", at)


def probation(em: Emitter, inc: Incident, at: dt.datetime) -> None:
    rng = em.rng
    if not em.people[inc.perp].crn or at >= em.cap:
        return
    first = em.known(PROBATION, inc.perp) is None
    perp_l = em.person(PROBATION, inc.perp, at)
    if first or rng.random() < 0.5:
        score = max(0, min(20, round(rng.gauss(9 + (3 if (inc.harm or 0) >= 300 else 0), 3))))
        fields = {"subject": perp_l, "tool": "SARA", "score": score, "assessed_at": rfc3339(at)}
        em.books[PROBATION].add("risk_assessment", at, {**fields, "level": level(score + 1)})
    settled = ("accepted", "engaged", "engaged", "disengaged", "closed")
    if rng.random() < (0.55 if first else 0.3):
        when = em.clip(at + 7 * DAY)
        referral(em, PROBATION, "perpetrator_programme", perp_l, "perpetrator", when, settled)
        em.task(inc.perp, "perpetrator_programme", when)
    if not first:
        return
    if rng.random() < 0.2:
        referral(em, PROBATION, "IOM", perp_l, "perpetrator", at + 3 * DAY, ("accepted", "closed"))
    if ((inc.harm or 0) >= 365 and rng.random() < 0.3) or rng.random() < 0.04:
        referral(em, PROBATION, "MAPPA", perp_l, "perpetrator", at + 5 * DAY, ("accepted", "closed"))
    for kind, chance in (
        ("alcohol", 0.35),
        ("substance_misuse", 0.25),
        ("mental_health", 0.25),
        ("employment", 0.2),
    ):
        if rng.random() < chance:
            need(em, PROBATION, perp_l, kind, at)
    if rng.random() < 0.4:  # victim contact scheme
        em.link_bond(PROBATION, inc, perp_l, em.person(PROBATION, inc.victim, at), at)
