"""The ground truth: which records stand for which true person, who harmed whom, and the traps.

Tests and evaluations compare the hub's identity resolution and serial-perpetrator ranking with
this file. ``serial`` follows the MATAC definition: aged 16+ and recorded as suspect on more than
one domestic abuse incident against two or more different victims within the 3 years before
``as_of``, counting incidents in any agency's file (a series police never saw is still a series).
``victims`` and ``victims_all_time`` both list every victim ever; ``victims_3y`` those inside the
MATAC window. ``familial`` means the victims include a relative (so it is true for every
``adolescent_to_parent`` case); those under-16 cases are never serial and their person carries the
role ``adolescent_to_parent``, never ``perpetrator``.
"""

from __future__ import annotations

import itertools
from typing import Any

from .books import AGENCIES, POLICE
from .model import Incident, Person, World, rfc3339, shift_years
from .records import Emitter


def _ref(agency: str, local_id: str) -> dict[str, str]:
    return {"agency": agency, "local_id": local_id}


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def build(spec: dict[str, Any], world: World, em: Emitter, updates: list[Any], withdrawn: list[Any]) -> dict[str, Any]:
    records: dict[str, list[tuple[str, str]]] = {}
    for code in AGENCIES:
        for (pid, _slot), local_id in em.books[code].persons.items():
            records.setdefault(pid, []).append((code, local_id))
    known = {pid for pid in records}  # membership only
    people = [_person(world.people[pid], sorted(records[pid]), known) for pid in sorted(records)]
    police_known = {pid for pid, recs in records.items() if any(code == POLICE for code, _ in recs)}
    window = shift_years(world.as_of, -3)
    incidents, perpetrators = [], []
    for story in world.stories:
        for inc in story.incidents:
            incidents.append(_incident(inc, em.incident_records.get(inc.id, [])))
        perp = world.people[story.perp]
        victims = _unique([i.victim for i in story.incidents])
        recent = [i for i in story.incidents if i.at.date() >= window and perp.age_on(i.at.date()) >= 16]
        recent_victims = _unique([i.victim for i in recent])
        perpetrators.append(
            {
                "id": story.perp,
                "victims": victims,
                "victims_all_time": victims,
                "victims_3y": recent_victims,
                "serial": not story.adolescent and len(recent) > 1 and len(recent_victims) >= 2,
                "serial_all_time": not story.adolescent and len(victims) >= 2,
                "familial": story.familial,
                "adolescent_to_parent": story.adolescent,
                "incidents": [_ref(a, lid) for i in story.incidents for a, lid in em.incident_records.get(i.id, [])],
                "incidents_3y": len(recent),
                "harm_3y": round(sum(i.harm or 0 for i in recent), 1),
                "victims_unknown_to_police": [v for v in victims if v not in police_known],
            }
        )
    return {
        "spec": spec,
        "people": people,
        "perpetrators": perpetrators,
        "incidents": incidents,
        "lookalikes": _lookalikes(world, sorted(records)),
        "twins": [{"a": p["id"], "b": p["twin_of"]} for p in people if p["twin_of"] and p["id"] < p["twin_of"]],
        "second_urns": [
            {"id": pid, "agency": POLICE, "local_ids": [em.books[POLICE].persons[(pid, "")], local_id]}
            for (pid, slot), local_id in em.books[POLICE].persons.items()
            if slot == "urn2"
        ],
        "updates": updates,
        "withdrawn": withdrawn,
    }


def _person(p: Person, recs: list[tuple[str, str]], known: set[str]) -> dict[str, Any]:
    ids = {"nhs_number": p.nhs, "ni_number": p.ni, "pnc_id": p.pnc, "probation_crn": p.crn}
    return {
        "id": p.id,
        "role": sorted(p.roles),
        "records": [_ref(a, lid) for a, lid in recs],
        "twin_of": p.twin_of if p.twin_of in known else None,
        "lookalike_of": p.lookalike_of if p.lookalike_of in known else None,
        "given_name": p.given,
        "family_name": p.family,
        "family_names": _unique([p.family] + [name for _, name in p.renames]),
        "dob": p.dob.isoformat(),
        "gender": p.gender,
        "parents": [q for q in p.parents if q in known],
        "school": p.school[1] if p.school else None,
        "identifiers": {k: v for k, v in ids.items() if v},
    }


def _incident(inc: Incident, recs: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "id": inc.id,
        "perpetrator": inc.perp,
        "victims": [inc.victim],
        "children_present": inc.children,
        "occurred_at": rfc3339(inc.at),
        "category": inc.category,
        "harm_score": inc.harm,
        "adolescent_to_parent": inc.adolescent,
        "records": [_ref(a, lid) for a, lid in recs],
    }


def _lookalikes(world: World, ids: list[str]) -> list[dict[str, Any]]:
    """Pairs of different true people who share a given and family name (birth or current)."""
    groups: dict[tuple[str, str], list[str]] = {}
    for pid in ids:
        p = world.people[pid]
        for family in _unique([p.family, p.family_at(world.as_of)]):
            groups.setdefault((p.given, family), []).append(pid)
    pairs: dict[tuple[str, str], dict[str, Any]] = {}
    for (given, family), members in sorted(groups.items()):
        for a, b in itertools.combinations(members, 2):
            if (a, b) in pairs:
                continue
            pa, pb = world.people[a], world.people[b]
            pairs[(a, b)] = {
                "a": a,
                "b": b,
                "name": f"{given} {family}",
                "dob_gap_days": abs((pa.dob - pb.dob).days),
                "deliberate": pa.lookalike_of == b or pb.lookalike_of == a,
            }
    return [pairs[k] for k in sorted(pairs)]
