"""Networks, paths and timelines under a request's grant: built from the same scoped reads, and every connection
checked against the link rules of its record's source before it is shown."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from graph import network, persons
from graph.model import RECORD_TYPES
from graph.store import Graph
from hub.access.context import Access, Forbidden
from hub.access.views import ROLE_FIELD, RecordView, find_person, incidents_of, plain_value, record_view, records_of
from hub.policy.catalogue import EVENT_DATE

_LINK_FIELD = {(kind.name, rel): name for kind in RECORD_TYPES.values() for name, rel in kind.references.items()}
TIMELINE = ("relationship", "order", "referral", "risk_assessment", "disclosure", "support_need")


@dataclass(frozen=True)
class Connection:
    a: str
    b: str
    a_role: str
    b_role: str
    record: RecordView


def _networks_allowed(access: Access) -> None:
    access.require_records()
    terms = access.grant.terms
    if terms is not None and terms.subject_scope != "any":
        raise Forbidden((f"purpose {terms.code!r} answers about the caller's own records only: no networks",))


def _field(entity: str, link: str) -> str:
    return ROLE_FIELD[link] if entity == "incident" else _LINK_FIELD[(entity, link)]


def _shown(access: Access, graph: Graph, edges: list[network.Edge]) -> list[Connection]:
    """The edges whose two links the grant shows for the record's source, with roles as the hub shows them."""
    dobs = persons.latest_dobs(graph, sorted({p for e in edges for p in (e.a, e.b)}))
    out = []
    for e in edges:
        source = e.record["agency"]
        if not all(access.grant.may_see(e.entity, _field(e.entity, link), source) for link in (e.a_link, e.b_link)):
            continue
        roles = [e.a_link, e.b_link]
        if e.entity == "incident":
            occurred = dt.date.fromisoformat(plain_value(e.record["occurred_at"])[:10])
            roles = [persons.shown_role(link, dobs.get(p), occurred) for link, p in ((e.a_link, e.a), (e.b_link, e.b))]
        for who, link in ((e.a, e.a_link), (e.b, e.b_link)):
            access.disclosed(e.entity, _field(e.entity, link), who)
        out.append(Connection(e.a, e.b, roles[0], roles[1], record_view(access, e.entity, e.record, None)))
    return out


def person_network(access: Access, graph: Graph, person_id: str, hops: int) -> tuple[list[str], list[Connection], bool]:
    """People within ``hops`` connections of a person the caller may see, and the connections among them."""
    _networks_allowed(access)
    if find_person(access, graph, person_id=person_id) is None:
        return [], [], False
    _, edges, truncated = network.neighbourhood(graph, access.scope, person_id, hops)
    shown = _shown(access, graph, edges)
    # a connection the grant hides can cut someone off: only people still reachable from the person stay
    reach, frontier = {person_id: 0}, {person_id}
    for depth in range(1, max(1, min(hops, network.MAX_HOPS)) + 1):
        reached = set()
        for c in shown:
            for here, other in ((c.a, c.b), (c.b, c.a)):
                if here in frontier and other not in reach:
                    reach[other] = depth
                    reached.add(other)
        frontier = reached
    kept = [c for c in shown if c.a in reach and c.b in reach]
    for who in reach:
        access.saw(who)
    return sorted(reach, key=lambda p: (reach[p], p)), kept, truncated


def person_path(access: Access, graph: Graph, start: str, goal: str) -> list[Connection] | None:
    """A shortest chain of connections between two people the caller may see; None when there is none it may see."""
    _networks_allowed(access)
    if find_person(access, graph, person_id=start) is None or find_person(access, graph, person_id=goal) is None:
        return None
    edges = network.shortest_path(graph, access.scope, start, goal)
    if edges is None:
        return None
    shown = _shown(access, graph, edges)
    return shown if len(shown) == len(edges) else None  # a hidden link breaks the chain: no path to show


def timeline(access: Access, graph: Graph, person_id: str) -> list[tuple[str | None, str, RecordView]]:
    """(date, link, record) for everything recorded about a person the caller may see, oldest first."""
    access.require_records()
    if find_person(access, graph, person_id=person_id) is None:
        return []
    entries: list[tuple[str | None, str, RecordView]] = [
        (view.values.get("occurred_at"), role, view) for role, view in incidents_of(access, graph, person_id)
    ]
    for entity in TIMELINE:
        date_field = EVENT_DATE[entity]
        for view in records_of(access, graph, person_id, entity):
            link = next((f for f, p in view.links if p == person_id), "subject")
            entries.append((view.values.get(date_field) if date_field else None, link, view))
    return sorted(entries, key=lambda e: (e[0] is None, e[0] or "", e[2].key))
