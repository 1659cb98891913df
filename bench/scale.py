"""Scale curve (``make scale``): one machine from 10k to 1M person records, stage by stage.

    python -m bench.scale [--sizes 10k,100k,1M] [--stage-cap 3600] [--memory-cap 22] [--calls 36] [--out FILE]

For each size (person records, roughly), in a fresh temporary ``HUB_DATA_DIR`` with a real ``hub serve`` (its graph
server's heap ``--heap``) that every stage attaches to:

1. generate: the synthetic partnership (``synthetic.generate``, ``hub seed``'s generator) as agency files;
2. ingest: every file through the hub's ingest (``graph.ingest.ingest_file``): time and records per second;
3. resolve: identity resolution (``graph.identity.resolve``, what ``hub resolve`` runs): time and peak memory;
4. serial: the MATAC serial list (``find_serial``, as ``hub serial``);
5. score: RFG(V) scoring with its write back (``score_perpetrators``, as ``hub score``);
6. queries: through the hub over HTTP as a MATAC analyst, ``--calls`` sequential calls each of the nomination list
   (``matacNominations``), a 2-hop ``network`` and a ``person`` lookup (the perpetrators the list shows): p50 and p95.

Each stage runs in its own process, watched from here: a stage that passes ``--stage-cap`` seconds, or whose memory
(its own resident set plus the graph server's) passes ``--memory-cap`` GB, is killed and reported as such, and the
stages that need it are skipped; the next size still runs. Prints one table, sizes as columns, and writes the same
as JSON to ``--out`` (default ``HUB_DATA_DIR/scale-result.json``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import psutil

from bench.load import ANALYST, Hub, rss_of, serving
from bench.resolve import PERSONS_PER_PERPETRATOR
from bench.trust import percentile
from hub.settings import Settings

STAGES = ("generate", "ingest", "resolve", "serial", "score", "queries")
NEEDS = {"ingest": "generate", "resolve": "ingest", "serial": "resolve", "score": "resolve", "queries": "resolve"}
QUERIES = {
    "MATAC list": ("query L { matacNominations(top: 20) { nominations { personId } } }", None),
    "network 2 hops": ("query N($id: ID!) { network(personId: $id, hops: 2) { people truncated } }", "id"),
    "person": ("query P($id: ID!) { person(id: $id) { id records { agency localId } } }", "id"),
}
MB, GB = 1024 * 1024, 1024**3


# --- one stage, in its own process ----------------------------------------------------------------------------------


def stage(name: str, work: Path, people: int, seed: int, calls: int) -> dict[str, Any]:
    """Run one stage against the hub's graph (``HUB_DATA_DIR``); its figures, timed in-process."""
    from graph.store import open_graph

    today = dt.datetime.now(dt.UTC).date()
    if name == "generate":
        from synthetic import SeedSpec, generate

        perpetrators = max(1, round(people / PERSONS_PER_PERPETRATOR))
        started = time.perf_counter()
        made = generate(SeedSpec(seed=seed, perpetrators=perpetrators, as_of=today), work / "seed")
        seconds = time.perf_counter() - started
        (work / "files.json").write_text(json.dumps({a: str(p) for a, p in made.files.items()}), encoding="utf-8")
        return {"seconds": seconds, "records": made.records, "perpetrators": perpetrators}
    if name == "queries":
        return queries(os.environ["HUB_SCALE_URL"], os.environ["HUB_SCALE_TOKEN"], calls)
    settings = Settings.from_env(os.environ)
    with open_graph(settings.graph_config(), role="cli") as graph:  # attaches to hub serve's graph server
        started = time.perf_counter()
        if name == "ingest":
            from graph.ingest import ingest_file

            files = json.loads((work / "files.json").read_text(encoding="utf-8"))
            lines = rejected = 0
            for agency, path in sorted(files.items()):
                done = ingest_file(graph, Path(path), agency)
                lines, rejected = lines + done.lines, rejected + done.rejected
            seconds = time.perf_counter() - started
            found = graph.read("MATCH (n:PersonRecord) RETURN count(n) AS n")
            return {"seconds": seconds, "lines": lines, "rejected": rejected, "per_second": lines / seconds,
                    "person_records": int(found[0]["n"])}  # fmt: skip
        if name == "resolve":
            from graph.identity import resolve

            report = resolve(graph)
            return {"seconds": time.perf_counter() - started, "records": report.records, "people": report.clusters}
        from graph.scope import Scope

        if name == "serial":
            from graph.analytics.serial import find_serial

            listed = find_serial(graph, Scope.everything(), as_of=today).perpetrators
            return {"seconds": time.perf_counter() - started, "listed": len(listed)}
        if name == "score":
            from graph.analytics.rfg import load_config, score_perpetrators

            run = score_perpetrators(graph, load_config(), Scope.everything(), as_of=today)
            return {"seconds": time.perf_counter() - started, "scored": len(run.scores)}
    raise SystemExit(f"no stage {name}")


def queries(base: str, token: str, calls: int) -> dict[str, Any]:
    """``calls`` sequential calls of each interactive query as a MATAC analyst; p50 and p95 in ms."""
    headers = {"authorization": f"Bearer {token}", "x-purpose": ANALYST["purpose"],
               "x-justification": ANALYST["justification"]}  # fmt: skip
    started = time.perf_counter()
    times: dict[str, list[float]] = {name: [] for name in QUERIES}
    with httpx.Client(base_url=base, headers=headers, timeout=None) as client:

        def ask(query: str, variables: dict[str, Any]) -> dict[str, Any]:
            body = client.post("/graphql", json={"query": query, "variables": variables}).json()
            if body.get("errors") or not body.get("data"):
                raise SystemExit(f"the hub refused a query: {body.get('errors')}")
            return dict(body["data"])

        listed = ask(QUERIES["MATAC list"][0], {})["matacNominations"]["nominations"]
        people = [n["personId"] for n in listed]
        if not people:
            raise SystemExit("the nomination list is empty")
        for n in range(calls):
            for name, (query, variable) in QUERIES.items():
                variables = {variable: people[n % len(people)]} if variable else {}
                start = time.perf_counter()
                ask(query, variables)
                times[name].append(time.perf_counter() - start)
    return {
        "seconds": time.perf_counter() - started,
        **{name: {"p50_ms": statistics.median(t) * 1000, "p95_ms": percentile(t, 0.95) * 1000}
           for name, t in times.items()},
    }  # fmt: skip


# --- watching the stages --------------------------------------------------------------------------------------------


def tree_rss(pid: int) -> int:
    try:
        process = psutil.Process(pid)
        return sum(rss_of(p.pid) for p in [process, *process.children(recursive=True)])
    except psutil.Error:
        return 0


def watch(
    name: str, work: Path, hub: Hub, env: dict[str, str], args: argparse.Namespace, people: int
) -> dict[str, Any]:
    """Run a stage process under the caps; its figures with ``status`` ok, or the reason it stopped."""
    command = [sys.executable, "-m", "bench.scale", "--stage", name, "--work", str(work), "--sizes", str(people),
               "--seed", str(args.seed), "--calls", str(args.calls)]  # fmt: skip
    log, answer = work / f"{name}.log", work / f"{name}.json"
    started, peak, graph_peak, stopped = time.monotonic(), 0, 0, ""
    with log.open("w") as err, answer.open("w") as out:  # files: a full pipe would stall the stage
        process = subprocess.Popen(command, env=env, stdout=out, stderr=err, start_new_session=True)
        while process.poll() is None:
            own, graph = tree_rss(process.pid), rss_of(hub.graph_pid)
            peak, graph_peak = max(peak, own), max(graph_peak, graph)
            elapsed = time.monotonic() - started
            if own + graph > args.memory_cap * GB:
                stopped = f"out of memory: over {args.memory_cap:g} GB (stage and graph) after {elapsed:.0f} s"
            elif elapsed > args.stage_cap:
                stopped = f"too slow: over the {args.stage_cap:.0f} s cap"
            if stopped:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                break
            time.sleep(0.5)
    figures: dict[str, Any] = {"peak_rss_mb": round(peak / MB), "graph_peak_rss_mb": round(graph_peak / MB)}
    if stopped:
        return {**figures, "status": stopped, "seconds": time.monotonic() - started}
    said = answer.read_text().strip().splitlines()
    if process.returncode != 0 or not said:
        tail = log.read_text()[-600:].strip().splitlines()
        return {**figures, "status": f"failed (exit {process.returncode}): {tail[-1] if tail else ''}"}
    done = json.loads(said[-1])
    figures["peak_rss_mb"] = max(figures["peak_rss_mb"], done.get("own_peak_rss_mb", 0))  # the exact peak, when higher
    return {**done, **figures, "status": "ok"}


def run_size(people: int, root: Path, args: argparse.Namespace) -> dict[str, Any]:
    work = root / str(people)
    work.mkdir(parents=True)
    results: dict[str, Any] = {}
    with serving(work / "hub", heap=args.heap) as hub:
        env = {**hub.env, "HUB_SCALE_URL": hub.base, "HUB_SCALE_TOKEN": hub.token(ANALYST)}
        for name in STAGES:
            needed = NEEDS.get(name)
            if needed and results[needed]["status"] != "ok":
                results[name] = {"status": f"skipped: {needed} did not finish"}
            else:
                results[name] = watch(name, work, hub, env, args, people)
            print(f"  {people:,}: {name} {line(name, results[name])}", flush=True)
    return results


# --- the table ------------------------------------------------------------------------------------------------------


def line(name: str, got: dict[str, Any]) -> str:
    if got.get("status") != "ok":
        return str(got.get("status"))
    if name == "queries":
        return ", ".join(f"{q} {got[q]['p50_ms']:.0f}/{got[q]['p95_ms']:.0f} ms" for q in QUERIES)
    return f"{got['seconds']:.1f} s, peak {got['peak_rss_mb']:,} MB"


ROWS: list[tuple[str, str, Callable[[dict[str, Any]], str]]] = [
    ("person records", "ingest", lambda g: f"{g['person_records']:,}"),
    ("records", "generate", lambda g: f"{g['records']:,}"),
    ("generate s", "generate", lambda g: f"{g['seconds']:.1f}"),
    ("ingest s", "ingest", lambda g: f"{g['seconds']:.1f}"),
    ("ingest records/s", "ingest", lambda g: f"{g['per_second']:,.0f}"),
    ("resolve s", "resolve", lambda g: f"{g['seconds']:.1f}"),
    ("resolve peak MB (+ graph)", "resolve", lambda g: f"{g['peak_rss_mb']:,} (+{g['graph_peak_rss_mb']:,})"),
    ("serial s (listed)", "serial", lambda g: f"{g['seconds']:.1f} ({g['listed']:,})"),
    ("score s (scored)", "score", lambda g: f"{g['seconds']:.1f} ({g['scored']:,})"),
    *[(f"{q} p50/p95 ms", "queries", lambda g, q=q: f"{g[q]['p50_ms']:.0f}/{g[q]['p95_ms']:.0f}") for q in QUERIES],
]


def table(results: dict[int, dict[str, Any]]) -> str:
    width = 26
    cells = {
        size: [fn(got[stage_name]) if got[stage_name].get("status") == "ok" else "-" for _, stage_name, fn in ROWS]
        for size, got in results.items()
    }
    width_of = {size: max(12, *(len(c) for c in col)) for size, col in cells.items()}
    out = [f"{'':{width}} " + " ".join(f"{size:>{width_of[size]},}" for size in results)]
    for i, (label, _, _) in enumerate(ROWS):
        out.append(f"{label:{width}} " + " ".join(f"{cells[size][i]:>{width_of[size]}}" for size in results))
    for size, got in results.items():
        for name in STAGES:
            if got[name].get("status") != "ok":
                out.append(f"{size:,}: {name}: {got[name]['status']}")
    return "\n".join(out)


def sizes(text: str) -> list[int]:
    units = {"k": 1_000, "m": 1_000_000}
    found = []
    for part in (p.strip().lower() for p in text.split(",") if p.strip()):
        number = float(part[:-1]) * units[part[-1]] if part[-1] in units else float(part)
        found.append(int(number))
    if not found or min(found) < 1:
        raise ValueError(text)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10k,100k,1M", help="person records, roughly; comma-separated (k, M)")
    parser.add_argument("--stage-cap", type=float, default=3600, help="seconds a stage may take")
    parser.add_argument("--memory-cap", type=float, default=22, help="GB a stage and the graph server may hold")
    parser.add_argument("--heap", default="6g", help="the graph server's Java heap (HUB_GRAPH_HEAP)")
    parser.add_argument("--calls", type=int, default=36, help="calls of each interactive query")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=None, help="JSON result (default HUB_DATA_DIR/scale-result.json)")
    parser.add_argument("--stage", choices=STAGES, help=argparse.SUPPRESS)  # a stage's own process
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        chosen = sizes(args.sizes)
    except (ValueError, IndexError):
        parser.error("--sizes: positive numbers, comma-separated, with k or M if you like")
    if args.stage:
        figures = stage(args.stage, args.work, chosen[0], args.seed, args.calls)
        figures["own_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        print(json.dumps(figures))
        return 0
    out = args.out or Settings.from_env(os.environ).data_dir / "scale-result.json"
    print(f"scale curve, {dt.date.today()}: {platform.machine()}, {len(os.sched_getaffinity(0))} cores, "
          f"{psutil.virtual_memory().total / GB:.0f} GB; caps {args.stage_cap:.0f} s and {args.memory_cap:g} GB "
          f"a stage; graph heap {args.heap}", flush=True)  # fmt: skip
    results: dict[int, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="hub-scale-") as tmp:
        for people in chosen:
            results[people] = run_size(people, Path(tmp), args)
    print()
    print(table(results))
    out.parent.mkdir(parents=True, exist_ok=True)
    written = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"arch": platform.machine(), "cores": len(os.sched_getaffinity(0)),
                    "memory_gb": round(psutil.virtual_memory().total / GB, 1)},
        "options": {"stage_cap": args.stage_cap, "memory_cap_gb": args.memory_cap, "heap": args.heap,
                    "calls": args.calls, "seed": args.seed},
        "sizes": {str(size): got for size, got in results.items()},
    }  # fmt: skip
    out.write_text(json.dumps(written, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"result written to {out}")
    return 0 if all(s.get("status") == "ok" for got in results.values() for s in got.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
