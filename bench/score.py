"""Serial-perpetrator and RFG scoring benchmark: time and growth from 10k to 100k to 1M incidents.

    python -m bench.score [--sizes 10000,100000,1000000] [--source cypher|seed]

For each size, a fresh embedded graph is filled, then ``find_serial`` and ``score_perpetrators`` (with the write
back) are timed on it:

- ``--source cypher`` (default): person records, their singleton Persons and incidents written directly with batched
  ``UNWIND ... CREATE`` (about 8 incidents per perpetrator, 1-4 victims each, 3% of perpetrators under 16, spread
  over 4 years so that a quarter falls outside the 3-year window; 40% of incidents without a harm score). Fast
  enough to reach 1M incidents.
- ``--source seed``: the synthetic multi-agency set (``hub seed``'s generator, about 6.8 incidents per
  perpetrator) ingested through the hub: realistic, but slower to load.

Prints one line per size and the growth of each time against the growth of the data. Target: scoring 1M incidents in
under 2 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import tempfile
import time
from pathlib import Path

from graph.analytics.rfg import load_config, score_perpetrators
from graph.analytics.serial import find_serial
from graph.ingest import ingest_file
from graph.persons import ensure_people
from graph.scope import Scope
from graph.store import Graph, GraphConfig, open_graph

AS_OF = dt.date(2026, 11, 1)
AGENCIES = ("cleveland-police", "harbour-idva", "tees-nhs", "thirteen-housing")
CATEGORIES = ("physical", "threats", "coercive_control", "stalking_harassment", "emotional_psychological", "sexual")
INCIDENTS_PER_PERPETRATOR = 8
INCIDENTS_PER_SEEDED_PERPETRATOR = 6.8
BATCH = 10_000


def fill_cypher(graph: Graph, incidents: int, seed: int = 5) -> int:
    rng = random.Random(seed)
    perpetrators = max(1, incidents // INCIDENTS_PER_PERPETRATOR)
    people: list[list[str]] = []  # key, agency, local_id, dob
    plans: list[tuple[str, list[str]]] = []
    for i in range(perpetrators):
        agency = AGENCIES[0] if rng.random() < 0.8 else rng.choice(AGENCIES)
        young = rng.random() < 0.03
        born = AS_OF - dt.timedelta(days=(rng.randint(12 * 365, 15 * 365) if young else rng.randint(18, 60) * 365))
        perp = f"{agency}:P{i}"
        people.append([perp, agency, f"P{i}", born.isoformat()])
        victims = []
        for j in range(rng.choice((1, 1, 2, 2, 3, 4))):
            key = f"{agency}:V{i}-{j}"
            people.append([key, agency, f"V{i}-{j}", "1985-01-01"])
            victims.append(key)
        plans.append((perp, victims))
    for start in range(0, len(people), BATCH):
        graph.write(
            "UNWIND $rows AS r CREATE (n:PersonRecord {key: r[0], agency: r[1], local_id: r[2], version: 1}) "
            "SET n.dob = date(r[3]), n.postcode = 'TS17 1AA'",
            rows=people[start : start + BATCH],
        )
    ensure_people(graph, batch=BATCH)
    start_at = dt.datetime.combine(AS_OF, dt.time(), tzinfo=dt.UTC) - dt.timedelta(days=4 * 365)
    span = 4 * 365 * 86400
    rows: list[list[object]] = []
    written = 0
    for n in range(incidents):
        perp, victims = plans[n % perpetrators]
        occurred = start_at + dt.timedelta(seconds=rng.randrange(span))
        harm = round(rng.uniform(1, 400), 1) if rng.random() < 0.6 else None
        agency = perp.split(":", 1)[0]
        when = occurred.strftime("%Y-%m-%dT%H:%M:%SZ")
        rows.append([f"{agency}:I{n}", agency, f"I{n}", when, rng.choice(CATEGORIES), harm, perp, rng.choice(victims)])
        if len(rows) == BATCH or n == incidents - 1:
            graph.write(
                "UNWIND $rows AS r CREATE (n:Incident {key: r[0], agency: r[1], local_id: r[2], category: r[4]}) "
                "SET n.occurred_at = datetime(r[3]), n.harm_score = r[5] "
                "WITH n, r MATCH (p:PersonRecord {key: r[6]}) MATCH (v:PersonRecord {key: r[7]}) "
                "CREATE (n)-[:PERPETRATOR]->(p), (n)-[:VICTIM]->(v)",
                rows=rows,
            )
            written += len(rows)
            rows = []
    return written


def fill_seed(graph: Graph, incidents: int, root: Path) -> int:
    from synthetic import SeedSpec, generate

    spec = SeedSpec(seed=11, perpetrators=max(1, round(incidents / INCIDENTS_PER_SEEDED_PERPETRATOR)), as_of=AS_OF)
    result = generate(spec, root / "seed")
    for agency, path in sorted(result.files.items()):
        report = ingest_file(graph, path, agency)
        assert report.rejected == 0, report.rejects[:3]
    rows = graph.read("MATCH (n:Incident) RETURN count(n) AS n")
    return int(rows[0]["n"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000", help="incident counts, comma-separated")
    parser.add_argument("--source", choices=("cypher", "seed"), default="cypher")
    parser.add_argument("--heap", default="4g", help="embedded graph heap")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    config = load_config()
    results: list[tuple[int, int, int, float, int, float]] = []
    with tempfile.TemporaryDirectory(prefix="hub-bench-score-") as tmp:
        for size in sizes:
            root = Path(tmp) / str(size)
            with open_graph(GraphConfig(data_dir=root, heap=args.heap)) as graph:
                started = time.perf_counter()
                made = fill_cypher(graph, size) if args.source == "cypher" else fill_seed(graph, size, root)
                load = time.perf_counter() - started
                started = time.perf_counter()
                report = find_serial(graph, Scope.everything(), as_of=AS_OF)
                serial = time.perf_counter() - started
                started = time.perf_counter()
                run = score_perpetrators(graph, config, Scope.everything(), as_of=AS_OF)
                score = time.perf_counter() - started
            results.append((made, len(report.perpetrators), len(run.scores), serial, len(report.concerns), score))
            print(
                f"{made:>9,} incidents (loaded in {load:.0f} s): serial {serial:7.2f} s "
                f"({len(report.perpetrators):,} serial, {len(report.concerns):,} under-16 concerns); "
                f"score {score:7.2f} s ({len(run.scores):,} perpetrators scored and written)",
                flush=True,
            )
    print(f"\nmachine: {platform.machine()}, {len(os.sched_getaffinity(0))} cores; {dt.date.today()}; {args.source}")
    print(f"{'incidents':>10} {'serial s':>9} {'score s':>9} {'data x':>7} {'serial x':>9} {'score x':>8}")
    for i, (made, _, _, serial, _, score) in enumerate(results):
        if i == 0:
            print(f"{made:>10,} {serial:>9.2f} {score:>9.2f} {'':>7} {'':>9} {'':>8}")
            continue
        prev = results[i - 1]
        print(
            f"{made:>10,} {serial:>9.2f} {score:>9.2f} {made / prev[0]:>6.1f}x {serial / prev[3]:>8.1f}x "
            f"{score / prev[5]:>7.1f}x"
        )
    big = max(results)
    if big[0] >= 1_000_000:
        print(f"scoring {big[0]:,} incidents: {big[5]:.1f} s (target < 120 s)")


if __name__ == "__main__":
    main()
