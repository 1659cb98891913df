"""Analysts' identity decisions: confirm or split a link between two person records, with a reason, audited.

A decision holds across every later ``hub resolve``. Its precondition is read through the same path as
``personByRecord``: the caller must be able to see both records, with their local ids, under its grant (sources,
own-records scope, age limits), and a record it may not see and a record that does not exist give the same refusal.
"""

from __future__ import annotations

from graph.identity.decisions import Decision, Kind, record_decision
from graph.model import record_key
from graph.store import Graph
from hub.access.context import Access, BadRequest
from hub.access.views import find_person


def decide(
    access: Access, graph: Graph, a: tuple[str, str], b: tuple[str, str], decision: Kind, reason: str
) -> Decision:
    access.require_records()
    principal = access.principal
    assert principal is not None  # a records grant is never given to an anonymous caller
    if not reason.strip() or len(reason) > 1000:
        raise BadRequest("a decision needs a reason (at most 1,000 characters)")
    keys = [record_key(agency, local_id) for agency, local_id in (a, b)]
    if keys[0] == keys[1]:
        raise BadRequest("a decision needs two different records")
    found = [find_person(access, graph, agency=agency, local_id=local_id) for agency, local_id in (a, b)]
    shown = [
        p is not None and any(r.key == key and r.reference is not None for r in p.records)
        for p, key in zip(found, keys, strict=True)
    ]
    if not all(shown):
        raise BadRequest("no such person records")
    made = record_decision(graph, keys[0], keys[1], decision, reason=reason, who=principal.subject)
    access.notes.append(f"identity decision {made.id}: {decision} {made.a} and {made.b}")
    return made
