"""Writing partner records to the graph: idempotent, versioned, one transaction per batch.

A batch holds records of one type with distinct keys. In one transaction it reads the stored hash,
version and ``recorded_at`` of those keys, and then only touches what changed:

- new key: create the node and its edges to the same agency's person records (a concurrent
  submission that created the same key first makes the unique constraint roll the batch back,
  and the batch is looked at again);
- same hash: nothing (re-running a file is a no-op);
- older ``recorded_at`` than stored: nothing (a late, stale resubmission does not win);
- otherwise: snapshot the stored state as a ``RecordVersion``, replace the properties and edges.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import neo4j

from graph.model import AGENCY, PERSON, SUBMISSION, VERSION, RecordType
from graph.store import Graph
from graph.validation import parse_datetime

T = TypeVar("T")


@dataclass
class Row:
    """One validated partner record, ready to write."""

    kind: RecordType
    key: str
    props: dict[str, Any]  # partner fields already converted to graph values
    # date and date-time fields: name -> (Cypher function, ISO text). They travel as text and become
    # temporal values in the database: the driver's own conversion costs more than the whole write.
    temporal: dict[str, tuple[str, str]]
    refs: list[tuple[str, str]]  # (relationship type, person key)
    hash: str
    recorded_at: str | None  # UTC text, compared only when the record is already stored
    deleted: bool


@dataclass
class WriteCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    stale: int = 0
    withdrawn: int = 0

    def add(self, other: WriteCounts) -> None:
        for name in ("created", "updated", "unchanged", "stale", "withdrawn"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def write_batch(
    graph: Graph, rows: list[Row], *, submission: str, now: dt.datetime, assume_new: bool = False
) -> WriteCounts:
    """Write one batch. With ``assume_new`` (the agency has no records of this type yet) the keys are
    created without looking first; should any exist after all, the unique constraint rolls the
    batch back and it is written the careful way."""
    if assume_new:
        try:
            return graph.transaction(lambda tx: _create(tx, rows, submission=submission, now=now))
        except neo4j.exceptions.ConstraintError:
            pass
    return _on_conflict_retry(lambda: graph.transaction(lambda tx: _write(tx, rows, submission=submission, now=now)))


def _on_conflict_retry(work: Callable[[], T], attempts: int = 3) -> T:
    """Run work again when a concurrent writer created a key first: the unique constraint rolled us
    back, and a second look sees their node (MERGE matches it, the existence check finds it)."""
    for attempt in range(attempts):
        try:
            return work()
        except neo4j.exceptions.ConstraintError:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def _create(tx: neo4j.ManagedTransaction, rows: list[Row], *, submission: str, now: dt.datetime) -> WriteCounts:
    label = rows[0].kind.label
    _put(tx, f"CREATE (n:{label})", rows, {}, submission=submission, now=now)
    link_people(tx, label, rows)
    return WriteCounts(created=len(rows), withdrawn=sum(1 for row in rows if row.deleted))


def _write(tx: neo4j.ManagedTransaction, rows: list[Row], *, submission: str, now: dt.datetime) -> WriteCounts:
    label = rows[0].kind.label
    counts = WriteCounts()
    stored = {
        r["key"]: r
        for r in tx.run(
            f"UNWIND $keys AS k MATCH (n:{label} {{key: k}}) "
            "RETURN n.key AS key, n.hash AS hash, n.version AS version, n.recorded_at AS recorded_at, "
            "n.withdrawn_at AS withdrawn_at",
            keys=[row.key for row in rows],
        ).data()
    }
    new: list[Row] = []
    changed: list[Row] = []
    for row in rows:
        old = stored.get(row.key)
        if old is None:
            new.append(row)
        elif old["hash"] == row.hash:
            counts.unchanged += 1
        elif _is_stale(row.recorded_at, old["recorded_at"]):
            counts.stale += 1
        else:
            changed.append(row)
    if changed:
        keys = [row.key for row in changed]
        tx.run(
            f"UNWIND $keys AS k MATCH (n:{label} {{key: k}}) "
            f"CREATE (v:{VERSION}) SET v = properties(n), v.superseded_at = $now CREATE (n)-[:PREVIOUS]->(v)",
            keys=keys,
            now=now,
        ).consume()
        tx.run(f"UNWIND $keys AS k MATCH (n:{label} {{key: k}})-[e]->(:{PERSON.label}) DELETE e", keys=keys).consume()
    # New keys are created outright (cheaper than MERGE); the unique constraint still guards them.
    _put(tx, f"CREATE (n:{label})", new, stored, submission=submission, now=now)
    _put(tx, f"MATCH (n:{label} {{key: r.p.key}})", changed, stored, submission=submission, now=now)
    link_people(tx, label, new + changed)
    counts.created, counts.updated = len(new), len(changed)
    counts.withdrawn = sum(1 for row in new + changed if row.deleted)
    return counts


def _put(
    tx: neo4j.ManagedTransaction,
    clause: str,
    rows: list[Row],
    stored: dict[str, Any],
    *,
    submission: str,
    now: dt.datetime,
) -> None:
    if not rows:
        return
    writes = [
        {"p": _props(row, stored.get(row.key), submission=submission, now=now), "t": temporal_texts(row)}
        for row in rows
    ]
    tx.run(f"UNWIND $rows AS r {clause} SET n = r.p{temporal_sets(rows)}", rows=writes).consume()


def _is_stale(incoming: str | None, stored: Any) -> bool:
    if incoming is None or stored is None:
        return False
    return bool(parse_datetime(incoming) < _utc(stored))


def _utc(value: Any) -> dt.datetime:
    """ArcadeDB may hand back a naive datetime for a stored UTC one; everything we store is UTC."""
    value = value.to_native() if hasattr(value, "to_native") else value
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _props(row: Row, old: dict[str, Any] | None, *, submission: str, now: dt.datetime) -> dict[str, Any]:
    props = dict(row.props)
    props.update(
        key=row.key,
        hash=row.hash,
        submission=submission,
        version=1 if old is None else int(old["version"] or 0) + 1,
    )
    if row.deleted:  # absent on current records: cheaper to write, and `IS NULL` reads the same on both engines
        props["deleted"] = True
        props["withdrawn_at"] = (old or {}).get("withdrawn_at") or now
    return props


def temporal_texts(row: Row) -> dict[str, str]:
    return {name: text for name, (_, text) in row.temporal.items()}


def temporal_sets(rows: list[Row]) -> str:
    """``, n.f = datetime(r.t.f)`` for every temporal field in the batch (names come from the schema)."""
    fields = sorted({(name, fn) for row in rows for name, (fn, _) in row.temporal.items()})
    return "".join(f", n.{name} = {fn}(r.t.{name})" for name, fn in fields)


def link_people(tx: neo4j.ManagedTransaction, label: str, rows: list[Row]) -> None:
    """The edges from each record to the person records it references (the persons exist already)."""
    by_type: dict[str, list[list[str]]] = {}
    for row in rows:
        for rel, person in row.refs:
            by_type.setdefault(rel, []).append([row.key, person])
    for rel, pairs in by_type.items():
        tx.run(
            f"UNWIND $pairs AS p MATCH (n:{label} {{key: p[0]}}) MATCH (m:{PERSON.label} {{key: p[1]}}) "
            f"CREATE (n)-[:{rel}]->(m)",
            pairs=pairs,
        ).consume()


def labels_held(graph: Graph, agency: str, labels: list[str]) -> set[str]:
    """Which of these labels already hold a record of this agency."""
    return {
        label
        for label in labels
        if graph.read(f"MATCH (n:{label}) WHERE n.agency = $agency RETURN n.key AS key LIMIT 1", agency=agency)
    }


def existing_people(graph: Graph, keys: list[str]) -> set[str]:
    rows = graph.read(f"UNWIND $keys AS k MATCH (p:{PERSON.label} {{key: k}}) RETURN p.key AS key", keys=keys)
    return {row["key"] for row in rows}


def open_submission(graph: Graph, *, submission: str, agency: str, file: str, now: dt.datetime) -> None:
    _on_conflict_retry(
        lambda: graph.write(
            # MERGE, not CREATE: a write sent again (driver retry, lost commit) finds the submission it made
            f"MERGE (a:{AGENCY} {{code: $agency}}) ON CREATE SET a.first_seen_at = $now "
            f"MERGE (s:{SUBMISSION} {{id: $id}}) "
            "ON CREATE SET s.agency = $agency, s.file = $file, s.started_at = $now, s.status = 'open' "
            "MERGE (s)-[:FROM]->(a)",
            agency=agency,
            id=submission,
            file=file,
            now=now,
        )
    )


def close_submission(graph: Graph, *, submission: str, summary: dict[str, Any]) -> None:
    graph.write(
        # a submission still 'open' later was interrupted: its written batches stand, the rest never came
        f"MATCH (s:{SUBMISSION} {{id: $id}}) SET s += $summary, s.finished_at = $now, s.status = 'complete'",
        id=submission,
        summary=summary,
        now=dt.datetime.now(dt.UTC),
    )
