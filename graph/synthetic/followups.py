"""What an incident sets in motion across the partnership.

Police incidents lead to DASH assessments, MARAC referrals for high risk, IDVA support, protective
notices and orders, MATAC referral once a perpetrator has several victims, probation supervision
after conviction, hospital attendances, housing contacts and children's social care referrals for
children present. An incident another agency records (the victim told the IDVA, a nurse or a
housing officer) stays in that agency: that is how a series stays invisible without linkage.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from .books import CHILDRENS, HOUSING, IDVA, NHS, POLICE, PROBATION, Record
from .model import DAY, Incident, rfc3339, shift_years

if TYPE_CHECKING:
    from .records import Emitter

INJURY = ("physical", "sexual", "non_fatal_strangulation")
# Domestic Abuse Protection Notices/Orders replace DVPN/DVPO in the pilot forces from late 2024.
DAPO_FROM = dt.date(2024, 11, 27)
HOUR = dt.timedelta(hours=1)


def _level(score: int) -> str:
    return "high" if score >= 14 else "medium" if score >= 9 else "standard"


def _status(em: Emitter, at: dt.datetime, settled: tuple[str, ...]) -> str:
    """Recent referrals are still open; older ones have moved on."""
    return "open" if at > em.cap - 21 * DAY else em.rng.choice(settled)


def dash(em: Emitter, code: str, subject: str, at: dt.datetime, score: int) -> int:
    score = max(0, min(27, score))
    fields = {"subject": subject, "tool": "DASH", "score": score, "level": _level(score), "assessed_at": rfc3339(at)}
    em.books[code].add("risk_assessment", em.clip(at + em.rng.randint(10, 240) * dt.timedelta(minutes=1)), fields)
    return score


def referral(em: Emitter, code: str, forum: str, subject: str, role: str, at: dt.datetime, settled: tuple[str, ...]) -> None:
    at = em.clip(at)
    fields = {"forum": forum, "subject": subject, "role": role, "referred_at": rfc3339(at)}
    em.books[code].add("referral", at, {**fields, "status": _status(em, at, settled)})


def marac(em: Emitter, code: str, victim_l: str, at: dt.datetime) -> None:
    referral(em, code, "MARAC", victim_l, "victim", at + em.rng.randint(1, 5) * DAY, ("accepted",))


def need(em: Emitter, code: str, subject: str, kind: str, at: dt.datetime) -> None:
    at = em.clip(at)
    em.books[code].add("support_need", at, {"subject": subject, "need": kind, "noted_at": rfc3339(at)})


def order(em: Emitter, code: str, kind: str, subject: str, protected: str, start: dt.date, length: int) -> None:
    at = em.clip(dt.datetime.combine(start, dt.time(10)) + em.rng.randint(0, 300) * dt.timedelta(minutes=1))
    recent = start > em.world.as_of - 14 * DAY
    status = "applied" if recent and kind == "non_molestation_order" else "refused" if em.rng.random() < 0.04 else "granted"
    fields: Record = {"kind": kind, "subject": subject, "protected": [protected], "start": start.isoformat()}
    fields.update(end=(start + length * DAY).isoformat(), status=status)
    em.books[code].add("order", at, fields)


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
    if perp.pnc_date == day and "pnc_id" not in held and book.persons.get((inc.perp, 0)) == perp_l:
        # arrested for the first time: the PNC id reaches the existing person record as an update
        book.revise("person", perp_l, em.clip(at + 2 * HOUR), {"identifiers": {**held, "pnc_id": perp.pnc}})
        em.updates.append({"agency": POLICE, "type": "person", "local_id": perp_l, "fields": ["identifiers"]})
    assessed = rng.random() < (0.35 if inc.adolescent else 0.6)
    if assessed:
        dash(em, POLICE, vic_l, at, inc.dash)
    if inc.risk == "high" and (assessed or rng.random() < 0.3):  # DASH 14+ or professional judgement
        marac(em, POLICE, vic_l, at)
        if rng.random() < 0.7:
            idva_support(em, inc, at + rng.randint(1, 7) * DAY)
    elif inc.risk == "medium" and rng.random() < 0.15:
        idva_support(em, inc, at + rng.randint(1, 14) * DAY)
    if inc.adolescent:
        childrens_adolescent(em, inc, at + rng.randint(1, 10) * DAY)
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
        probation(em, inc, at + rng.randint(30, 150) * DAY)
    recent = {v for d, v in seen if d >= shift_years(day, -3)}
    if len(recent) >= 2 and inc.perp not in em.matac and rng.random() < 0.5:  # MATAC: 2+ victims in 3 years
        em.matac.add(inc.perp)
        referral(em, POLICE, "MATAC", perp_l, "perpetrator", at + rng.randint(3, 28) * DAY, ("accepted", "closed"))
    if inc.category in INJURY and rng.random() < 0.35:
        hospital(em, inc, at + rng.randint(1, 48) * HOUR)
    if rng.random() < 0.04:  # perpetrators known to health for their own needs
        t = at + rng.randint(5, 400) * DAY
        if t < em.cap:
            need(em, NHS, em.person(NHS, inc.perp, t), rng.choice(("alcohol", "substance_misuse", "mental_health")), t)
    if em.tenants.setdefault(inc.victim, rng.random() < 0.3) and rng.random() < 0.25:
        housing(em, inc, at + rng.randint(2, 30) * DAY)
    for child in inc.children:
        childrens(em, inc, child, at + rng.randint(1, 10) * DAY)


def recorded_elsewhere(em: Emitter, inc: Incident, at: dt.datetime, perp_l: str, vic_l: str) -> None:
    """An incident only a non-police agency records, with that agency's own follow-up."""
    rng, code = em.rng, inc.recorder
    if code == CHILDRENS:
        childrens_adolescent(em, inc, at)
        return
    if code == IDVA:
        if inc.victim not in em.idva_last:
            referral(em, IDVA, "IDVA", vic_l, "victim", at, ("engaged", "disengaged", "closed"))
        em.idva_last[inc.victim] = at.date()
    if rng.random() < {IDVA: 0.7, NHS: 0.4, HOUSING: 0.3}[code]:
        score = dash(em, code, vic_l, at, inc.dash)
        if score >= 14 and rng.random() < 0.7:
            marac(em, code, vic_l, at)
    kinds = {IDVA: ("housing", "financial", "mental_health", "parenting"), NHS: ("mental_health", "physical_health")}
    if rng.random() < 0.6:
        need(em, code, vic_l, rng.choice(kinds.get(code, ("housing",))), at)
    if code == IDVA and rng.random() < 0.1:
        order(em, IDVA, "non_molestation_order", perp_l, vic_l, at.date() + rng.randint(7, 40) * DAY, 365)


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
        need(em, IDVA, vic_l, rng.choice(("housing", "financial", "mental_health", "substance_misuse", "parenting")), at)
    if rng.random() < 0.35:
        perp_l = em.person(IDVA, inc.perp, at, hearsay=True)
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
        em.books[PROBATION].add("risk_assessment", at, {**fields, "level": _level(score + 1)})
    settled = ("accepted", "engaged", "engaged", "disengaged", "closed")
    if rng.random() < (0.55 if first else 0.3):
        referral(em, PROBATION, "perpetrator_programme", perp_l, "perpetrator", at + 7 * DAY, settled)
    if not first:
        return
    if rng.random() < 0.2:
        referral(em, PROBATION, "IOM", perp_l, "perpetrator", at + 3 * DAY, ("accepted", "closed"))
    if ((inc.harm or 0) >= 365 and rng.random() < 0.3) or rng.random() < 0.04:
        referral(em, PROBATION, "MAPPA", perp_l, "perpetrator", at + 5 * DAY, ("accepted", "closed"))
    for kind, chance in (("alcohol", 0.35), ("substance_misuse", 0.25), ("mental_health", 0.25), ("employment", 0.2)):
        if rng.random() < chance:
            need(em, PROBATION, perp_l, kind, at)
    if rng.random() < 0.4:  # victim contact scheme
        em.link_bond(PROBATION, inc, perp_l, em.person(PROBATION, inc.victim, at), at)


def disclosure(em: Emitter, bond_i: int, at: dt.datetime) -> None:
    """A Right to Ask or Right to Know application about a perpetrator's new partner."""
    rng, bond = em.rng, em.world.bonds[bond_i]
    history = [d for d, _ in em.police_seen.get(bond.a, []) if d < at.date()]
    if not history and rng.random() >= 0.15:
        return
    scheme = "right_to_know" if history and rng.random() < 0.4 else "right_to_ask"
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
    book = em.books[POLICE]
    book.add("disclosure", at, fields, book.new_id("disclosure", at))


def background(em: Emitter, pid: str, code: str, at: dt.datetime) -> None:
    """A person known to health or housing for reasons unrelated to domestic abuse."""
    at = em.clip(at)
    kinds = ("physical_health", "mental_health") if code == NHS else ("housing", "financial")
    need(em, code, em.person(code, pid, at), em.rng.choice(kinds), at)
