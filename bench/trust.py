"""Trust-layer benchmark: a person lookup through the hub's GraphQL against the raw Cypher it runs, same run.

    python -m bench.trust [--people 200] [--rounds 3]

1. Seeds the synthetic set into a fresh data directory and starts a real ``hub serve`` on it.
2. Picks ``--people`` police person records that have incidents.
3. Raw: for each, the same Cypher the hub executes for the query below (the person and their records, their
   incidents, the people each incident names, their orders), through the same driver, with the same scope the
   MATAC grant pushes down, and nothing else: no HTTP, no token, no policy, no masking, no audit.
4. Hub: the GraphQL query over HTTP as a MATAC analyst: bearer token checked, purpose and justification decided,
   record scope pushed down, fields masked, one audit event made durable (fsync) before the response, with its
   Merkle tree nodes and a new signed tree head, which is published to a witness directory (``HUB_AUDIT_WITNESS``).

Prints median and p95 latency of both, the ratio hub / raw, and the parts: an uncached and a cached policy decision,
and one audited request's audit append alone.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from graph import persons
from graph.store import GraphConfig, open_graph
from hub.access.context import scope_for
from hub.audit import AuditEvent, open_audit_log
from hub.policy import Asker, Decider, load_agreements

REPO = Path(__file__).resolve().parents[1]
HUB = str(Path(sys.executable).with_name("hub"))
QUERY = """query P($a: String!, $l: String!) { personByRecord(agency: $a, localId: $l) {
  id records { agency localId givenName familyName dob postcode }
  incidents { role incident { agency localId occurredAt category outcome people { role personId } } }
  orders { kind start status people { field personId } } } }"""
POLICE = "cleveland-police"
ANALYST = Asker("bench", POLICE, frozenset({"matac-analyst"}))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hub-bench-trust-") as tmp:
        run(Path(tmp) / "data", args.people, args.rounds, witness=Path(tmp) / "witness")


def run(data_dir: Path, people: int, rounds: int, *, witness: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEO4J_", "HUB_"))}
    env.update(HUB_DATA_DIR=str(data_dir), HUB_PORT=str(18700 + os.getpid() % 1000), HUB_AUDIT_WITNESS=str(witness))
    subprocess.run([HUB, "seed"], env=env, check=True, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{env['HUB_PORT']}"
    with (data_dir / "serve.log").open("w") as log:
        server = subprocess.Popen([HUB, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_ready(base)
        token = subprocess.run(
            [HUB, "token", "--agency", POLICE, "--role", "matac-analyst"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        measure(data_dir, base, token, people, rounds)
    finally:
        server.terminate()
        server.wait(timeout=60)


def wait_ready(base: str) -> None:
    for _ in range(240):
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit("hub serve did not become ready")


def measure(data_dir: Path, base: str, token: str, people: int, rounds: int) -> None:
    today = dt.datetime.now(dt.UTC).date()
    decider = Decider(load_agreements(REPO / "agreements"))
    grant = decider.grant(ANALYST, "matac-tasking", "MATAC-BENCH", today)
    scope = scope_for(grant, None)
    headers = {"authorization": f"Bearer {token}", "x-purpose": "matac-tasking", "x-justification": "MATAC-BENCH"}
    with open_graph(GraphConfig(data_dir=data_dir), role="cli") as graph, httpx.Client(headers=headers) as client:
        chosen = graph.read(
            "MATCH (r:PersonRecord)<-[:PERPETRATOR|VICTIM]-(i:Incident) WHERE r.agency = $a "
            "RETURN DISTINCT r.local_id AS lid LIMIT $n",
            a=POLICE,
            n=people,
        )
        local_ids = [row["lid"] for row in chosen]

        def raw(lid: str) -> None:
            found = persons.find_person(graph, scope, record=f"{POLICE}:{lid}")
            assert found is not None
            incidents = persons.incidents_of(graph, scope, [found["id"]])
            persons.incident_people(graph, scope, [row["record"]["key"] for row in incidents])
            persons.records_of(graph, scope, "ProtectiveOrder", [found["id"]])

        def hub(lid: str) -> None:
            response = client.post(f"{base}/graphql", json={"query": QUERY, "variables": {"a": POLICE, "l": lid}})
            body = response.json()
            assert response.status_code == 200 and "errors" not in body and body["data"]["personByRecord"], body

        for warm in local_ids[:20]:
            raw(warm)
            hub(warm)
        timings: dict[str, list[float]] = {"raw": [], "hub": []}
        for _ in range(rounds):
            for lid in local_ids:
                for name, work in (("raw", raw), ("hub", hub)):
                    start = time.perf_counter()
                    work(lid)
                    timings[name].append(time.perf_counter() - start)
    parts = policy_and_audit(decider, data_dir, today)
    report(timings, parts, len(local_ids), rounds)


def policy_and_audit(decider: Decider, data_dir: Path, today: dt.date) -> dict[str, float]:
    start = time.perf_counter()
    for i in range(20):
        decider.grant(ANALYST, "matac-tasking", f"MATAC-UNCACHED-{i}", today)
    uncached = (time.perf_counter() - start) / 20
    start = time.perf_counter()
    for _ in range(1000):
        decider.grant(ANALYST, "matac-tasking", "MATAC-UNCACHED-0", today)
    cached = (time.perf_counter() - start) / 1000
    event = AuditEvent(at=dt.datetime.now(dt.UTC), subject="bench", agency=POLICE, decision="allow")
    with open_audit_log(data_dir / "bench-audit.sqlite3", data_dir / "bench-audit.key") as log:
        start = time.perf_counter()
        for _ in range(100):
            log.append([event])
        append = (time.perf_counter() - start) / 100
    return {
        "policy decision, uncached": uncached,
        "policy decision, cached": cached,
        "audit append (fsync, Merkle tree)": append,
    }


def report(timings: dict[str, list[float]], parts: dict[str, float], people: int, rounds: int) -> None:
    ms = 1000
    raw_med, hub_med = statistics.median(timings["raw"]), statistics.median(timings["hub"])
    raw_p95, hub_p95 = percentile(timings["raw"], 0.95), percentile(timings["hub"], 0.95)
    print(f"trust-layer benchmark, {dt.date.today()}, {os.cpu_count()} cores, {platform.machine()}")
    print(f"{people} people x {rounds} rounds, sequential\n")
    print(f"{'':34} {'median ms':>10} {'p95 ms':>10}")
    print(f"{'raw Cypher (same queries, scope)':34} {raw_med * ms:10.1f} {raw_p95 * ms:10.1f}")
    print(f"{'hub GraphQL (auth, policy, audit)':34} {hub_med * ms:10.1f} {hub_p95 * ms:10.1f}")
    print(f"{'ratio hub / raw':34} {hub_med / raw_med:10.2f} {hub_p95 / raw_p95:10.2f}")
    print(f"{'overhead hub - raw':34} {(hub_med - raw_med) * ms:10.1f} {(hub_p95 - raw_p95) * ms:10.1f}\n")
    for name, seconds in parts.items():
        print(f"{name:34} {seconds * ms:10.3f} ms")


if __name__ == "__main__":
    main()
