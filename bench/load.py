"""Load run (``make load``): a mixed workload from Locust, headless, against a real ``hub serve`` on loopback.

    python -m bench.load [--people 10000] [--duration 300] [--max-requests 100000] [--users 20] [--think 0.5]
                         [--out FILE]

1. Starts ``hub serve`` in a temporary ``HUB_DATA_DIR`` and, attached to its graph, seeds the synthetic partnership
   at about ``--people`` person records (``hub seed``) and resolves identities (``hub resolve``).
2. Makes one credential per kind of caller: a MATAC analyst's token (``hub token``, ``matac-tasking``, ``MATAC-0001``),
   an auditor's (``tees-dap``, ``audit``, ``AUD-LOAD``), and a partner system registered with ``hub clients add``
   that gets its token from ``POST /oauth/token`` (client credentials). The perpetrators the analyst's nomination
   list shows are the people the workload asks about.
3. Runs ``bench/locustfile.py`` (analysts' lists, networks and lookups; partner submissions over GraphQL and
   ``POST /submissions``; auditors' audit trail queries) for ``--duration`` seconds or ``--max-requests`` requests,
   whichever comes first; Locust is killed if it has not stopped a minute after that.
4. Prints throughput, p50/p95/p99 and failures per request type, and the resident memory of ``hub serve`` and of its
   graph server before and after (and the peak, sampled each second); writes the same as JSON to ``--out`` (default
   ``HUB_DATA_DIR/load-result.json``, the hub's usual data directory, not the temporary one).

Exit code 0 when no request failed (a non-2xx status, a GraphQL error or an incomplete answer is a failure), else 1.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

from bench.api import child_of, free_port
from bench.resolve import PERSONS_PER_PERPETRATOR
from bench.trust import HUB, REPO, percentile, wait_ready
from hub.auth.clients import ClientRegistry, clients_path
from hub.auth.services import embedded_issuer
from hub.settings import Settings

LOCUST = str(Path(sys.executable).with_name("locust"))
LOCUSTFILE = REPO / "bench" / "locustfile.py"
POLICE, AUDITOR_AGENCY = "cleveland-police", "tees-dap"
ANALYST = {"agency": POLICE, "role": "matac-analyst", "purpose": "matac-tasking", "justification": "MATAC-0001"}
AUDITOR = {"agency": AUDITOR_AGENCY, "role": "auditor", "purpose": "audit", "justification": "AUD-LOAD"}
PEOPLE_QUERY = "{ matacNominations(top: 200) { nominations { personId } } }"
MB = 1024 * 1024


# --- a hub on loopback, shared with bench/scale.py ------------------------------------------------------------------


@dataclass
class Hub:
    """A ``hub serve`` in ``data_dir``; ``cli`` runs other ``hub`` commands against the same graph."""

    data_dir: Path
    env: dict[str, str]
    base: str
    pid: int | None  # hub serve's process, whose memory is sampled
    graph_pid: int | None = None
    token_ttl: int = 3600  # the hub's default HUB_MAX_TOKEN_TTL

    def cli(self, *args: str, timeout: float = 3600) -> str:
        done = subprocess.run([HUB, *args], env=self.env, capture_output=True, text=True, timeout=timeout)
        if done.returncode not in (0, 1):  # 1: partial success (a rejected line), reported by the caller
            raise RuntimeError(f"hub {' '.join(args)}: exit {done.returncode}: {done.stderr[-2000:]}")
        return done.stdout

    def token(self, caller: dict[str, str]) -> str:
        """What ``hub token`` prints, from the same embedded issuer (in-process: a command costs seconds to start)."""
        issuer = embedded_issuer(Settings.from_env(self.env))
        return issuer.issue(
            subject=f"load:{caller['role']}", agency=caller["agency"], roles=(caller["role"],),
            purposes=(caller["purpose"],), ttl=self.token_ttl, justification=caller["justification"],
        )  # fmt: skip

    def client_token(self, agency: str, role: str) -> str:
        """A partner system's token, the way a partner gets one: registered, then the client credentials grant."""
        client_id, secret = ClientRegistry(clients_path(self.data_dir)).register(agency, (role,), ())  # hub clients add
        response = httpx.post(
            f"{self.base}/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(client_id, secret),
            timeout=30,
        )
        response.raise_for_status()
        return str(response.json()["access_token"])

    def rss(self) -> dict[str, int]:
        """Resident bytes of ``hub serve`` and of its graph server (0 once gone)."""
        return {"hub": rss_of(self.pid), "graph": rss_of(self.graph_pid)}


def rss_of(pid: int | None) -> int:
    try:
        return int(psutil.Process(pid).memory_info().rss) if pid else 0
    except psutil.Error:
        return 0


def running(base: str, data_dir: Path) -> Hub:
    """A hub already serving ``base`` from ``data_dir`` on this machine (tokens are made from its data directory)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEO4J_", "HUB_"))}
    env["HUB_DATA_DIR"] = str(data_dir)
    port = httpx.URL(base).port
    listening = [c.pid for c in psutil.net_connections("tcp") if c.status == "LISTEN" and c.laddr.port == port]
    pid = listening[0] if listening else None
    ttl = Settings.from_env(os.environ).edge.token_ttl  # the longest this environment's hub accepts
    return Hub(data_dir, env, base.rstrip("/"), pid, child_of(pid) if pid else None, token_ttl=ttl)


@contextlib.contextmanager
def serving(data_dir: Path, heap: str | None = None) -> Iterator[Hub]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEO4J_", "HUB_"))}
    # tokens outlive the default HUB_MAX_TOKEN_TTL of an hour on a long run
    env.update(HUB_DATA_DIR=str(data_dir), HUB_PORT=str(free_port()), HUB_MAX_TOKEN_TTL="86400")
    if heap:
        env["HUB_GRAPH_HEAP"] = heap
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir / "serve.log"
    with log_path.open("w") as log:  # a file: an unread pipe fills with access-log lines and stalls the server
        process = subprocess.Popen([HUB, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
    hub = Hub(data_dir, env, f"http://127.0.0.1:{env['HUB_PORT']}", process.pid, token_ttl=86_400)
    try:
        wait_ready(hub.base)
        hub.graph_pid = child_of(process.pid)
        yield hub
    except BaseException:
        print(f"hub serve's log ends:\n{log_path.read_text()[-3000:]}", file=sys.stderr)
        raise
    finally:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Sampler:
    """Samples ``hub.rss()`` every ``every`` seconds in a thread, keeping the peak of each process."""

    def __init__(self, hub: Hub, every: float = 1.0) -> None:
        self.hub, self.every = hub, every
        self.peak: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for name, value in self.hub.rss().items():
                self.peak[name] = max(self.peak.get(name, 0), value)
            self._stop.wait(self.every)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


# --- the run --------------------------------------------------------------------------------------------------------


@dataclass
class Result:
    """What a load run measured, as printed and written."""

    setup: dict[str, Any]
    wall: float
    requests: dict[str, dict[str, Any]] = field(default_factory=dict)
    memory: dict[str, dict[str, float]] = field(default_factory=dict)
    locust_exit: int | None = None
    first_failures: dict[str, str] = field(default_factory=dict)

    @property
    def failures(self) -> int:
        return sum(r["failures"] for r in self.requests.values())

    @property
    def ok(self) -> bool:
        return self.failures == 0 and self.locust_exit == 0 and bool(self.requests)


def summarise(samples: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per request name, and ``all``: count, failures, throughput, p50/p95/p99 in ms (of the successful requests)."""
    wall = max(float(samples["wall"]), 1e-9)
    latencies: dict[str, list[float]] = samples["latencies"]
    failures: dict[str, int] = samples["failures"]
    names = sorted(set(latencies) | set(failures))
    rows = {name: _row(latencies.get(name, []), failures.get(name, 0), wall) for name in names}
    if rows:
        rows["all"] = _row([v for n in names for v in latencies.get(n, [])], sum(failures.values()), wall)
    return rows


def _row(values: list[float], failed: int, wall: float) -> dict[str, Any]:
    def pct(q: float) -> float | None:
        return round(percentile(values, q), 1) if values else None

    return {
        "requests": len(values) + failed,
        "failures": failed,
        "per_second": round(len(values) / wall, 2),
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
    }


def run_locust(hub: Hub, work: Path, callers: dict[str, Any], people: list[str], args: argparse.Namespace) -> Result:
    samples_path = work / "locust-samples.json"
    config = {
        "callers": callers,
        "people": people,
        "think": args.think,
        "max_requests": args.max_requests,
        "incidents_at": args.incidents_at,
        "samples": str(samples_path),
    }
    config_path = work / "locust-config.json"
    config_path.write_text(json.dumps(config), encoding="utf-8")
    command = [
        LOCUST, "-f", str(LOCUSTFILE), "--headless", "--host", hub.base, "--users", str(args.users),
        "--spawn-rate", str(args.spawn_rate), "--run-time", f"{args.duration}s", "--stop-timeout", "10",
        "--only-summary", "--loglevel", "WARNING",
    ]  # fmt: skip
    before = hub.rss()
    locust_log = work / "locust.log"
    with Sampler(hub) as sampler, locust_log.open("w") as log:
        locust = subprocess.Popen(command, env={**hub.env, "HUB_LOAD_CONFIG": str(config_path)}, stdout=log,
                                  stderr=subprocess.STDOUT, cwd=REPO)  # fmt: skip
        try:
            code: int | None = locust.wait(timeout=args.duration + 60)  # bounded even if Locust hangs
        except subprocess.TimeoutExpired:
            locust.kill()
            locust.wait()
            code = None
    after = hub.rss()
    if not samples_path.exists():
        raise SystemExit(f"Locust wrote no samples (exit {code}); its log ends:\n{locust_log.read_text()[-3000:]}")
    samples = json.loads(samples_path.read_text(encoding="utf-8"))
    memory = {
        name: {
            "start_mb": round(before[name] / MB, 1),
            "end_mb": round(after[name] / MB, 1),
            "peak_mb": round(max(sampler.peak.get(name, 0), after[name]) / MB, 1),
            "growth_mb": round((after[name] - before[name]) / MB, 1),
        }
        for name in before
    }
    result = Result({}, samples["wall"], summarise(samples), memory, code, samples["first_failures"])
    if code != 0:
        print(f"Locust exited {code}; its log ends:\n{locust_log.read_text()[-3000:]}", file=sys.stderr)
    return result


def seed(hub: Hub, people: int, seed_value: int, timeout: float) -> dict[str, Any]:
    """Seed and resolve through the hub's own commands, attached to its graph."""
    perpetrators = max(1, round(people / PERSONS_PER_PERPETRATOR))
    started = time.perf_counter()
    hub.cli("seed", "--seed", str(seed_value), "--perpetrators", str(perpetrators), timeout=timeout)
    seeded = time.perf_counter() - started
    hub.cli("resolve", timeout=timeout)
    resolved = time.perf_counter() - started - seeded
    return {
        "perpetrators_seeded": perpetrators,
        "seed_seconds": round(seeded, 1),
        "resolve_seconds": round(resolved, 1),
    }


def setup(hub: Hub, count: bool) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """What the graph holds (``count``: by ``hub stats``); the three callers' headers; the people asked about."""
    records = json.loads(hub.cli("stats"))["records"] if count else {}
    person_records = sum(types.get("person", 0) for types in records.values())

    def headers(token: str, caller: dict[str, str] | None) -> dict[str, str]:
        made = {"authorization": f"Bearer {token}"}
        if caller:
            made.update({"x-purpose": caller["purpose"], "x-justification": caller["justification"]})
        return made

    callers: dict[str, dict[str, Any]] = {
        "analyst": {"headers": headers(hub.token(ANALYST), ANALYST)},
        "auditor": {"headers": headers(hub.token(AUDITOR), AUDITOR)},
        "partner": {"headers": headers(hub.client_token(POLICE, "submitter"), None), "agency": POLICE},
    }
    answer = httpx.post(f"{hub.base}/graphql", json={"query": PEOPLE_QUERY}, headers=callers["analyst"]["headers"],
                        timeout=600).json()  # fmt: skip
    if answer.get("errors") or not answer.get("data"):
        raise SystemExit(f"the analyst's nomination list failed: {answer.get('errors')}")
    chosen = [n["personId"] for n in answer["data"]["matacNominations"]["nominations"]]
    if not chosen:
        raise SystemExit("the analyst's nomination list is empty: nobody to ask about")
    about = {
        "person_records": person_records,
        "records": sum(sum(types.values()) for types in records.values()),
        "people_asked_about": len(chosen),
    }
    return about, callers, chosen


def held(about: dict[str, Any]) -> str:
    if not about.get("records"):
        return ""
    return f"{about['person_records']:,} person records ({about['records']:,} records), "


def report(result: Result, args: argparse.Namespace) -> str:
    lines = [
        f"load run, {dt.date.today()}, {platform.machine()}, {len(os.sched_getaffinity(0))} cores; "
        f"{held(result.setup)}{args.users} users, think time 0-{2 * args.think:g} s, {result.wall:.0f} s",
        "",
        f"{'request':42} {'requests':>8} {'failed':>6} {'per s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}",
    ]
    lines.append("-" * len(lines[-1]))
    for name, row in result.requests.items():
        times = " ".join(
            f"{'-' if row[k] is None else format(row[k], '.1f'):>7}" for k in ("p50_ms", "p95_ms", "p99_ms")
        )
        lines.append(f"{name:42} {row['requests']:>8,} {row['failures']:>6,} {row['per_second']:>7.1f} {times}")
    lines.append("")
    for name, mem in result.memory.items():
        lines.append(
            f"{name + ' RSS':10} start {mem['start_mb']:7.1f} MB, end {mem['end_mb']:7.1f} MB "
            f"(growth {mem['growth_mb']:+.1f} MB), peak {mem['peak_mb']:7.1f} MB"
        )
    for name, message in result.first_failures.items():
        lines.append(f"first failure of {name}: {message}")
    lines.append(f"{'no failures' if result.ok else 'FAILED'} (Locust exit {result.locust_exit})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=10_000, help="person records to seed, roughly")
    parser.add_argument("--duration", type=int, default=300, help="seconds of load at most")
    parser.add_argument("--max-requests", type=int, default=100_000, help="requests at most")
    parser.add_argument("--users", type=int, default=20, help="concurrent simulated callers")
    parser.add_argument("--spawn-rate", type=float, default=5, help="callers started per second")
    parser.add_argument("--think", type=float, default=0.5, help="mean think time between a caller's requests, s")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--setup-timeout", type=float, default=1800, help="seconds for seeding, and for resolving")
    parser.add_argument("--out", type=Path, default=None, help="JSON result (default HUB_DATA_DIR/load-result.json)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data directory and the logs")
    parser.add_argument("--url", help="load a hub already serving here instead (no seeding); with --data-dir")
    parser.add_argument("--data-dir", type=Path, help="that hub's HUB_DATA_DIR, where its tokens are made")
    parser.add_argument("--incidents-at", help="when the partner's incidents happened (ISO date-time; default now)")
    args = parser.parse_args(argv)
    if min(args.duration, args.max_requests, args.users, args.people) < 1 or args.think < 0 or args.spawn_rate <= 0:
        parser.error("--duration, --max-requests, --users and --people are positive; --think is 0 or more")
    out = args.out or Settings.from_env(os.environ).data_dir / "load-result.json"
    if bool(args.url) != bool(args.data_dir):
        parser.error("--url and --data-dir go together")
    with contextlib.ExitStack() as stack:
        tmp = tempfile.mkdtemp(prefix="hub-load-") if args.keep else stack.enter_context(tempfile.TemporaryDirectory())
        seeded: dict[str, Any] = {}
        if args.url:
            hub = running(args.url, args.data_dir)
        else:
            hub = stack.enter_context(serving(Path(tmp) / "hub"))
            seeded = seed(hub, args.people, args.seed, args.setup_timeout)
            print(
                f"seeded in {seeded['seed_seconds']:.0f} s, resolved in {seeded['resolve_seconds']:.0f} s", flush=True
            )
        about, callers, people = setup(hub, count=not args.url)
        about.update(seeded)
        print(f"{held(about)}load for {args.duration} s or {args.max_requests:,} requests", flush=True)
        result = run_locust(hub, Path(tmp), callers, people, args)
        result.setup = about
    print(report(result, args))
    if args.keep:
        print(f"the hub's data and the logs are kept in {tmp}")
    out.parent.mkdir(parents=True, exist_ok=True)
    written = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"arch": platform.machine(), "cores": len(os.sched_getaffinity(0))},
        "options": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "setup": result.setup,
        "wall_seconds": round(result.wall, 1),
        "requests": result.requests,
        "memory": result.memory,
        "locust_exit": result.locust_exit,
        "first_failures": result.first_failures,
        "ok": result.ok,
    }
    out.write_text(json.dumps(written, indent=2, allow_nan=False, default=str) + "\n", encoding="utf-8")
    print(f"result written to {out}")
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
