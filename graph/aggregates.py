"""Counts over records, for statistics: grouped by a few properties, dates bucketed to their month.

Property names come from the caller's whitelist (the data catalogue), never from a request, because they are written
into the Cypher; values are parameters as always.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from graph.scope import Scope
from graph.store import Graph

MONTHLY = ("date", "datetime")


def count_by(
    graph: Graph,
    scope: Scope,
    label: str,
    dimensions: Sequence[tuple[str, str]],
) -> list[dict[str, Any]]:
    """``[{"values": [...], "count": n}]`` for the current records of ``label`` inside ``scope`` (its agencies for that
    label and its retention cut-off); ``dimensions`` are (property, kind) pairs, a date or date-time kind grouping by
    ``YYYY-MM``."""
    if not scope.agencies(label) and not scope.everyone:
        return []
    keys = [
        f"substring(toString(n.{name}), 0, 7)" if kind in MONTHLY else f"toString(n.{name})"
        for name, kind in dimensions
    ]
    returns = ", ".join(f"{key} AS k{i}" for i, key in enumerate(keys))
    rows = graph.read(
        f"MATCH (n:{label}) WHERE {scope.where('n', label)} RETURN {returns}, count(*) AS count", **scope.params()
    )
    out = [{"values": [row[f"k{i}"] for i in range(len(keys))], "count": row["count"]} for row in rows]
    return sorted(out, key=lambda r: [v if v is not None else "" for v in r["values"]])
