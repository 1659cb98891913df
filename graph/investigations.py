"""Investigations: views an analyst saved (the people on screen, the filters), kept in the graph as
``Investigation`` nodes, read back only by their owner (issuer, subject and agency) under the purpose they were saved
under. They hold resolved person ids, never partner data: opening one reads the people again, through the caller's
scope (``hub.access.investigations``).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from graph.store import Graph

INVESTIGATION = "Investigation"


@dataclass(frozen=True)
class Owner:
    issuer: str
    subject: str
    agency: str

    @property
    def key(self) -> str:
        """One text for the index (JSON, so no choice of separator can make two owners collide)."""
        return json.dumps([self.issuer, self.subject, self.agency], separators=(",", ":"))


@dataclass(frozen=True)
class Investigation:
    id: str
    name: str
    person_ids: tuple[str, ...]
    filters: dict[str, Any]
    purpose: str
    justification: str | None
    saved_at: dt.datetime


def save(graph: Graph, owner: Owner, investigation: Investigation) -> None:
    graph.write(
        # keyed by its id (unique): saving the same investigation again is one node, not two
        f"MERGE (i:{INVESTIGATION} {{id: $id}}) ON CREATE SET i.owner = $owner, i.name = $name, "
        "i.person_ids = $people, i.filters = $filters, i.purpose = $purpose, i.justification = $justification, "
        "i.saved_at = $at",
        id=investigation.id,
        owner=owner.key,
        name=investigation.name,
        people=list(investigation.person_ids),
        filters=json.dumps(investigation.filters, sort_keys=True),
        purpose=investigation.purpose,
        justification=investigation.justification,
        at=investigation.saved_at.isoformat(),  # fixed-width UTC text: sorts in time order
    )


def owned(
    graph: Graph, owner: Owner, purpose: str, *, investigation_id: str | None = None, limit: int = 100
) -> list[Investigation]:
    """The owner's investigations saved under ``purpose`` (one, by id, or the newest ``limit``), newest first.
    Someone else's, or one saved under another purpose, is not read at all."""
    rows = graph.read(
        f"MATCH (i:{INVESTIGATION} {{owner: $owner}}) WHERE i.purpose = $purpose AND ($id IS NULL OR i.id = $id) "
        "RETURN i.id AS id, i.name AS name, i.person_ids AS people, i.filters AS filters, i.purpose AS purpose, "
        "i.justification AS justification, i.saved_at AS at ORDER BY at DESC, id DESC LIMIT $limit",
        owner=owner.key,
        purpose=purpose,
        id=investigation_id,
        limit=limit,
    )
    return [
        Investigation(
            row["id"],
            row["name"],
            tuple(row["people"] or ()),
            json.loads(row["filters"] or "{}"),
            row["purpose"],
            row["justification"],
            dt.datetime.fromisoformat(row["at"]),
        )
        for row in rows
    ]
