"""The graph server dies in the middle of an ingest, while the hub serves.

The server is an ArcadeDB the test owns (``graph.embedded`` on a fixed Bolt port), killed with SIGKILL and started
again where its clients last found it, as a restarted Neo4j would be.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from graph import embedded
from graph.embedded import EmbeddedServer
from graph.ingest import ingest_file
from graph.store import Graph, GraphConfig, open_graph
from hub.auth.services import embedded_issuer
from hub.settings import Settings
from tests.helpers import HUB, free_port, hub_env, new_agency, people_and_incidents, start_serve, stop, write_jsonl

pytestmark = pytest.mark.slow
POLICE = "cleveland-police"  # a partner of the demo agreements, allowed to submit


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
    return people_and_incidents(agency, "Kerr", people, ((n, n, (n + 1) % people) for n in range(people)))


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


def _token(data_dir: Path, agency: str, role: str) -> str:
    issuer = embedded_issuer(Settings(data_dir=data_dir))  # the key `hub serve` trusts, as `hub token` signs
    return issuer.issue(subject="dev:faults", agency=agency, roles=(role,), purposes=(), ttl=600, justification=None)


COUNTS = 'query C($by: [String!]!) { counts(recordType: "incident", by: $by) { minCell } }'


def test_the_graph_killed_under_an_ingest_and_a_serving_hub(killable: Killable, graph: Graph, tmp_path: Path) -> None:
    """The ingest stops in one line; the hub answers 503 and recovers by itself once the graph is back; a re-run of
    the ingest completes, and the graph then holds exactly what a clean ingest of the same file gives."""
    config, hub_dir, port = killable.config(), tmp_path / "hub", free_port()
    graph_env = {"NEO4J_URI": str(config.uri), "NEO4J_USER": config.user, "NEO4J_PASSWORD": str(config.password)}
    hub = start_serve(hub_dir, port, **graph_env, NEO4J_DATABASE="hub", HUB_GRAPH_RETRY_SECONDS="1")
    base = f"http://127.0.0.1:{port}"
    researcher = {"authorization": f"Bearer {_token(hub_dir, 'tees-dap', 'researcher')}"}
    partner = {"authorization": f"Bearer {_token(hub_dir, POLICE, 'submitter')}"}

    def ask() -> httpx.Response:
        body = {"query": COUNTS, "variables": {"by": ["category"]}}
        headers = {**researcher, "x-purpose": "research-statistics"}
        return httpx.post(f"{base}/graphql", json=body, headers=headers, timeout=60)

    def submit() -> httpx.Response:
        line = json.dumps({"type": "person", "agency": POLICE, "local_id": uuid.uuid4().hex, "given_name": "Di"})
        headers = {**partner, "content-type": "application/x-ndjson"}
        return httpx.post(f"{base}/submissions", content=line + "\n", headers=headers, timeout=60)

    agency = new_agency()
    path = write_jsonl(tmp_path / "big.jsonl", _submission(agency, people=1000))
    command = [HUB, "ingest", str(path), "--agency", agency, "--batch-size", "50"]  # small: time to kill it
    try:
        assert ask().status_code == 200
        env = hub_env(killable.data_dir, HUB_GRAPH_RETRY_SECONDS="2")
        ingest = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            with open_graph(config) as watcher:  # kill once some batches are in, long before the end
                deadline = time.monotonic() + 120
                while _held(watcher, agency)["PersonRecord"] < 100 and ingest.poll() is None:
                    assert time.monotonic() < deadline, "the ingest wrote nothing"
                    time.sleep(0.05)
                assert ingest.poll() is None, "the ingest ended before the graph was killed: make the file bigger"
                killable.kill()
            out, err = ingest.communicate(timeout=120)
        finally:
            with contextlib.suppress(ProcessLookupError):
                ingest.kill()
        assert ingest.returncode == 2, (out, err)
        assert err.startswith(f"hub: {path}: ingest interrupted (the graph ") and err.count("\n") == 1, err
        assert err.rstrip().endswith("run the same command again")

        ready = httpx.get(f"{base}/readyz", timeout=10)
        assert ready.status_code == 503 and ready.json()["code"] == "GRAPH_UNAVAILABLE"
        down = ask()
        assert down.status_code == 503 and down.headers["retry-after"] == "5"
        assert [e["extensions"]["code"] for e in down.json()["errors"]] == ["GRAPH_UNAVAILABLE"]
        assert "127.0.0.1" not in down.text  # the driver's message, naming the server, stays in the log
        refused = submit()
        assert refused.status_code == 503 and refused.json()["errors"][0]["extensions"]["code"] == "GRAPH_UNAVAILABLE"

        killable.start()  # where it was: the same port, the same data
        deadline = time.monotonic() + 30
        while httpx.get(f"{base}/readyz", timeout=10).status_code != 200:
            assert time.monotonic() < deadline, "the hub did not see the graph come back"
            time.sleep(0.2)
        back = ask()
        assert back.status_code == 200 and "errors" not in back.json(), back.text
        assert submit().status_code == 200
        assert hub.poll() is None  # the same process: nothing restarted it
    finally:
        stop(hub)

    with open_graph(config) as after:
        rerun = ingest_file(after, path, agency)  # what `hub ingest` runs
        assert rerun.rejected == 0 and rerun.writes.unchanged >= 100  # what the first run wrote stands
        assert rerun.writes.created + rerun.writes.unchanged == 2000
        clean = ingest_file(graph, path, agency)  # the same file into the suite's graph, never interrupted
        assert clean.rejected == 0
        expected = {"PersonRecord": 1000, "Incident": 1000, "edges": 2000, "resolved": 1000}
        assert _held(after, agency) == _held(graph, agency) == expected
