"""Counts of what the graph holds: current records per agency and type, nodes and relationships."""

from __future__ import annotations

from typing import Any

from graph.model import RECORD_TYPES
from graph.store import Graph


def graph_stats(graph: Graph) -> dict[str, Any]:
    records: dict[str, dict[str, int]] = {}
    for kind in RECORD_TYPES.values():
        rows = graph.read(f"MATCH (n:{kind.label}) WHERE n.deleted IS NULL RETURN n.agency AS agency, count(*) AS n")
        for row in rows:
            records.setdefault(row["agency"], {})[kind.name] = row["n"]
    nodes = graph.read("MATCH (n) RETURN labels(n)[0] AS label, count(*) AS n")
    edges = graph.read("MATCH ()-[r]->() RETURN type(r) AS type, count(*) AS n")
    return {
        "engine": graph.engine,
        "records": {agency: dict(sorted(kinds.items())) for agency, kinds in sorted(records.items())},
        "nodes": {row["label"]: row["n"] for row in sorted(nodes, key=lambda r: r["label"])},
        "relationships": {row["type"]: row["n"] for row in sorted(edges, key=lambda r: r["type"])},
    }
