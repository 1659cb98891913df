"""Reading people and their records under a request's grant: the record-level scope goes into the Cypher, then every
field is kept, masked or dropped per the agreement, and what is disclosed is noted for the audit event.

Link rules are checked per source agency, exactly as Cedar decided them; the scope's links only narrow the query.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from graph import persons
from graph.model import RECORD_TYPES, record_key
from graph.store import Graph
from hub.access.context import Access
from hub.policy.catalogue import FIELDS

# the incident field that discloses each role; an under-16's "perpetrator" link is the same link, shown differently
ROLE_FIELD = {
    "PERPETRATOR": "perpetrators",
    persons.CHILD_HARM_CONCERN: "perpetrators",
    "VICTIM": "victims",
    "CHILD_PRESENT": "children_present",
}
_LINK_FIELD = {(kind.label, rel): name for kind in RECORD_TYPES.values() for name, rel in kind.references.items()}
_ENTITY = {kind.label: kind.name for kind in RECORD_TYPES.values()}


@dataclass
class RecordView:
    """One record as the caller may see it: only the fields the grant allows, masked as it requires."""

    entity: str
    source: str
    key: str
    subject: str | None  # the resolved person this record was reached through
    values: dict[str, Any]
    links: list[tuple[str, str]] = field(default_factory=list)  # (field, resolved person id)


@dataclass
class PersonView:
    id: str
    records: list[RecordView]


def plain_value(value: Any) -> Any:
    if hasattr(value, "iso_format"):  # neo4j temporal values
        value = value.to_native()
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def mask(value: Any, how: str | None) -> Any:
    if value is None or how is None:
        return value
    if how == "redact":
        return None
    text = str(value)
    if how == "initial":
        return text[:1]
    if how == "year":
        return text[:4]
    if how == "month":
        return text[:7]
    if how == "district":
        return text.split()[0] if " " in text.strip() else text[:-3] or text
    raise ValueError(f"unknown mask {how!r}")


def record_view(access: Access, entity: str, props: dict[str, Any], subject: str | None) -> RecordView:
    source = props["agency"]
    rules = access.grant.fields(entity, source)
    values: dict[str, Any] = {}
    for name, how in rules.items():
        spec = FIELDS[f"{entity}.{name}"]
        if spec.kind == "link":
            continue
        raw = props.get(name)
        if name == "identifiers" and isinstance(raw, str):
            raw = sorted(json.loads(raw).items())
        values[name] = mask(plain_value(raw), how)
    return RecordView(entity, source, props["key"], subject, values)


def find_person(
    access: Access,
    graph: Graph,
    *,
    person_id: str | None = None,
    agency: str | None = None,
    local_id: str | None = None,
) -> PersonView | None:
    """A person by resolved id or by one agency record, or None: missing, out of scope and hidden look the same."""
    access.require_records()
    record = record_key(agency, local_id) if agency is not None and local_id is not None else None
    row = persons.find_person(graph, access.scope, person_id=person_id, record=record)
    if row is None or not _age_allowed(access, row["dobs"]):
        return None
    access.saw(row["id"])
    return PersonView(row["id"], [record_view(access, "person", r, row["id"]) for r in row["records"]])


def _age_allowed(access: Access, dobs: list[Any]) -> bool:
    """A purpose limited to children sees only people every record of whom says is young enough."""
    terms = access.grant.terms
    if terms is None or terms.subject_max_age is None:
        return True
    if not dobs:
        return False  # unknown age: not shown as a child
    oldest = min(plain_value(d) for d in dobs)
    born = dt.date.fromisoformat(oldest[:10])
    today = access.grant.today
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return age <= terms.subject_max_age


def incidents_of(access: Access, graph: Graph, person_id: str) -> list[tuple[str, RecordView]]:
    """(role, incident) for each incident the person is linked to by a link the grant shows."""
    access.require_records()
    out = []
    for row in persons.incidents_of(graph, access.scope, [person_id]):
        source = row["record"]["agency"]
        if access.grant.may_see("incident", ROLE_FIELD[row["role"]], source):
            access.disclosed("incident", ROLE_FIELD[row["role"]], person_id)
            out.append((row["role"], record_view(access, "incident", row["record"], person_id)))
    return out


def records_of(access: Access, graph: Graph, person_id: str, entity: str) -> list[RecordView]:
    """The person's records of one type (orders, referrals...) reached through links the grant shows."""
    access.require_records()
    label = RECORD_TYPES[entity].label
    out = []
    for row in persons.records_of(graph, access.scope, label, [person_id]):
        source = row["record"]["agency"]
        if not access.grant.may_see(entity, _LINK_FIELD[(label, row["link"])], source):
            continue
        view = record_view(access, entity, row["record"], person_id)
        for rel, other in row["links"]:
            name = _LINK_FIELD[(label, rel)]
            if other and access.grant.may_see(entity, name, source):
                view.links.append((name, other))
        out.append(view)
    return out


def people_in_incidents(access: Access, graph: Graph, incidents: list[RecordView]) -> dict[str, list[tuple[str, str]]]:
    """incident key -> (role, person id) for the people each incident names through links the grant shows."""
    access.require_records()
    sources = {v.key: v.source for v in incidents}
    out: dict[str, list[tuple[str, str]]] = {key: [] for key in sources}
    for row in persons.incident_people(graph, access.scope, list(sources)):
        name = ROLE_FIELD[row["role"]]
        if access.grant.may_see("incident", name, sources[row["incident"]]):
            access.disclosed("incident", name, row["person"])
            out[row["incident"]].append((row["role"], row["person"]))
    return out
