"""Partner submissions that span several calls: the ``Submission`` node and the batches it has received.

Each batch is a ``SubmissionBatch`` node ``PART_OF`` its submission, holding where it sits in the whole submission
(offset, size), a hash of its content, its write counts and its refusals. A batch sent again is recognised by offset
and hash and answered from here, without writing again: a retry after a lost response changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from graph import records
from graph.model import SUBMISSION
from graph.store import Graph

BATCH = "SubmissionBatch"
COUNTS = ("accepted", "refused", "created", "updated", "unchanged", "stale", "withdrawn")


@dataclass(frozen=True)
class Refusal:
    index: int  # position in the whole submission
    type: str | None
    local_id: str | None
    reason: str


@dataclass(frozen=True)
class Batch:
    offset: int
    size: int
    hash: str
    counts: dict[str, int]
    refusals: tuple[Refusal, ...] = ()


@dataclass(frozen=True)
class SubmissionState:
    id: str
    agency: str
    name: str | None
    status: str  # 'open' until closed; an interrupted submission stays 'open'
    opened_at: dt.datetime | None
    closed_at: dt.datetime | None
    batches: tuple[Batch, ...] = field(default=())

    def totals(self) -> dict[str, int]:
        return {name: sum(b.counts.get(name, 0) for b in self.batches) for name in COUNTS}


def open_submission(graph: Graph, *, submission: str, agency: str, name: str) -> None:
    records.open_submission(graph, submission=submission, agency=agency, file=name, now=dt.datetime.now(dt.UTC))


def find(graph: Graph, submission: str) -> SubmissionState | None:
    rows = graph.read(
        f"MATCH (s:{SUBMISSION} {{id: $id}}) RETURN s.agency AS agency, s.file AS name, s.status AS status, "
        "s.started_at AS opened_at, s.finished_at AS closed_at",
        id=submission,
    )
    if not rows:
        return None
    batches = graph.read(
        f"MATCH (b:{BATCH})-[:PART_OF]->(:{SUBMISSION} {{id: $id}}) RETURN b.offset AS offset, b.size AS size, "
        f"b.hash AS hash, b.refusals AS refusals, {', '.join(f'b.{c} AS {c}' for c in COUNTS)}",
        id=submission,
    )
    row = rows[0]
    return SubmissionState(
        id=submission,
        agency=row["agency"],
        name=row["name"],
        status=row["status"],
        opened_at=_utc(row["opened_at"]),
        closed_at=_utc(row["closed_at"]),
        batches=tuple(sorted((_batch(b) for b in batches), key=lambda b: b.offset)),
    )


def add_batch(graph: Graph, submission: str, batch: Batch) -> None:
    refusals = [[r.index, r.type, r.local_id, r.reason] for r in batch.refusals]
    graph.write(
        f"MATCH (s:{SUBMISSION} {{id: $id}}) CREATE (b:{BATCH} {{offset: $offset, size: $size, hash: $hash, "
        f"refusals: $refusals, received_at: $now}})-[:PART_OF]->(s) SET b += $counts",
        id=submission,
        offset=batch.offset,
        size=batch.size,
        hash=batch.hash,
        refusals=json.dumps(refusals),  # ASCII: a lone surrogate a partner sent cannot break the write
        counts={name: batch.counts.get(name, 0) for name in COUNTS},
        now=dt.datetime.now(dt.UTC),
    )


def close(graph: Graph, state: SubmissionState) -> None:
    summary: dict[str, Any] = {"batches": len(state.batches), "lines": sum(b.size for b in state.batches)}
    records.close_submission(graph, submission=state.id, summary={**summary, **state.totals()})


def _batch(row: dict[str, Any]) -> Batch:
    refusals = tuple(Refusal(*r) for r in json.loads(row["refusals"] or "[]"))
    counts = {name: int(row[name] or 0) for name in COUNTS}
    return Batch(offset=int(row["offset"]), size=int(row["size"]), hash=row["hash"], counts=counts, refusals=refusals)


def _utc(value: Any) -> dt.datetime | None:
    """ArcadeDB hands back stored UTC datetimes naive; everything stored is UTC."""
    if value is None:
        return None
    value = value.to_native() if hasattr(value, "to_native") else value
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
