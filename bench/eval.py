"""Evaluation against the synthetic ground truth: what linkage is worth.

    python -m bench.eval [--perpetrators 300] [--seed 7]     (make eval)

Seeds a fresh embedded graph at the default noise, then prints, each beside the same figure without linkage
(every record its own person, as the records come):

- identity resolution: pairwise precision, recall and F1, and cluster counts;
- the serial perpetrator list (MATAC definition, as of the seed's date): precision and recall, and how many
  under-16s were listed (must be 0).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import tempfile
from pathlib import Path

from graph.analytics.evaluate import evaluate_serial
from graph.analytics.serial import find_serial
from graph.identity import evaluate as ev
from graph.identity import resolve
from graph.identity.extract import read_records
from graph.ingest import ingest_file
from graph.scope import Scope
from graph.store import GraphConfig, open_graph
from synthetic import SeedSpec, generate

AS_OF = dt.date(2026, 11, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--perpetrators", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hub-eval-") as tmp:
        root = Path(tmp)
        seed = generate(SeedSpec(seed=args.seed, perpetrators=args.perpetrators, as_of=AS_OF), root / "seed")
        truth = json.loads(seed.truth_file.read_text(encoding="utf-8"))
        with open_graph(GraphConfig(data_dir=root), role="bench") as graph:
            for agency, path in sorted(seed.files.items()):
                ingest_file(graph, path, agency)
            unlinked = evaluate_serial(find_serial(graph, Scope.everything(), as_of=AS_OF).perpetrators, truth)
            report = resolve(graph)
            records = read_records(graph).to_pylist()
            linked = evaluate_serial(find_serial(graph, Scope.everything(), as_of=AS_OF).perpetrators, truth)
    clusters = ev.truth_clusters(truth)
    identity = {
        "hub resolve": ev.score(list(report.people.values()), clusters),
        "without linkage": ev.score(ev.singletons([(r["agency"], r["local_id"]) for r in records]), clusters),
    }
    print(
        f"evaluation, {dt.date.today()}: seed {args.seed}, {args.perpetrators} perpetrators, as of {AS_OF}, "
        f"{report.records} person records ({platform.machine()}, {os.cpu_count()} cpus)\n"
    )
    print("identity resolution (pairwise)")
    print(ev.table(identity))
    print("\nserial perpetrators (MATAC, 3-year look-back)")
    print(f"{'':18}{'listed':>8}{'true':>8}{'precision':>11}{'recall':>9}{'under-16 listed':>17}")
    for name, result in (("with linkage", linked), ("without linkage", unlinked)):
        print(
            f"{name:18}{result.listed:>8}{result.true_serial:>8}{result.precision:>11.3f}{result.recall:>9.3f}"
            f"{result.under_16:>17}"
        )


if __name__ == "__main__":
    main()
