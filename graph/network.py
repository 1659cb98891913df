"""A person's network: the people they are connected to through incidents and relationships, within a ``Scope``.

Two people are connected when one readable record names both through readable links (an incident naming a
perpetrator and a victim, a relationship naming both partners). The network grows one hop at a time from a frontier,
each hop one query over the connecting record types, so the cost follows the size of the answer, not of the
graph.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from graph.model import PERSON, RECORD_TYPES, RESOLVED_PERSON
from graph.persons import RESOLVED_AS, Scope, retention_clause

CONNECTING = ("incident", "relationship")  # record types whose links connect two people
MAX_HOPS = 3
MAX_PEOPLE = 500  # a network is for reading: past this the caller narrows the question


@dataclass(frozen=True)
class Edge:
    """``a`` and ``b`` are both named by one record (``a`` < ``b``), through links ``a_link`` and ``b_link``."""

    a: str
    b: str
    entity: str
    record: dict[str, Any]
    a_link: str
    b_link: str


def _part(scope: Scope, entity: str, n: int) -> tuple[str, dict[str, Any]] | None:
    """The query of one connecting record type, its parameters suffixed with ``n``; None when the scope reads none."""
    label = RECORD_TYPES[entity].label
    agencies, links = scope.agencies(label), list(scope.links.get(label, ()))
    if not agencies or not links:
        return None
    retention, _ = retention_clause(label)
    cypher = (
        f"UNWIND $ids AS pid MATCH (p:{RESOLVED_PERSON} {{person_id: pid}})<-[:{RESOLVED_AS}]-(:{PERSON.label})"
        f"<-[r1]-(n:{label})-[r2]->(:{PERSON.label})-[:{RESOLVED_AS}]->(q:{RESOLVED_PERSON}) "
        f"WHERE type(r1) IN $links{n} AND type(r2) IN $links{n} AND n.agency IN $agencies{n} AND n.deleted IS NULL "
        f"AND q.person_id <> pid{retention} "
        f"RETURN DISTINCT '{entity}' AS entity, pid AS a, q.person_id AS b, type(r1) AS a_link, type(r2) AS b_link, "
        "properties(n) AS record"
    )
    return cypher, {f"links{n}": links, f"agencies{n}": agencies}


def expand(graph: Any, scope: Scope, frontier: Iterable[str]) -> list[Edge]:
    """Every readable connection of the frontier's people: one query, a UNION ALL over the connecting record types
    (a round trip costs more than the rows of a typical network)."""
    people = sorted(set(frontier))
    parts = [part for n, entity in enumerate(CONNECTING) if (part := _part(scope, entity, n)) is not None]
    if not people or not parts:
        return []
    params: dict[str, Any] = {"ids": people, "since": scope.since.isoformat() if scope.since else None}
    for _, part_params in parts:
        params.update(part_params)
    rows = graph.read(" UNION ALL ".join(cypher for cypher, _ in parts), **params)
    edges = []
    for row in rows:
        a, b, a_link, b_link = row["a"], row["b"], row["a_link"], row["b_link"]
        if b < a:
            a, b, a_link, b_link = b, a, b_link, a_link
        edges.append(Edge(a, b, row["entity"], row["record"], a_link, b_link))
    return edges


def neighbourhood(graph: Any, scope: Scope, person_id: str, hops: int) -> tuple[list[str], list[Edge], bool]:
    """People within ``hops`` of the person (the person first), the edges among them, and whether it was cut short."""
    hops = max(1, min(hops, MAX_HOPS))
    seen = {person_id: 0}
    edges: dict[tuple[str, str, str], Edge] = {}
    frontier = [person_id]
    truncated = False
    for depth in range(1, hops + 1):
        found = expand(graph, scope, frontier)
        frontier = []
        for edge in found:
            edges.setdefault((edge.a, edge.b, edge.record["key"]), edge)
            for who in (edge.a, edge.b):
                if who not in seen:
                    if len(seen) >= MAX_PEOPLE:
                        truncated = True
                        continue
                    seen[who] = depth
                    frontier.append(who)
        if not frontier:
            break
    kept = [e for e in edges.values() if e.a in seen and e.b in seen]
    return sorted(seen, key=lambda p: (seen[p], p)), kept, truncated


def shortest_path(graph: Any, scope: Scope, start: str, goal: str, max_hops: int = 6) -> list[Edge] | None:
    """The edges of a shortest chain of connections from ``start`` to ``goal``; None when none within reach."""
    if start == goal:
        return []
    parents: dict[str, tuple[str, Edge] | None] = {start: None}
    frontier = [start]
    for _ in range(max_hops):
        found = expand(graph, scope, frontier)
        frontier = []
        for edge in sorted(found, key=lambda e: (e.a, e.b, e.record["key"])):
            for here, there in ((edge.a, edge.b), (edge.b, edge.a)):
                if here in parents and there not in parents:
                    parents[there] = (here, edge)
                    frontier.append(there)
        if goal in parents:
            chain: list[Edge] = []
            at = goal
            while (step := parents[at]) is not None:
                at, edge = step
                chain.append(edge)
            return chain[::-1]
        if not frontier or len(parents) > MAX_PEOPLE * 4:
            return None
    return None
