"""Identity review: how a person's records were joined (``identity_links_of``), and analysts' decisions to confirm or
split a link between two person records, with a reason, audited (``decide``).

A decision holds across every later ``hub resolve``. Its precondition is read through the same path as
``personByRecord``: the caller must be able to see both records, with their local ids, under its grant (sources,
own-records scope, age limits), and a record it may not see and a record that does not exist give the same refusal.
"""

from __future__ import annotations

from dataclasses import dataclass

from graph.identity import links
from graph.identity.decisions import Decision, Kind, record_decision
from graph.model import record_key
from graph.store import Graph
from hub.access.context import Access, BadRequest
from hub.access.views import PersonView, find_person


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


# the catalogue fields each comparison of the model (graph/identity/model.py) is computed from: a comparison is shown
# only where the grant shares every one of them, unmasked, from the records' sources (a level such as "exact" on a
# postcode masked to its district, or "shares a partner" under a purpose that shares no victims, would tell more
# than the fields themselves)
COMPARISON_FIELDS: dict[str, tuple[str, ...]] = {
    "national_id": ("person.identifiers",),
    # each name comparison has a level for the two names in the other order, so each rests on both names
    "given_name": ("person.given_name", "person.family_name"),
    "family_name": ("person.given_name", "person.family_name", "person.other_names"),
    "dob": ("person.dob",),
    # where they live: one or the other speaks, depending on whether both records hold an address
    "address": ("person.postcode", "person.address"),
    "postcode": ("person.postcode", "person.address"),
    "gender": ("person.gender",),
    "neighbours": ("incident.perpetrators", "incident.victims", "relationship.person", "relationship.other"),
}
# a deterministic rule's own words name what it rests on (cluster._sparse_evidence)
_RULE_FIELDS = {"partner": COMPARISON_FIELDS["neighbours"], "perpetrator": ("incident.perpetrators",)}
_NAMES = tuple(dict.fromkeys(COMPARISON_FIELDS["given_name"] + COMPARISON_FIELDS["family_name"]))


@dataclass(frozen=True)
class LinkView:
    """One identity link as the caller may see it: both records shown with their references, and only the
    comparisons whose fields the grant shares as recorded."""

    person: str
    record: str
    other: str
    probability: float | None
    method: str
    comparisons: list[tuple[str, str, float | None, tuple[str, ...]]]  # (comparison, level, weight, fields)
    rule: str | None
    rule_fields: tuple[str, ...]


def identity_links_of(access: Access, graph: Graph, people: list[PersonView]) -> dict[str, list[LinkView]]:
    """person id -> the links that joined the person's records, for people already found through the read path
    (``find_person``/``find_people``): a link shows only when both of its records are among the records the caller
    sees of that person with their local ids as recorded; any other link is left out, uncounted."""
    access.require_records()
    shown = {v.id: {r.key: r.source for r in v.records if r.reference is not None} for v in people}
    keys = [key for records in shown.values() for key in records]
    out: dict[str, list[LinkView]] = {v.id: [] for v in people}
    for link in links.identity_links(graph, access.scope, keys):
        mine = shown.get(link.person, {})
        if link.record not in mine or link.other not in mine:
            continue
        sources = (mine[link.record], mine[link.other])
        comparisons = [
            (c.name, c.level, c.weight, COMPARISON_FIELDS[c.name])
            for c in link.comparisons
            if c.name in COMPARISON_FIELDS and _shares(access, COMPARISON_FIELDS[c.name], sources)
        ]
        rule = next((c.level for c in link.comparisons if c.name == "rule"), None)
        needs = _NAMES + tuple(f for word, fs in _RULE_FIELDS.items() if rule and word in rule for f in fs)
        if rule is not None and not _shares(access, needs, sources):
            rule, needs = None, ()
        out[link.person].append(
            LinkView(link.person, link.record, link.other, link.probability, link.method, comparisons, rule, needs)
        )
    return out


def _shares(access: Access, keys: tuple[str, ...], sources: tuple[str, str]) -> bool:
    """Every field shared unmasked: a person field from both records' sources, a link field from some source."""
    grant = access.grant
    for key in keys:
        entity, name = key.split(".", 1)
        if entity == "person":
            rules = [grant.fields("person", s) for s in sources]
            if not all(name in r and r[name] is None for r in rules):
                return False
        elif not any(name in grant.fields(entity, s) for s in grant.sources(entity)):
            return False
    return True
