"""Counts over records, for statistics: grouped by a few properties, dates bucketed to their month.

Property names come from the caller's whitelist (the data catalogue), never from a request, because they are written
into the Cypher; values are parameters as always.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from graph.store import Graph

MONTHLY = ("date", "datetime")


def count_by(
    graph: Graph,
    label: str,
    dimensions: Sequence[tuple[str, str]],
    agencies: Sequence[str],
    *,
    dated_by: tuple[str, str] | None = None,
    since: dt.date | None = None,
) -> list[dict[str, Any]]:
    """``[{"values": [...], "count": n}]`` for current records of ``label`` from ``agencies``; ``dimensions`` are
    (property, kind) pairs, a date or date-time kind grouping by ``YYYY-MM``; ``dated_by`` (property, Cypher temporal
    function) with ``since`` leaves out records older than the retention cut-off."""
    if not agencies:
        return []
    keys = [
        f"substring(toString(n.{name}), 0, 7)" if kind in MONTHLY else f"toString(n.{name})"
        for name, kind in dimensions
    ]
    retention = f" AND n.{dated_by[0]} >= {dated_by[1]}($since)" if dated_by and since else ""
    returns = ", ".join(f"{key} AS k{i}" for i, key in enumerate(keys))
    rows = graph.read(
        f"MATCH (n:{label}) WHERE n.agency IN $agencies AND n.deleted IS NULL{retention} "
        f"RETURN {returns}, count(*) AS count",
        agencies=list(agencies),
        since=since.isoformat() if since else None,
    )
    out = [{"values": [row[f"k{i}"] for i in range(len(keys))], "count": row["count"]} for row in rows]
    return sorted(out, key=lambda r: [v if v is not None else "" for v in r["values"]])
