"""Analysts' identity decisions: confirm or split a link between two person records, with a reason, audited.

A decision holds across every later ``hub resolve``. The caller must be able to see both records under its grant;
a record it may not see and a record that does not exist give the same refusal.
"""

from __future__ import annotations

from graph import persons
from graph.identity.decisions import Decision, Kind, record_decision
from graph.model import record_key
from graph.store import Graph
from hub.access.context import Access, BadRequest


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
    found = [persons.find_person(graph, access.scope, record=key) for key in keys]
    if any(f is None for f in found) or not all(access.grant.may_see("person", "local_id", x[0]) for x in (a, b)):
        raise BadRequest("no such person records")
    made = record_decision(graph, keys[0], keys[1], decision, reason=reason, who=principal.subject)
    for f in found:
        if f is not None:
            access.saw(f["id"])
    access.notes.append(f"identity decision {made.id}: {decision} {made.a} and {made.b}")
    return made
