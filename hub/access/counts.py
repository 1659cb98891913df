"""Statistics under an aggregates purpose: counts only, small cells suppressed, and no totals, so a suppressed cell
cannot be recovered by subtraction."""

from __future__ import annotations

from dataclasses import dataclass

from graph import aggregates
from graph.model import RECORD_TYPES
from graph.scope import Scope
from graph.store import Graph
from hub.access.context import Access, BadRequest, Forbidden
from hub.policy.catalogue import FIELDS

MAX_DIMENSIONS = 3


@dataclass(frozen=True)
class Cell:
    values: list[str | None]
    count: int | None  # None when suppressed


def count(access: Access, graph: Graph, entity: str, by: list[str]) -> tuple[int, list[Cell]]:
    """The minimum cell size and the cells of records of ``entity`` grouped by the ``by`` fields."""
    access.require_aggregates()
    if entity not in RECORD_TYPES:
        raise BadRequest(f"unknown record type {entity!r} (known: {', '.join(RECORD_TYPES)})")
    if not 1 <= len(by) <= MAX_DIMENSIONS or len(set(by)) != len(by):
        raise BadRequest(f"group by one to {MAX_DIMENSIONS} distinct fields")
    for name in by:
        spec = FIELDS.get(f"{entity}.{name}")
        if spec is None or spec.kind in ("link", "list") or name == "local_id":
            raise BadRequest(f"{entity}.{name} cannot be counted by")
    grant = access.grant
    # only sources from which every grouping field may be used
    sources = [s for s in grant.sources(entity) if all(grant.may_see(entity, name, s) for name in by)]
    if not sources:
        raise Forbidden((f"{grant.agreement_label} does not share {', '.join(by)} of {entity} records for counting",))
    label = RECORD_TYPES[entity].label
    scope = Scope(sources={label: sources}, since=grant.cutoff)  # counted only: no links are followed
    rows = aggregates.count_by(graph, scope, label, [(name, FIELDS[f"{entity}.{name}"].kind) for name in by])
    minimum = min_cell(access)
    for name in by:
        access.disclosed(entity, name, None)
    return minimum, [Cell(r["values"], shown(r["count"], minimum)) for r in rows]


def min_cell(access: Access) -> int:
    """The agreement's minimum cell size: counts below it are never given."""
    terms = access.grant.terms
    return terms.min_cell if terms and terms.min_cell else 1


def shown(count: int, minimum: int) -> int | None:
    """The count as it may be given: None (suppressed) when below the minimum cell size."""
    return count if count >= minimum else None
