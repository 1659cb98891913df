"""Identity resolution: link person records of the same true person, within and across agencies, into one Person.

    resolve(graph) -> ResolveReport

Stages (each timed in the report): ``read`` current person records and graph evidence (``extract``) a page at a
time, deriving the compared columns (``features``) into a Parquet file in a working directory; train the Splink
model on the data and score the blocked pairs (``model``), on DuckDB (a database file there, spilling past its memory
limit) or Spark (``engine``);
cluster the pairs above the threshold with cannot-link guards and analysts' decisions, and give clusters stable
person ids (``cluster``, ``decisions``); ``write`` the changed ``RESOLVED_AS`` edges with their provenance
(``writeback``).
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from graph.identity.cluster import ALL_GUARDS, Assignment, Guards, assign_ids, chains, cluster
from graph.identity.decisions import Decision, decisions, in_force, record_decision
from graph.identity.engine import Engine, open_engine, register
from graph.identity.extract import record_batches
from graph.identity.features import SCHEMA as FEATURES
from graph.identity.features import feature_batch
from graph.identity.model import Pair, Training, contradicted, predict, train
from graph.identity.progress import ProgressFactory, silent
from graph.identity.writeback import Current, changes, write
from graph.model import SUBMISSION
from graph.persons import new_person_id
from graph.store import Graph

__all__ = [
    "DEFAULT_THRESHOLD",
    "Decision",
    "Engine",
    "Guards",
    "ResolveReport",
    "decisions",
    "needs_resolving",
    "record_decision",
    "resolve",
]

RUN = "IdentityRun"  # one node: when the last resolution finished

DEFAULT_THRESHOLD = 0.9
# a lone record joins the one cluster all its pairs at or above this point go to (see cluster); below about 0.85 a
# common name alone gets there at 100k records and the wrong person is chosen more often than the right one is missed
ATTACH = 0.85
# a conflict (dates of birth, identifiers, gender) in a pair of one chain that the model scores below even odds
# (more likely two people than one) is evidence against joining the two sides, weighed against the pairs for it
CONTRARY = 0.5
MIN_RECORDS_TO_TRAIN = 50  # below this the model cannot be estimated; only analysts' confirmations link


@dataclass
class ResolveReport:
    records: int = 0
    clusters: int = 0
    merged: int = 0  # clusters of two or more records
    new_ids: int = 0
    retired_ids: int = 0
    pairs: int = 0  # scored pairs at or above min(threshold, ATTACH)
    refused: int = 0  # of those, kept apart by the cannot-link guards
    labels: int = 0  # analysts' confirmed pairs the model's m probabilities were re-estimated from (model.learn_from)
    rewritten: int = 0  # RESOLVED_AS edges written
    threshold: float = DEFAULT_THRESHOLD
    seconds: dict[str, float] = field(default_factory=dict)
    people: dict[str, list[tuple[str, str]]] = field(default_factory=dict, repr=False)  # person -> records
    model: dict[str, Any] | None = field(default=None, repr=False)  # the model applied (Splink's JSON)

    def summary(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "clusters": self.clusters,
            "merged": self.merged,
            "new_ids": self.new_ids,
            "retired_ids": self.retired_ids,
            "pairs": self.pairs,
            "refused": self.refused,
            "labels": self.labels,
            "rewritten": self.rewritten,
            "threshold": self.threshold,
            "seconds": {k: round(v, 2) for k, v in self.seconds.items()},
        }

    def person_lines(self) -> Iterator[dict[str, Any]]:
        """``{"person": id, "records": [[agency, local_id], ...]}`` per resolved person, by id."""
        for pid in sorted(self.people):
            yield {"person": pid, "records": [list(ref) for ref in sorted(self.people[pid])]}


class _Clock:
    def __init__(self, report: ResolveReport) -> None:
        self.report, self.start = report, time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.report.seconds[stage] = now - self.start
        self.start = now


def needs_resolving(graph: Graph) -> bool:
    """True when no resolution has run, or records were submitted since the last one finished."""
    rows = graph.read(
        f"OPTIONAL MATCH (r:{RUN} {{name: 'last'}}) WITH max(r.finished_at) AS done "
        f"OPTIONAL MATCH (s:{SUBMISSION}) WHERE s.finished_at IS NOT NULL "
        "WITH done, max(s.finished_at) AS latest RETURN done IS NULL OR (latest IS NOT NULL AND latest > done) AS due"
    )
    return bool(rows[0]["due"])


def _extract(
    graph: Graph, agencies: Sequence[str] | None, parquet: Path, progress: ProgressFactory
) -> tuple[dict[str, Current], int]:
    """Write the records' features to ``parquet`` a page at a time; keep only the current resolutions (of records
    that have one), which the write-back compares against."""
    current: dict[str, Current] = {}
    count = 0
    with pq.ParquetWriter(parquet, FEATURES) as out:
        for batch in record_batches(graph, agencies=agencies, progress=progress):
            out.write_batch(feature_batch(batch))
            count += batch.num_rows
            columns = batch.select(["key", "person_id", "linked_with", "match_probability"]).to_pydict()
            for key, pid, other, p in zip(*columns.values(), strict=True):
                if pid is not None:
                    current[key] = Current(pid, other, p)
    return current, count


def _contrary(db: Any, parquet: Path, pairs: Sequence[Pair], model: Mapping[str, Any]) -> list[tuple[str, str, float]]:
    """The model's evidence against pairs of records that ``pairs`` chain together (``model.contradicted``): every
    record with its chain (None outside chains of three or more) written beside ``parquet``, so that term
    frequencies are still those of all the records, and the pairs within each chain scored."""
    chain = chains(pairs)
    if not chain:
        return []
    table = pq.read_table(parquet)
    table = table.append_column("chain", pa.array([chain.get(k) for k in table["unique_id"].to_pylist()], pa.int64()))
    chained = parquet.with_name("chained.parquet")
    pq.write_table(table, chained)
    return list(contradicted(register(db, chained, "chained_features"), model, below=CONTRARY))


def resolve(
    graph: Graph,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    agencies: Sequence[str] | None = None,
    progress: ProgressFactory = silent,
    report: ResolveReport | None = None,
    training: Training | None = None,
    engine: Engine | None = None,
    model: Mapping[str, Any] | None = None,
    work_dir: Path | None = None,
    guards: Guards = ALL_GUARDS,
) -> ResolveReport:
    """Resolve every current person record (of ``agencies``, default all) and write the result to the graph.

    The model runs on ``engine`` (default DuckDB) with its working files in ``work_dir`` (default a temporary
    directory); it is trained on the records unless a trained ``model`` (Splink's JSON, from any engine) is given.
    ``guards`` are the rules that refuse a merge outright: all on, except to measure what one is worth.
    """
    report = report or ResolveReport()
    report.threshold = threshold
    training = training or Training()
    clock = _Clock(report)
    pairs: list[Pair] = []
    contrary: list[tuple[str, str, float]] = []
    with tempfile.TemporaryDirectory(prefix="hub-resolve-", dir=work_dir) as tmp:
        parquet = Path(tmp) / "features.parquet"
        current, count = _extract(graph, agencies, parquet, progress)
        made = decisions(graph)
        confirmed, split = in_force(made)
        clock.lap("read")
        if count >= MIN_RECORDS_TO_TRAIN:
            with open_engine(engine or Engine(), Path(tmp) / "engine") as db, progress("scoring", None) as bar:
                frame = register(db, parquet)
                present = set(pq.read_table(parquet, columns=["unique_id"])["unique_id"].to_pylist())
                labels = [(a, b) for a, b in confirmed if a in present and b in present]
                report.model = dict(model) if model is not None else train(frame, training, labels=labels)
                report.labels = len(labels) if model is None and len(labels) >= training.min_labels else 0
                pairs = list(predict(frame, report.model, threshold=min(threshold, ATTACH)))
                contrary = _contrary(db, parquet, pairs, report.model) if guards.contrary else []
                bar.update(len(pairs))
        clock.lap("model")
        rows = pq.read_table(parquet).to_pylist()
    clustering = cluster(
        rows,
        pairs,
        threshold=threshold,
        confirmed=confirmed,
        split=split,
        contrary=contrary,
        attach=ATTACH,
        sparse=True,
        guards=guards,
    )
    del rows
    assignment: Assignment = assign_ids(
        clustering.clusters, {k: c.person_id for k, c in current.items()}, new_person_id
    )
    clock.lap("cluster")
    keys = changes(assignment, clustering.links, current)
    write(graph, assignment, clustering.links, keys, progress=progress)
    graph.write(f"MERGE (r:{RUN} {{name: 'last'}}) SET r.finished_at = $now", now=dt.datetime.now(dt.UTC))
    clock.lap("write")
    report.records = count
    report.clusters = len(clustering.clusters)
    report.merged = assignment.merged
    report.new_ids = len(assignment.new_ids)
    report.retired_ids = len(assignment.retired_ids)
    report.pairs = len(pairs)
    report.refused = clustering.refused
    report.rewritten = len(keys)
    report.people = {}
    for key, pid in assignment.person_of.items():
        agency, local_id = key.split(":", 1)
        report.people.setdefault(pid, []).append((agency, local_id))
    report.seconds["total"] = sum(v for k, v in report.seconds.items() if k != "total")
    return report
