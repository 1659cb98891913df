"""Resolved people and what is recorded about them, read within a ``Scope``.

The scope is the record-level part of a policy decision, pushed into the Cypher: which agencies' records of each type
may be read, which reference links, and the retention cut-off. Nothing outside it leaves the database, so a record
the caller may not see costs the same as one that does not exist. Field-level rules (which properties, masks) are
applied by the caller on what comes back.

Every person record belongs to one resolved ``Person`` (``RESOLVED_AS``). Until identity resolution has linked them,
each record is a person of its own: ``ensure_people`` gives new records a singleton with a random, stable id.

Under-16s are never returned as perpetrators: a ``PERPETRATOR`` link whose person was under 16 at the incident (by
the latest date of birth any of their records gives) comes back as ``CHILD_HARM_CONCERN``.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graph.model import PERSON, RECORD_TYPES, RESOLVED_PERSON
from graph.store import Graph

RESOLVED_AS = "RESOLVED_AS"
CHILD_HARM_CONCERN = "CHILD_HARM_CONCERN"
PERSON_FIELDS: tuple[str, ...] = ("key", "agency", "local_id", "given_name", "family_name", "other_names", "dob")
PERSON_FIELDS += ("gender", "postcode", "address", "identifiers")


@dataclass(frozen=True)
class Scope:
    """What may be read at all. Labels missing from ``sources`` are not readable."""

    sources: Mapping[str, Sequence[str]]  # node label -> agencies whose records of that label may be read
    links: Mapping[str, Sequence[str]] = field(default_factory=dict)  # label -> reference relationship types
    since: dt.date | None = None  # retention: records dated before this are not read
    own_agency: str | None = None  # only people this agency itself holds a current record of

    def agencies(self, label: str) -> list[str]:
        return list(self.sources.get(label, ()))


def latest_dobs(graph: Graph, person_ids: Sequence[str]) -> dict[str, dt.date]:
    """The latest date of birth any current record of each person gives (the youngest claim decides age)."""
    rows = graph.read(
        f"UNWIND $ids AS pid MATCH (p:{RESOLVED_PERSON} {{person_id: pid}})<-[:{RESOLVED_AS}]-(k:{PERSON.label}) "
        "WHERE k.deleted IS NULL AND k.dob IS NOT NULL RETURN pid, max(k.dob) AS dob",
        ids=list(person_ids),
    )
    return {row["pid"]: row["dob"].to_native() if hasattr(row["dob"], "to_native") else row["dob"] for row in rows}


def shown_role(link: str, dob: dt.date | None, occurred: dt.date) -> str:
    """The role the hub shows for an incident link: never a perpetrator under 16 (the same rule as ``_ROLE``)."""
    if link == "PERPETRATOR" and dob is not None:
        sixteenth = dob.replace(year=dob.year + 16) if (dob.month, dob.day) != (2, 29) else dt.date(dob.year + 16, 3, 1)
        if sixteenth > occurred:
            return CHILD_HARM_CONCERN
    return link


def new_person_id() -> str:
    return "HP-" + secrets.token_hex(6).upper()


def ensure_people(graph: Graph, agency: str | None = None, batch: int = 5000) -> int:
    """Give every person record that has no resolved person a singleton one; return how many were made."""
    made = 0
    while True:
        keys = [
            row["key"]
            for row in graph.read(
                f"MATCH (r:{PERSON.label}) WHERE ($agency IS NULL OR r.agency = $agency) "
                f"AND NOT (r)-[:{RESOLVED_AS}]->(:{RESOLVED_PERSON}) RETURN r.key AS key LIMIT $batch",
                agency=agency,
                batch=batch,
            )
        ]
        if not keys:
            return made
        graph.write(
            f"UNWIND $pairs AS p MATCH (r:{PERSON.label} {{key: p[0]}}) "
            f"CREATE (r)-[:{RESOLVED_AS}]->(:{RESOLVED_PERSON} {{person_id: p[1]}})",
            pairs=[[key, new_person_id()] for key in keys],
        )
        made += len(keys)


def retention_clause(label: str) -> tuple[str, str | None]:
    """The retention condition on ``n`` for this label, and the Cypher temporal function of its date."""
    date_field = _EVENT_DATES.get(label)
    if date_field is None:
        return "", None
    name, fn = date_field
    return f" AND ($since IS NULL OR n.{name} >= {fn}($since))", fn


# the date that places each kind of record in time, and its temporal type
_EVENT_DATES = {
    "Relationship": ("start", "date"),
    "Incident": ("occurred_at", "datetime"),
    "RiskAssessment": ("assessed_at", "datetime"),
    "ProtectiveOrder": ("start", "date"),
    "Referral": ("referred_at", "datetime"),
    "Disclosure": ("applied_at", "datetime"),
    "SupportNeed": ("noted_at", "datetime"),
}


def find_person(graph: Graph, scope: Scope, *, person_id: str | None = None, record: str | None = None) -> dict | None:
    """A person by resolved id or by one of their records' keys, with the records the scope may read.

    None when there is no such person, when none of their records may be read, or when the scope asks for people
    of the caller's own agency and this one is not: the three are indistinguishable to the caller.
    """
    agencies = scope.agencies(PERSON.label)
    if not agencies or (person_id is None) == (record is None):
        return None
    if record is not None and record.split(":", 1)[0] not in agencies:
        return None  # a record the caller may not read is not even looked up: nothing to learn from timing
    anchor = (
        f"MATCH (p:{RESOLVED_PERSON} {{person_id: $id}})"
        if person_id is not None
        else f"MATCH (:{PERSON.label} {{key: $id}})-[:{RESOLVED_AS}]->(p:{RESOLVED_PERSON})"
    )
    rows = graph.read(
        f"{anchor} MATCH (p)<-[:{RESOLVED_AS}]-(r:{PERSON.label}) WHERE r.deleted IS NULL "
        "WITH p, collect(r) AS rs WHERE $own IS NULL OR any(x IN rs WHERE x.agency = $own) "
        "RETURN p.person_id AS id, [x IN rs WHERE x.agency IN $agencies | properties(x)] AS records, "
        "[x IN rs WHERE x.dob IS NOT NULL | x.dob] AS dobs",
        id=person_id if person_id is not None else record,
        own=scope.own_agency,
        agencies=agencies,
    )
    if not rows or not rows[0]["records"]:
        return None
    row = rows[0]
    row["records"] = sorted((_person_props(r) for r in row["records"]), key=lambda r: r["key"])
    return row


def _person_props(props: dict[str, Any]) -> dict[str, Any]:
    return {name: props.get(name) for name in PERSON_FIELDS}


# every current record of the person ``p``: the latest date of birth any gives (the youngest claim) decides age
_HOLDERS = f"OPTIONAL MATCH (p)<-[:{RESOLVED_AS}]-(k:{PERSON.label}) WHERE k.deleted IS NULL"
# an under-16's perpetrator link, as the role the hub shows: a safeguarding concern, never a perpetrator
_ROLE = (
    "CASE WHEN type(rel) = 'PERPETRATOR' AND dob IS NOT NULL AND dob + duration({years: 16}) > date(n.occurred_at) "
    f"THEN '{CHILD_HARM_CONCERN}' ELSE type(rel) END AS role"
)


def incidents_of(graph: Graph, scope: Scope, person_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Each (person, role, incident) the scope may read, oldest incident first."""
    label = RECORD_TYPES["incident"].label
    agencies, roles = scope.agencies(label), list(scope.links.get(label, ()))
    if not agencies or not roles or not person_ids:
        return []
    retention, _ = retention_clause(label)
    rows = graph.read(
        f"UNWIND $ids AS pid MATCH (p:{RESOLVED_PERSON} {{person_id: pid}})<-[:{RESOLVED_AS}]-(:{PERSON.label})"
        f"<-[rel]-(n:{label}) WHERE type(rel) IN $roles AND n.agency IN $agencies AND n.deleted IS NULL{retention} "
        f"{_HOLDERS} WITH pid, rel, n, max(k.dob) AS dob "
        f"RETURN pid AS person, {_ROLE}, properties(n) AS record ORDER BY n.occurred_at, n.key",
        ids=list(person_ids),
        roles=roles,
        agencies=agencies,
        since=scope.since.isoformat() if scope.since else None,
    )
    return rows


def records_of(graph: Graph, scope: Scope, label: str, person_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Each (person, link, record) of this label that names one of the people through a readable link, with the
    resolved people its readable links point to (``links``: [relationship type, person id] pairs)."""
    agencies, rels = scope.agencies(label), list(scope.links.get(label, ()))
    if not agencies or not rels or not person_ids:
        return []
    retention, _ = retention_clause(label)
    return graph.read(
        f"UNWIND $ids AS pid MATCH (:{RESOLVED_PERSON} {{person_id: pid}})<-[:{RESOLVED_AS}]-(:{PERSON.label})"
        f"<-[rel]-(n:{label}) WHERE type(rel) IN $rels AND n.agency IN $agencies AND n.deleted IS NULL{retention} "
        f"OPTIONAL MATCH (n)-[x]->(:{PERSON.label})-[:{RESOLVED_AS}]->(q:{RESOLVED_PERSON}) WHERE type(x) IN $rels "
        "WITH pid, rel, n, collect([type(x), q.person_id]) AS links "
        "RETURN pid AS person, type(rel) AS link, properties(n) AS record, links ORDER BY n.key",
        ids=list(person_ids),
        rels=rels,
        agencies=agencies,
        since=scope.since.isoformat() if scope.since else None,
    )


def incident_people(graph: Graph, scope: Scope, incident_keys: Sequence[str]) -> list[dict[str, Any]]:
    """For each readable incident, the resolved people it names through readable links, with their role."""
    label = RECORD_TYPES["incident"].label
    agencies, roles = scope.agencies(label), list(scope.links.get(label, ()))
    if not agencies or not roles or not incident_keys:
        return []
    retention, _ = retention_clause(label)
    return graph.read(
        f"UNWIND $keys AS k MATCH (n:{label} {{key: k}})-[rel]->(:{PERSON.label})-[:{RESOLVED_AS}]->"
        f"(p:{RESOLVED_PERSON}) WHERE type(rel) IN $roles AND n.agency IN $agencies AND n.deleted IS NULL{retention} "
        f"{_HOLDERS} WITH n, rel, p, max(k.dob) AS dob, collect(k.agency) AS held "
        "WHERE $own IS NULL OR $own IN held "  # own-records scope: only people the caller's agency holds too
        f"RETURN n.key AS incident, p.person_id AS person, {_ROLE} ORDER BY n.key, role, person",
        keys=list(incident_keys),
        roles=roles,
        agencies=agencies,
        since=scope.since.isoformat() if scope.since else None,
        own=scope.own_agency,
    )
