"""How a resolved person's records were joined, read back from the ``RESOLVED_AS`` edges within a ``Scope``.

Identity resolution (``writeback``) leaves on each record's edge the pair that joined it: the other record
(``linked_with``), the pair's ``match_probability`` and its ``evidence`` (JSON: comparison -> [level, match weight],
a ``rule`` entry when a deterministic rule made the join, or ``{"decision": "confirm"}``). This module reads those
edges for records the scope may read, and only where the other record of the pair is a current record of the same
person that the scope may read too: a link to a record the caller cannot see is never read, so it cannot be counted.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from graph.model import PERSON, RESOLVED_PERSON
from graph.persons import RESOLVED_AS
from graph.scope import Scope
from graph.store import Graph


@dataclass(frozen=True)
class Comparison:
    name: str  # the model's comparison (``dob``, ``given_name``...), or ``rule`` for a deterministic rule
    level: str  # the level's label, as the model names it ("exact", "day and month swapped"...)
    weight: float | None  # the level's match weight (log2 Bayes factor); 0 for a rule's own evidence


@dataclass(frozen=True)
class Link:
    person: str
    record: str  # agency:local_id
    other: str  # the record it was joined with
    probability: float | None
    method: str  # splink | rule | decision
    comparisons: tuple[Comparison, ...] = field(default_factory=tuple)


def parse_evidence(text: str | None) -> tuple[str, tuple[Comparison, ...]]:
    """(method, comparisons) from an edge's evidence JSON; unreadable evidence gives no comparisons."""
    try:
        evidence = json.loads(text) if text else {}
    except ValueError:
        evidence = {}
    if not isinstance(evidence, dict):
        evidence = {}
    if evidence.get("decision") == "confirm":
        return "decision", ()
    comparisons = []
    for name, value in sorted(evidence.items()):
        if isinstance(value, list) and len(value) == 2 and isinstance(value[0], str):
            weight = value[1] if isinstance(value[1], int | float) else None
            comparisons.append(Comparison(name, value[0], None if weight is None else float(weight)))
    return ("rule" if "rule" in evidence else "splink"), tuple(comparisons)


def identity_links(graph: Graph, scope: Scope, record_keys: Sequence[str]) -> list[Link]:
    """The joining link of each of these person records, where both records are current, of the same person, and of
    agencies the scope may read person records from. Ordered by record key."""
    agencies = scope.agencies(PERSON.label)
    wanted = sorted({k for k in record_keys if k.split(":", 1)[0] in agencies})
    if not wanted:
        return []
    rows = graph.read(
        f"UNWIND $keys AS k MATCH (r:{PERSON.label} {{key: k}})-[e:{RESOLVED_AS}]->(p:{RESOLVED_PERSON}) "
        "WHERE r.deleted IS NULL AND r.agency IN $agencies AND e.linked_with IS NOT NULL "
        f"MATCH (o:{PERSON.label} {{key: e.linked_with}})-[:{RESOLVED_AS}]->(p) "
        "WHERE o.deleted IS NULL AND o.agency IN $agencies "
        "RETURN p.person_id AS person, r.key AS record, o.key AS other, e.match_probability AS probability, "
        "e.evidence AS evidence ORDER BY record",
        keys=wanted,
        agencies=agencies,
    )
    out = []
    for row in rows:
        method, comparisons = parse_evidence(row["evidence"])
        probability = row["probability"]
        out.append(
            Link(
                row["person"],
                row["record"],
                row["other"],
                None if probability is None else float(probability),
                method,
                comparisons,
            )
        )
    return out
