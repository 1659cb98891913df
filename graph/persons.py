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
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from graph.model import PERSON, RECORD_TYPES, RESOLVED_PERSON
from graph.scope import EVENT_DATES, Scope
from graph.store import Graph

RESOLVED_AS = "RESOLVED_AS"
CHILD_HARM_CONCERN = "CHILD_HARM_CONCERN"
PERSON_FIELDS: tuple[str, ...] = ("key", "agency", "local_id", "given_name", "family_name", "other_names", "dob")
PERSON_FIELDS += ("gender", "postcode", "address", "identifiers")


def latest_dobs(graph: Graph, person_ids: Sequence[str]) -> dict[str, dt.date]:
    """The latest date of birth any current record of each person gives (the youngest claim decides age).

    The one read outside a scope, on purpose: it only ever turns a perpetrator into a child harm concern, protecting
    a child whose age another agency knows; the dates themselves are never disclosed."""
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
    date_field = EVENT_DATES.get(label)
    if date_field is None:
        return "", None
    name, fn = date_field
    return f" AND ($since IS NULL OR n.{name} >= {fn}($since))", fn


def find_people(graph: Graph, scope: Scope, person_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """``find_person`` for many resolved ids in one query: id -> row, for the people the scope may read."""
    agencies = scope.agencies(PERSON.label)
    if not agencies or not person_ids:
        return {}
    rows = graph.read(
        f"UNWIND $ids AS pid MATCH (p:{RESOLVED_PERSON} {{person_id: pid}})<-[:{RESOLVED_AS}]-(r:{PERSON.label}) "
        f"WHERE r.deleted IS NULL WITH p, collect(r) AS rs {_VISIBLE_PERSON}",
        ids=sorted(set(person_ids)),
        own=scope.own_agency,
        young=_young(scope),
        agencies=agencies,
    )
    return {row["id"]: _person_row(row) for row in rows}


@dataclass(frozen=True)
class PeopleFilter:
    """Which people a listing holds: those with a record from ``agency``, with the family name ``family_name`` (as
    given, in lower case, in capitals or capitalised) on a record from ``family_name_sources``, and, with
    ``born_after``, only people every dated record of whom gives a date of birth after it (age limits)."""

    agency: str | None = None
    family_name: str | None = None
    family_name_sources: Sequence[str] = ()
    born_after: dt.date | None = None


def list_people(
    graph: Graph, scope: Scope, where: PeopleFilter, *, limit: int, after: str | None = None
) -> list[dict[str, Any]]:
    """People the scope may read that match ``where``, by resolved id, after ``after``, at most ``limit``."""
    agencies = scope.agencies(PERSON.label)
    if not agencies or limit < 1 or (where.agency is not None and where.agency not in agencies):
        return []
    rows = graph.read(
        f"{_people_query(where, after is not None)} {_VISIBLE} WITH p, rs ORDER BY p.person_id LIMIT $limit "
        f"{_PERSON_ROW}",
        **_people_params(scope, agencies, where),
        after=after,
        limit=limit,
    )
    return [_person_row(row) for row in rows]


def count_people(graph: Graph, scope: Scope, where: PeopleFilter) -> int:
    """How many people ``list_people`` would give over all its pages."""
    agencies = scope.agencies(PERSON.label)
    if not agencies or (where.agency is not None and where.agency not in agencies):
        return 0
    rows = graph.read(
        f"{_people_query(where, False)} {_VISIBLE} RETURN count(p) AS n", **_people_params(scope, agencies, where)
    )
    return int(rows[0]["n"]) if rows else 0


def _people_query(where: PeopleFilter, after: bool) -> str:
    """People (``p``) with their current records (``rs``) that match the filter. A family name or an agency anchors
    the query on the indexed records that can match; the conditions are fixed text, the values parameters."""
    if where.family_name is not None:  # the index finds the usual spellings; the exact test is on the lower case
        anchor = (
            f"MATCH (a:{PERSON.label}) WHERE a.family_name IN $spellings AND a.agency IN $family_sources "
            f"AND a.deleted IS NULL MATCH (a)-[:{RESOLVED_AS}]->(p:{RESOLVED_PERSON}) WITH DISTINCT p "
        )
    elif where.agency is not None:
        anchor = (
            f"MATCH (a:{PERSON.label}) WHERE a.agency = $agency AND a.deleted IS NULL "
            f"MATCH (a)-[:{RESOLVED_AS}]->(p:{RESOLVED_PERSON}) WITH DISTINCT p "
        )
    else:
        anchor = f"MATCH (p:{RESOLVED_PERSON}) "
    conditions = ["any(x IN rs WHERE x.agency IN $agencies)"]
    if where.agency is not None:
        conditions.append("any(x IN rs WHERE x.agency = $agency)")
    if where.family_name is not None:
        conditions.append("any(x IN rs WHERE x.agency IN $family_sources AND toLower(x.family_name) = $family)")
    if where.born_after is not None:  # every date of birth any record gives must be young enough, and one must
        conditions.append(
            "any(x IN rs WHERE x.dob IS NOT NULL) AND all(x IN rs WHERE x.dob IS NULL OR x.dob > date($born_after))"
        )
    return (
        f"{anchor}{'WHERE p.person_id > $after ' if after else ''}"
        f"MATCH (p)<-[:{RESOLVED_AS}]-(r:{PERSON.label}) WHERE r.deleted IS NULL "
        f"WITH p, collect(r) AS rs WHERE {' AND '.join(conditions)}"
    )


# the scope's age limit: every date of birth any of the records ``rs`` gives is recent enough, and one is given
_YOUNG_ENOUGH = (
    "($young IS NULL OR (any(x IN rs WHERE x.dob IS NOT NULL) "
    "AND all(x IN rs WHERE x.dob IS NULL OR x.dob > date($young))))"
)
# a person ``p`` with current records ``rs`` is visible when the scope may read one of them (and, for own-records
# purposes, the caller's agency holds one)
_VISIBLE = (
    "WITH p, rs WHERE any(x IN rs WHERE x.agency IN $agencies) AND ($own IS NULL OR any(x IN rs WHERE x.agency = $own))"
    f" AND {_YOUNG_ENOUGH}"
)
# the row a visible person is read as: the records the scope may read, and every date of birth (age limits)
_PERSON_ROW = (
    "RETURN p.person_id AS id, [x IN rs WHERE x.agency IN $agencies | properties(x)] AS records, "
    "[x IN rs WHERE x.dob IS NOT NULL | x.dob] AS dobs"
)
_VISIBLE_PERSON = f"{_VISIBLE} {_PERSON_ROW}"


def _people_params(scope: Scope, agencies: list[str], where: PeopleFilter) -> dict[str, Any]:
    family = where.family_name.strip() if where.family_name is not None else None
    return {
        "agencies": agencies,
        "own": scope.own_agency,
        "young": _young(scope),
        "agency": where.agency,
        "family": family.lower() if family is not None else None,
        "spellings": sorted({family, family.lower(), family.upper(), family.title(), family.capitalize()})
        if family is not None
        else [],
        "family_sources": [s for s in where.family_name_sources if s in agencies],
        "born_after": where.born_after.isoformat() if where.born_after else None,
    }


def _young(scope: Scope) -> str | None:
    return scope.born_after.isoformat() if scope.born_after else None


def _person_row(row: dict[str, Any]) -> dict[str, Any]:
    row["records"] = sorted((_person_props(r) for r in row["records"]), key=lambda r: r["key"])
    return row


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
        "WITH p, collect(r) AS rs WHERE ($own IS NULL OR any(x IN rs WHERE x.agency = $own)) "
        f"AND {_YOUNG_ENOUGH} "
        "RETURN p.person_id AS id, [x IN rs WHERE x.agency IN $agencies | properties(x)] AS records, "
        "[x IN rs WHERE x.dob IS NOT NULL | x.dob] AS dobs",
        id=person_id if person_id is not None else record,
        own=scope.own_agency,
        young=_young(scope),
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


def find_incidents(graph: Graph, scope: Scope, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Incidents by key (``agency:local_id``) that the scope may read, each with the resolved people it names through
    readable links: key -> {``record``: properties, ``named``: [[relationship type, person id, the agencies holding
    a current record of the person, the dates of birth those records give]]}. One read whether the incidents exist,
    are hidden or name nobody the caller may see; keys of agencies the scope does not read are not even looked up."""
    label = RECORD_TYPES["incident"].label
    agencies, roles = scope.agencies(label), list(scope.links.get(label, ()))
    wanted = sorted({k for k in keys if k.split(":", 1)[0] in agencies})
    if not wanted or not roles:
        return {}
    retention, _ = retention_clause(label)
    rows = graph.read(
        f"UNWIND $keys AS k MATCH (n:{label} {{key: k}}) WHERE n.agency IN $agencies AND n.deleted IS NULL{retention} "
        f"OPTIONAL MATCH (n)-[rel]->(:{PERSON.label})-[:{RESOLVED_AS}]->(p:{RESOLVED_PERSON}) "
        "WHERE type(rel) IN $roles "
        f"OPTIONAL MATCH (p)<-[:{RESOLVED_AS}]-(h:{PERSON.label}) WHERE h.deleted IS NULL "
        "WITH n, rel, p, collect(h.agency) AS held, collect(h.dob) AS dobs "
        "RETURN properties(n) AS record, collect([type(rel), p.person_id, held, dobs]) AS named",
        keys=wanted,
        agencies=agencies,
        roles=roles,
        since=scope.since.isoformat() if scope.since else None,
    )
    return {
        row["record"]["key"]: {"record": row["record"], "named": [n for n in row["named"] if n[1] is not None]}
        for row in rows
    }


@dataclass(frozen=True)
class IncidentFilter:
    """Which incidents a listing holds: from these agencies, in ``[start, end)`` (date-times), of these categories."""

    agencies: Sequence[str]
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    categories: Sequence[str] | None = None


def list_incidents(
    graph: Graph,
    scope: Scope,
    where: IncidentFilter,
    *,
    limit: int,
    newest_first: bool = True,
    after: tuple[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Incidents the scope may read that match ``where``, ordered by when they happened (then by key), after the
    (occurred_at, key) position ``after``, at most ``limit``. Each row: ``record`` and its ``at`` as text."""
    label = RECORD_TYPES["incident"].label
    agencies = [a for a in where.agencies if a in scope.agencies(label)]
    if not agencies or limit < 1:
        return []
    op, direction = ("<", "DESC") if newest_first else (">", "ASC")
    position = (
        [f"(n.occurred_at {op} datetime($at) OR (n.occurred_at = datetime($at) AND n.key {op} $key))"] if after else []
    )
    return graph.read(
        f"{_incidents_query(scope, where, position)} WITH n ORDER BY n.occurred_at {direction}, n.key {direction} "
        "LIMIT $limit RETURN properties(n) AS record, toString(n.occurred_at) AS at",
        **_incident_params(scope, where, agencies),
        at=after[0] if after else None,
        key=after[1] if after else None,
        limit=limit,
    )


def count_incidents(graph: Graph, scope: Scope, where: IncidentFilter) -> int:
    """How many incidents ``list_incidents`` would give over all its pages."""
    label = RECORD_TYPES["incident"].label
    agencies = [a for a in where.agencies if a in scope.agencies(label)]
    if not agencies:
        return 0
    rows = graph.read(
        f"{_incidents_query(scope, where, [])} RETURN count(n) AS n", **_incident_params(scope, where, agencies)
    )
    return int(rows[0]["n"]) if rows else 0


def _incidents_query(scope: Scope, where: IncidentFilter, more: list[str]) -> str:
    """Current incidents (``n``) of the listing: only the conditions that apply, so that indexes can serve them."""
    conditions = ["n.agency IN $agencies", "n.deleted IS NULL"]
    if scope.since is not None:
        conditions.append("n.occurred_at >= datetime($since)")
    if where.start is not None:
        conditions.append("n.occurred_at >= datetime($start)")
    if where.end is not None:
        conditions.append("n.occurred_at < datetime($end)")
    if where.categories is not None:
        conditions.append("n.category IN $categories")
    return f"MATCH (n:{RECORD_TYPES['incident'].label}) WHERE {' AND '.join([*conditions, *more])}"


def _incident_params(scope: Scope, where: IncidentFilter, agencies: list[str]) -> dict[str, Any]:
    return {
        "agencies": agencies,
        "since": scope.since.isoformat() if scope.since else None,
        "start": _utc_text(where.start),
        "end": _utc_text(where.end),
        "categories": list(where.categories) if where.categories is not None else None,
    }


def _utc_text(moment: dt.datetime | None) -> str | None:
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(dt.UTC).isoformat()
