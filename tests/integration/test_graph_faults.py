"""The graph server dies: in the middle of an ingest, and while the hub serves.

The server is an ArcadeDB the test owns (``graph.embedded`` on a fixed Bolt port), killed with SIGKILL and started
again where its clients last found it, as a restarted Neo4j would be.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from graph import embedded
from graph.embedded import EmbeddedServer
from graph.ingest import ingest_file
from graph.store import Graph, GraphConfig, open_graph
from tests.helpers import HUB, free_port, hub_env, new_agency, run_hub, start_serve, stop, write_jsonl

pytestmark = pytest.mark.slow


class Killable:
    """An ArcadeDB server owned by the test, as ``hub serve`` would own it, so that `hub` commands attach to it."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir, self.bolt_port = data_dir, free_port()
        self.server: EmbeddedServer | None = None

    def start(self) -> None:
        self.server = embedded.acquire(
            self.data_dir, role="serve", heap="512m", notify=lambda _m: None, timeout=120, bolt_port=self.bolt_port
        )

    def kill(self) -> None:
        assert self.server is not None
        os.kill(self.server.info.pid, signal.SIGKILL)
        embedded.release(self.data_dir, self.server)  # reaps it and gives up the owner's lock
        self.server = None

    def config(self) -> GraphConfig:
        password = (self.data_dir / "secrets" / "graph-password").read_text().strip()
        uri = f"bolt://127.0.0.1:{self.bolt_port}"
        return GraphConfig(data_dir=self.data_dir, uri=uri, user=embedded.USER, password=password, database="hub")


@pytest.fixture(scope="module")
def killable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Killable]:
    server = Killable(tmp_path_factory.mktemp("killable"))
    server.start()
    try:
        yield server
    finally:
        if server.server is not None:
            embedded.release(server.data_dir, server.server)


def _submission(agency: str, people: int) -> list[dict[str, Any]]:
    persons = [{"type": "person", "agency": agency, "local_id": f"P{n}", "family_name": "Kerr"} for n in range(people)]
    incidents = [
        {
            "type": "incident",
            "agency": agency,
            "local_id": f"I{n}",
            "occurred_at": "2025-03-01T22:10:00Z",
            "category": "physical",
            "perpetrators": [f"P{n}"],
            "victims": [f"P{(n + 1) % people}"],
        }
        for n in range(people)
    ]
    return persons + incidents


def _held(graph: Graph, agency: str) -> dict[str, int]:
    counts = {}
    for label in ("PersonRecord", "Incident"):
        [row] = graph.read(f"MATCH (n:{label}) WHERE n.agency = $a RETURN count(n) AS n", a=agency)
        counts[label] = row["n"]
    [edges] = graph.read("MATCH (n:Incident)-[e]->(:PersonRecord) WHERE n.agency = $a RETURN count(e) AS n", a=agency)
    [people] = graph.read(
        "MATCH (r:PersonRecord)-[e:RESOLVED_AS]->(:Person) WHERE r.agency = $a RETURN count(e) AS n", a=agency
    )
    return {**counts, "edges": edges["n"], "resolved": people["n"]}


def test_a_graph_killed_mid_ingest_is_reported_and_a_rerun_completes_without_loss_or_duplicates(
    killable: Killable, graph: Graph, tmp_path: Path
) -> None:
    agency = new_agency()
    path = write_jsonl(tmp_path / "big.jsonl", _submission(agency, people=1000))
    env = hub_env(killable.data_dir, HUB_GRAPH_RETRY_SECONDS="2")
    command = [HUB, "ingest", str(path), "--agency", agency, "--batch-size", "50"]  # small: time to kill it
    ingest = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        with open_graph(killable.config()) as watcher:  # kill once some batches are in, long before the end
            deadline = time.monotonic() + 120
            while _held(watcher, agency)["PersonRecord"] < 100 and ingest.poll() is None:
                assert time.monotonic() < deadline, "the ingest wrote nothing"
                time.sleep(0.05)
            assert ingest.poll() is None, "the ingest ended before the graph could be killed: make the file bigger"
            killable.kill()
        out, err = ingest.communicate(timeout=120)
    finally:
        with contextlib.suppress(ProcessLookupError):
            ingest.kill()
    assert ingest.returncode == 2, (out, err)
    assert err.startswith(f"hub: {path}: ingest interrupted (the graph ") and err.count("\n") == 1, err
    assert err.rstrip().endswith("run the same command again")
    killable.start()  # where it was: the same port, the same data
    # at the default batch size: only the first run was slowed down
    rerun = subprocess.run(command[:-2], env=env, capture_output=True, text=True, timeout=300, check=False)
    assert rerun.returncode == 0, rerun.stderr
    clean = ingest_file(graph, path, agency)  # the same file into the suite's graph, never interrupted
    assert clean.rejected == 0
    with open_graph(killable.config()) as after:
        assert (
            _held(after, agency)
            == _held(graph, agency)
            == {
                "PersonRecord": 1000,
                "Incident": 1000,
                "edges": 2000,
                "resolved": 1000,
            }
        )


COUNTS = 'query C($by: [String!]!) { counts(recordType: "incident", by: $by) { minCell } }'


def test_graph_down_gives_503_and_the_hub_recovers_when_it_returns(killable: Killable, tmp_path: Path) -> None:
    if killable.server is None:
        killable.start()
    config = killable.config()
    hub_dir = tmp_path / "hub"
    port = free_port()
    graph_env = {"NEO4J_URI": str(config.uri), "NEO4J_USER": config.user, "NEO4J_PASSWORD": str(config.password)}
    hub = start_serve(hub_dir, port, **graph_env, NEO4J_DATABASE="hub", HUB_GRAPH_RETRY_SECONDS="1")
    try:
        base = f"http://127.0.0.1:{port}"
        done = run_hub(hub_dir, "token", "--agency", "tees-dap", "--role", "researcher")
        assert done.returncode == 0, done.stderr
        headers = {"authorization": f"Bearer {done.stdout.strip()}", "x-purpose": "research-statistics"}

        def ask() -> httpx.Response:
            body = {"query": COUNTS, "variables": {"by": ["category"]}}
            return httpx.post(f"{base}/graphql", json=body, headers=headers, timeout=60)

        assert ask().status_code == 200
        killable.kill()
        ready = httpx.get(f"{base}/readyz", timeout=10)
        assert ready.status_code == 503 and ready.json()["code"] == "GRAPH_UNAVAILABLE"
        down = ask()
        assert down.status_code == 503 and down.headers["retry-after"] == "5"
        assert [e["extensions"]["code"] for e in down.json()["errors"]] == ["GRAPH_UNAVAILABLE"]
        assert "127.0.0.1" not in down.text  # the driver's message, naming the server, stays in the log
        killable.start()
        deadline = time.monotonic() + 30
        while httpx.get(f"{base}/readyz", timeout=10).status_code != 200:
            assert time.monotonic() < deadline, "the hub did not see the graph come back"
            time.sleep(0.2)
        back = ask()
        assert back.status_code == 200 and "errors" not in back.json(), back.text
        assert hub.poll() is None  # the same process: nothing restarted it
    finally:
        stop(hub)
