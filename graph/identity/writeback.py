"""Write a resolution back to the graph, in batches, touching only what changed.

Provenance lives on the ``RESOLVED_AS`` edge from each record to its ``Person``:

* ``match_probability``: the probability of the strongest accepted pair the record is part of (1.0 for an
  analyst's confirmation; absent for a person of one record);
* ``linked_with``: the other record of that pair (its key);
* ``evidence``: JSON text, comparison -> [level, match weight] (which fields agreed and how much each counted),
  or ``{"decision": "confirm"}``;
* ``resolved_at``: when this edge was written.

A record is rewritten when its person or its link changed. Person nodes are created for new ids; a retired id's
node is removed once no record (current or withdrawn) resolves to it any more.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graph.identity.cluster import Assignment, Link
from graph.identity.progress import ProgressFactory, silent
from graph.model import PERSON, RESOLVED_PERSON
from graph.persons import RESOLVED_AS
from graph.store import Graph


@dataclass(frozen=True)
class Current:
    person_id: str | None
    linked_with: str | None
    probability: float | None


def edge_props(link: Link | None, now: str) -> dict[str, Any]:
    if link is None:
        return {"resolved_at": now}
    evidence = (
        {"decision": "confirm"}
        if link.evidence is None
        else {name: [label, weight] for name, (label, weight) in link.evidence.items()}
    )
    return {
        "match_probability": round(link.probability, 6),
        "linked_with": link.other,
        "evidence": json.dumps(evidence, sort_keys=True),
        "resolved_at": now,
    }


def changes(assignment: Assignment, links: Mapping[str, Link], current: Mapping[str, Current]) -> list[str]:
    """Keys of the records whose edge must be rewritten."""
    out = []
    for key, pid in assignment.person_of.items():
        was, link = current.get(key, Current(None, None, None)), links.get(key)
        same_link = (link is None and was.linked_with is None) or (
            link is not None
            and was.linked_with == link.other
            and was.probability is not None
            and abs(was.probability - link.probability) < 1e-6
        )
        if was.person_id != pid or not same_link:
            out.append(key)
    return sorted(out)


def write(
    graph: Graph,
    assignment: Assignment,
    links: Mapping[str, Link],
    keys: Sequence[str],
    *,
    batch: int = 5000,
    progress: ProgressFactory = silent,
) -> None:
    now = dt.datetime.now(dt.UTC).isoformat()
    for start in range(0, len(assignment.new_ids), batch):
        graph.write(
            f"UNWIND $ids AS id MERGE (:{RESOLVED_PERSON} {{person_id: id}})",  # sent again, still one each
            ids=assignment.new_ids[start : start + batch],
        )
    with progress("writing", len(keys)) as bar:
        for start in range(0, len(keys), batch):
            chunk = keys[start : start + batch]
            rows = [
                {"key": key, "pid": assignment.person_of[key], "props": edge_props(links.get(key), now)}
                for key in chunk
            ]

            def work(tx: Any, rows: list[dict[str, Any]] = rows) -> None:
                tx.run(
                    f"UNWIND $keys AS k MATCH (:{PERSON.label} {{key: k}})-[e:{RESOLVED_AS}]->() DELETE e",
                    keys=[row["key"] for row in rows],
                ).consume()
                tx.run(
                    f"UNWIND $rows AS row MATCH (r:{PERSON.label} {{key: row.key}}) "
                    f"MATCH (p:{RESOLVED_PERSON} {{person_id: row.pid}}) "
                    f"CREATE (r)-[e:{RESOLVED_AS}]->(p) SET e = row.props",
                    rows=rows,
                ).consume()

            graph.transaction(work)
            bar.update(len(chunk))
    for start in range(0, len(assignment.retired_ids), batch):
        graph.write(
            f"UNWIND $ids AS id MATCH (p:{RESOLVED_PERSON} {{person_id: id}}) "
            f"WHERE NOT (p)<-[:{RESOLVED_AS}]-() DELETE p",
            ids=assignment.retired_ids[start : start + batch],
        )
