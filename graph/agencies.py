"""The agencies the graph has heard from: one ``Agency`` node per agency that ever submitted records."""

from __future__ import annotations

import datetime as dt

from graph.model import AGENCY
from graph.store import Graph


def agencies(graph: Graph) -> dict[str, dt.datetime | None]:
    """Agency code -> when its first submission arrived."""
    rows = graph.read(f"MATCH (a:{AGENCY}) RETURN a.code AS code, a.first_seen_at AS first ORDER BY code")
    return {
        row["code"]: row["first"].to_native() if hasattr(row["first"], "to_native") else row["first"] for row in rows
    }
