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
    unmasked_id: bool = False  # the grant shows the local id as recorded

    @property
    def reference(self) -> str | None:
        """The record's key (``agency:local_id``) when the grant shows its local id as recorded: how partners name
        it (a federation key); None when the local id is not shared or is masked."""
        return self.key if self.unmasked_id and self.values.get("local_id") is not None else None


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
    unmasked_id = "local_id" in rules and rules["local_id"] is None
    return RecordView(entity, source, props["key"], subject, values, unmasked_id=unmasked_id)


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
    return person_view(access, row) if row is not None else None


def find_people(access: Access, graph: Graph, person_ids: list[str]) -> dict[str, PersonView]:
    """``find_person`` for many ids in one graph read: id -> person, for the people the caller may see."""
    access.require_records()
    rows = persons.find_people(graph, access.scope, person_ids)
    found = {pid: person_view(access, row) for pid, row in rows.items()}
    return {pid: view for pid, view in found.items() if view is not None}


def person_view(access: Access, row: dict[str, Any]) -> PersonView | None:
    """A person row from ``graph.persons`` as the caller may see it, or None when the grant's age limit hides them."""
    if not _age_allowed(access, row["dobs"]):
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
    return incidents_of_people(access, graph, [person_id])[person_id]


def incidents_of_people(access: Access, graph: Graph, person_ids: list[str]) -> dict[str, list[tuple[str, RecordView]]]:
    """``incidents_of`` for many people in one graph read: person id -> (role, incident), oldest first."""
    access.require_records()
    out: dict[str, list[tuple[str, RecordView]]] = {pid: [] for pid in person_ids}
    for row in persons.incidents_of(graph, access.scope, list(out)):
        source, person_id = row["record"]["agency"], row["person"]
        if access.grant.may_see("incident", ROLE_FIELD[row["role"]], source):
            access.disclosed("incident", ROLE_FIELD[row["role"]], person_id)
            out[person_id].append((row["role"], record_view(access, "incident", row["record"], person_id)))
    return out


def records_of(access: Access, graph: Graph, person_id: str, entity: str) -> list[RecordView]:
    """The person's records of one type (orders, referrals...) reached through links the grant shows."""
    return records_of_people(access, graph, [person_id], entity)[person_id]


def records_of_people(access: Access, graph: Graph, person_ids: list[str], entity: str) -> dict[str, list[RecordView]]:
    """``records_of`` for many people in one graph read: person id -> their records of this type."""
    access.require_records()
    label = RECORD_TYPES[entity].label
    out: dict[str, list[RecordView]] = {pid: [] for pid in person_ids}
    for row in persons.records_of(graph, access.scope, label, list(out)):
        source, person_id = row["record"]["agency"], row["person"]
        if not access.grant.may_see(entity, _LINK_FIELD[(label, row["link"])], source):
            continue
        view = record_view(access, entity, row["record"], person_id)
        for rel, other in row["links"]:
            name = _LINK_FIELD[(label, rel)]
            if other and access.grant.may_see(entity, name, source):
                view.links.append((name, other))
        out[person_id].append(view)
    return out


def people_in_incidents(access: Access, graph: Graph, incidents: list[RecordView]) -> dict[str, list[tuple[str, str]]]:
    """incident key -> (role, person id) for the people each incident names through links the grant shows."""
    access.require_records()
    out = _named(access, graph, incidents)
    for named in out.values():
        for role, person in named:
            access.disclosed("incident", ROLE_FIELD[role], person)
    return out


def _named(access: Access, graph: Graph, incidents: list[RecordView]) -> dict[str, list[tuple[str, str]]]:
    sources = {v.key: v.source for v in incidents}
    out: dict[str, list[tuple[str, str]]] = {key: [] for key in sources}
    for row in persons.incident_people(graph, access.scope, list(sources)):
        if access.grant.may_see("incident", ROLE_FIELD[row["role"]], sources[row["incident"]]):
            out[row["incident"]].append((row["role"], row["person"]))
    return out


def find_incidents(access: Access, graph: Graph, keys: list[str]) -> dict[str, RecordView]:
    """Incidents by key (``agency:local_id``), as federation asks for them: key -> incident, for those the caller
    may see. An incident exists for the caller only when the grant shows its reference and it names, through a link
    the grant shows, someone the caller may see (a school: its own pupil); anything else is indistinguishable from a
    key that does not exist, and costs the same one graph read."""
    access.require_records()
    scope = access.scope
    people_from = set(scope.agencies("PersonRecord"))
    found = {}
    for key, row in persons.find_incidents(graph, scope, keys).items():
        view = record_view(access, "incident", row["record"], None)
        if view.reference is None:
            continue
        for rel, _person, held, dobs in row["named"]:
            link_shown = access.grant.may_see("incident", ROLE_FIELD[rel], view.source)
            person_shown = bool(people_from & set(held)) and (scope.own_agency in (None, *held))
            if link_shown and person_shown and _age_allowed(access, dobs):
                found[key] = view
                break
    return found
