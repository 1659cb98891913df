"""Ingest benchmark: the hub's ingest against raw batched Cypher writes of the same data, same run.

    python -m bench.ingest [--records 100000] [--rounds 1]

1. Generates the synthetic multi-agency set at about ``--records`` records.
2. Baseline: the same nodes and edges (the partner's fields as the hub types them, plus the key
   the edges are matched on, built before the clock starts) written with plain
   ``UNWIND ... CREATE`` batches on a fresh embedded graph with the same indexes. No validation,
   no provenance, no idempotency, no versions, no reference checks: the raw write rate.
3. Hub: ``hub ingest`` of every agency file, end to end (read, validate, check references,
   convert, MERGE idempotently, provenance), on another fresh embedded graph.

Prints records/s for both and the ratio hub / baseline. Target: at least 0.7.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import tempfile
import time
from pathlib import Path

from graph.ingest import build_row, ingest_file
from graph.model import PERSON
from graph.records import Row, link_people, temporal_sets, temporal_texts
from graph.store import Graph, GraphConfig, open_graph
from graph.validation import RecordValidator
from synthetic import SeedSpec, generate

RECORDS_PER_PERPETRATOR_GUESS = 31


def build_rows(files: dict[str, Path]) -> list[Row]:
    """Persons first, as the hub writes them, so edges always find their person."""
    validator = RecordValidator()
    rows: list[Row] = []
    for agency, path in sorted(files.items()):
        lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        latest = {(r["type"], r["local_id"]): r for r in lines}  # the raw write keeps one node per key
        people = [build_row(r, agency, validator) for r in latest.values() if r["type"] == PERSON.name]
        others = [build_row(r, agency, validator) for r in latest.values() if r["type"] != PERSON.name]
        rows += people + others
    return rows


def raw_write(graph: Graph, rows: list[Row], batch: int = 5000) -> None:
    for start in range(0, len(rows), batch):
        chunk = rows[start : start + batch]
        by_label: dict[str, list[Row]] = {}
        for row in chunk:
            by_label.setdefault(row.kind.label, []).append(row)
        for label, group in by_label.items():
            props = [{"p": dict(r.props, key=r.key), "t": temporal_texts(r)} for r in group]
            sets = temporal_sets(group)

            # the same edges as the hub, through the same code: the baseline differs only in the node writes
            def work(tx, label=label, props=props, group=group, sets=sets):
                tx.run(f"UNWIND $rows AS r CREATE (n:{label}) SET n = r.p{sets}", rows=props).consume()
                link_people(tx, label, group)

            graph.transaction(work)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="hub-bench-") as tmp:
        root = Path(tmp)
        spec = SeedSpec(
            seed=11,
            perpetrators=max(1, args.records // RECORDS_PER_PERPETRATOR_GUESS),
            as_of=dt.date(2026, 11, 1),
        )
        seed = generate(spec, root / "seed")
        print(f"data: {seed.records} records in {len(seed.files)} agency files")
        rows = build_rows(seed.files)
        raw_rates, hub_rates = [], []
        for round_ in range(args.rounds):
            with open_graph(GraphConfig(data_dir=root / f"raw-{round_}")) as graph:
                started = time.perf_counter()
                raw_write(graph, rows)
                raw_rates.append(seed.records / (time.perf_counter() - started))
            with open_graph(GraphConfig(data_dir=root / f"hub-{round_}")) as graph:
                started = time.perf_counter()
                lines = 0
                for agency, path in sorted(seed.files.items()):
                    report = ingest_file(graph, path, agency)
                    assert report.rejected == 0, report.rejects[:3]
                    lines += report.lines
                hub_rates.append(lines / (time.perf_counter() - started))
            print(
                f"round {round_ + 1}: raw {raw_rates[-1]:,.0f} records/s, hub {hub_rates[-1]:,.0f} records/s, "
                f"ratio {hub_rates[-1] / raw_rates[-1]:.2f}"
            )
    # each round pairs a raw and a hub run under the same conditions; the median pair is reported
    ratios = sorted((h / r, r, h) for r, h in zip(raw_rates, hub_rates, strict=True))
    ratio, raw, hub = ratios[len(ratios) // 2]
    print(f"\nmachine: {platform.machine()}, {_cores()} cores; {dt.date.today()}; median of {args.rounds} rounds")
    print(f"baseline raw batched Cypher : {raw:>10,.0f} records/s")
    print(f"hub ingest (end to end)     : {hub:>10,.0f} records/s")
    print(f"ratio hub / baseline        : {ratio:>10.2f}  (target >= 0.70)")


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0))


if __name__ == "__main__":
    main()
