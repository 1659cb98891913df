"""The long leak run: ``python -m tests.leak --queries 10000`` (``make fuzz``).

Builds a fresh world in its own data directory (seed, scenario, identity resolution), serves it with a real
``hub serve``, sends the generated queries from every caller, judges every response, prints queries per caller and
findings per rule, writes every finding as JSON Lines, and exits 1 on any finding (0 when there is none).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from tests.leak.run import Campaign, write_report
from tests.leak.world import build, served


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.leak", description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=10000, help="generated queries (besides the fixed phases)")
    parser.add_argument("--perpetrators", type=int, default=40, help="scale of the synthetic partnership")
    parser.add_argument("--seed", type=int, default=11, help="generator seed (the synthetic data uses seed 7)")
    parser.add_argument("--workers", type=int, default=3, help="concurrent requests")
    parser.add_argument("--data-dir", type=Path, default=None, help="where the world lives (default: a fresh temp dir)")
    parser.add_argument("--report", type=Path, default=Path("leak-findings.jsonl"), help="every finding, JSON Lines")
    parser.add_argument("--show", type=int, default=40, help="distinct findings to print in full")
    args = parser.parse_args(argv)
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="hub-leak-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with served(data_dir, HUB_GRAPH_HEAP="1g") as base:
        world = build(data_dir, perpetrators=args.perpetrators)
        print(
            f"world: {len(world.records)} records, {len(world.person_ids)} people, data in {data_dir} "
            f"({time.monotonic() - started:.0f} s)",
            file=sys.stderr,
        )
        campaign = Campaign(world, base, seed=args.seed, workers=args.workers)
        campaign.setup()
        campaign.run(args.queries, progress=lambda m: print(m, file=sys.stderr))
    print(campaign.table())
    distinct = campaign.distinct()
    if distinct:
        print(f"\n{len(distinct)} distinct findings (rule, caller, root, kind); the first {args.show}:\n")
        for finding in list(distinct.values())[: args.show]:
            print(finding.line())
    write_report(campaign, args.report)
    print(f"\nevery finding: {args.report}", file=sys.stderr)
    return 1 if campaign.findings else 0


if __name__ == "__main__":
    sys.exit(main())
