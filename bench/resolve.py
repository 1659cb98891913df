"""Identity resolution benchmark: accuracy against the synthetic ground truth, time per stage, and the scaling curve.

    python -m bench.resolve [--people 3000[,30000,100000]] [--seed 7]

For each size, seeds a fresh embedded graph with about that many person records (``hub seed`` scaled by
perpetrators), resolves it, and prints the time of each stage (graph read and write included) and pairwise
precision, recall and F1 beside the same figures without linkage and with exact national-identifier linkage only.
With several sizes it ends with the growth of time against the growth of the data. Memory: the process's peak
resident set during the first resolve (sampled every 50 ms; the embedded graph's JVM heap is part of the process),
and its growth over the resident set just before it.
Targets (issue 5): F1 >= 0.97 at 100k person records, within 2 minutes on 2 cores.

``--engines duckdb,spark`` then applies the model the first resolve trained (on DuckDB) again with each engine named,
over the same records in the same graph, and prints one row per engine: its stage times (the model stage is
prediction only), the pairs it scored, the people it found, the links it rewrote (0: the same people as the first
resolve) and F1. Spark runs ``local[2]`` in a JVM of its own, whose memory the figure above does not include.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from graph.identity import Engine, ResolveReport, resolve
from graph.identity import evaluate as ev
from graph.identity.extract import read_records
from graph.ingest import ingest_file
from graph.store import GraphConfig, open_graph
from synthetic import SeedSpec, generate

T = TypeVar("T")
PERSONS_PER_PERPETRATOR = 10.3  # 300 perpetrators -> about 3,100 person records


def _rss() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmRSS:"))


def peak_rss(work: Callable[[], T]) -> tuple[T, int, int]:
    """(result, resident bytes before, peak resident bytes while ``work`` ran)."""
    before, peak, done = _rss(), [0], threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            peak[0] = max(peak[0], _rss())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        result = work()
    finally:
        done.set()
        sampler.join()
    return result, before, max(peak[0], _rss())


def run(
    people: int, seed: int, threshold: float | None, engine: Engine, engines: list[str]
) -> tuple[ResolveReport, ev.Scores]:
    perpetrators = max(1, round(people / PERSONS_PER_PERPETRATOR))
    with tempfile.TemporaryDirectory(prefix="hub-bench-resolve-") as tmp:
        root = Path(tmp)
        spec = SeedSpec(seed=seed, perpetrators=perpetrators, as_of=dt.date(2026, 11, 1))
        started = time.perf_counter()
        made = generate(spec, root / "seed")
        with open_graph(GraphConfig(data_dir=root, heap="4g"), role="bench") as graph:
            for agency, path in sorted(made.files.items()):
                ingest_file(graph, path, agency)
            loaded = time.perf_counter() - started
            kwargs: dict[str, Any] = {"engine": engine} | ({} if threshold is None else {"threshold": threshold})
            report, before, peak = peak_rss(lambda: resolve(graph, **kwargs))
            again = resolve(graph, **kwargs)
            applied = {
                name: resolve(graph, **kwargs | {"engine": replace(engine, name=name), "model": report.model})
                for name in engines
            }
            records = read_records(graph).to_pylist()
        truth = ev.truth_clusters(json.loads(made.truth_file.read_text(encoding="utf-8")))
    refs = [(r["agency"], r["local_id"]) for r in records]
    rows = {
        "hub resolve": ev.score(list(report.people.values()), truth),
        "without linkage": ev.score(ev.singletons(refs), truth),
        "exact identifiers only": ev.score(ev.by_identifier(records), truth),
    }
    print(f"\n{perpetrators} perpetrators, {report.records:,} person records (seed and ingest {loaded:.0f} s)\n")
    print(ev.table(rows))
    print()
    print("stage seconds  " + "  ".join(f"{k} {v:.1f}" for k, v in report.seconds.items()))
    print(f"re-run         {again.seconds['total']:.1f}s, {again.rewritten} links rewritten, "
          f"{again.new_ids} new ids, {again.retired_ids} retired")  # fmt: skip
    print(f"memory         peak {peak / 2**30:.2f} GiB during resolve, {(peak - before) / 2**30:.2f} GiB over "
          f"{before / 2**30:.2f} GiB before it")  # fmt: skip
    print(f"clusters {report.clusters}, merged {report.merged}, pairs {report.pairs}, refused by guards "
          f"{report.refused}, threshold {report.threshold}", flush=True)  # fmt: skip
    if applied:
        print(f"\nthe trained model applied again, {report.records:,} person records, {dt.date.today()}")
        print(f"{'engine':<8} {'read':>6} {'model':>7} {'cluster':>8} {'write':>6} {'total':>7} {'pairs':>9} "
              f"{'people':>8} {'rewritten':>9} {'F1':>7}")  # fmt: skip
        for name, done in applied.items():
            s, f1 = done.seconds, ev.score(list(done.people.values()), truth).f1
            times = " ".join(f"{s[k]:>{w}.1f}" for k, w in (("read", 6), ("model", 7), ("cluster", 8), ("write", 6)))
            counts = f"{done.pairs:>9,} {done.clusters:>8,} {done.rewritten:>9,}"
            print(f"{name:<8} {times} {s['total']:>7.1f} {counts} {f1:>7.4f}")
    return report, rows["hub resolve"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", default="3100", help="person records, roughly; comma-separated for a curve")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--threshold", type=float, default=None)
    parser.add_argument("--memory-limit", default=Engine.memory_limit, help="DuckDB's, before it spills (e.g. 1GB)")
    parser.add_argument("--engines", default="", help="apply the trained model again on these, e.g. duckdb,spark")
    args = parser.parse_args()
    print(f"resolve benchmark, {dt.date.today()}: {platform.machine()}, {len(os.sched_getaffinity(0))} cores")
    engine = Engine(memory_limit=args.memory_limit)
    sizes = [int(s) for s in args.people.split(",")]
    engines = [name.strip() for name in args.engines.split(",") if name.strip()]
    results = [(size, *run(size, args.seed, args.threshold, engine, engines)) for size in sizes]
    print(f"\n{'records':>9} {'F1':>7} {'seconds':>8} {'data x':>7} {'time x':>7}")
    previous = None
    for _, report, score in results:
        total = report.seconds["total"]
        growth = (
            f"{report.records / previous[0]:>6.1f}x {total / previous[1]:>6.1f}x" if previous else f"{'':>7} {'':>7}"
        )
        print(f"{report.records:>9,} {score.f1:>7.4f} {total:>8.1f} {growth}")
        previous = (report.records, total)


if __name__ == "__main__":
    main()
