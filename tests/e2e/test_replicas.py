"""Hub replicas: two ``hub serve`` processes, one of them with ``--workers 2``, on one graph and one PostgreSQL trail.

Under concurrent reads and writes sent to both, the trail verifies (``hub audit verify``, against the heads every
process published to one witness directory) and holds exactly one event per request (by its justification) and one
intent event per write; killing a worker with SIGKILL mid-load leaves no response the client received without its
event; an agreement added on disk decides every process's next request. Synthetic data: no real person.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import shutil
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from hub.auth.issuer import EmbeddedIssuer, signing_key_path
from tests.helpers import HUB, REPO, free_port, hub_env, serve_log, stop, wait_ready, write_jsonl
from tests.integration.test_audit_contract import running_postgres, schema_url

pytestmark = pytest.mark.slow

POLICE = "cleveland-police"
READ = '{ personByRecord(agency: "cleveland-police", localId: "RP-1") { id } }'
LIST = "{ purposes { agreement { version } } }"
SAVE = "mutation S($n: String!, $v: InvestigationInput!) { saveInvestigation(name: $n, view: $v) { id } }"


@dataclass
class Replicas:
    root: Path
    env: dict[str, str]
    url: str
    witness: Path
    token: str
    single: str  # a `hub serve` of one process
    pooled: str  # a `hub serve --workers 2`
    pooled_process: subprocess.Popen[str]
    person: str = ""
    serial: Iterator[int] = field(default_factory=itertools.count)
    answered: int = 0  # responses received so far (roughly: counted from several threads)

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = hub_env(self.root / "data", **self.env)
        return subprocess.run([HUB, *args], env=env, capture_output=True, text=True, timeout=180, check=False)

    def post(self, base: str, query: str, justification: str, **variables: Any) -> httpx.Response:
        headers = {
            "authorization": f"Bearer {self.token}",
            "x-purpose": "matac-tasking",
            "x-justification": justification,
        }
        return httpx.post(f"{base}/graphql", json={"query": query, "variables": variables}, headers=headers, timeout=60)

    def events(self) -> list[dict[str, Any]]:
        with psycopg.connect(self.url) as db:
            return [json.loads(body) for (body,) in db.execute("SELECT body FROM events ORDER BY seq")]


def _serve(root: Path, port: int, env: dict[str, str], *extra: str) -> subprocess.Popen[str]:
    with serve_log(root / "data", port).open("w") as out:
        return subprocess.Popen(
            [HUB, "serve", "--port", str(port), *extra],
            env=hub_env(root / "data", **env),
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )


@pytest.fixture(scope="module")
def replicas(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replicas]:
    root = tmp_path_factory.mktemp("replicas")
    shutil.copytree(REPO / "agreements", root / "agreements")
    with running_postgres(root / "pg") as postgres:
        url = schema_url(postgres)
        env = {
            "HUB_AGREEMENTS_DIR": str(root / "agreements"),
            "HUB_AUDIT_URL": url,
            "HUB_AUDIT_WITNESS": str(root / "witness"),
            "HUB_AUDIT_WITNESS_INTERVAL": "0.2",
        }
        ports = free_port(), free_port()
        # started together: whichever takes the embedded graph first owns it, the others attach
        processes = [_serve(root, ports[0], env), _serve(root, ports[1], env, "--workers", "2")]
        try:
            for port, process in zip(ports, processes, strict=True):
                wait_ready(f"http://127.0.0.1:{port}", process, serve_log(root / "data", port))
            single, pooled = (f"http://127.0.0.1:{port}" for port in ports)
            hub = Replicas(root, env, url, root / "witness", "", single, pooled, processes[1])
            person = {"type": "person", "agency": POLICE, "local_id": "RP-1", "given_name": "Rep", "dob": "1980-01-01"}
            done = hub.cli("ingest", str(write_jsonl(root / "people.jsonl", [person])), "--agency", POLICE)
            assert done.returncode == 0, done.stderr
            issuer = EmbeddedIssuer(signing_key_path(root / "data"))  # as `hub token` does, without a process
            hub.token = issuer.issue(subject="dev:replicas", agency=POLICE, roles=("matac-analyst",), ttl=900)
            found = hub.post(hub.single, READ, "MATAC-SETUP").json()
            hub.person = found["data"]["personByRecord"]["id"]
            yield hub
        finally:
            for process in processes:
                stop(process)
            for port in ports:
                assert "Traceback" not in serve_log(root / "data", port).read_text()


def test_workers_refuse_to_start_on_a_broken_agreement_before_any_worker_starts(tmp_path: Path) -> None:
    agreements = tmp_path / "agreements"
    shutil.copytree(REPO / "agreements", agreements)
    (agreements / "broken.yaml").write_text("id: broken\npurposes: [unclosed\n")
    env = hub_env(tmp_path / "data", HUB_AGREEMENTS_DIR=str(agreements))
    command = [HUB, "serve", "--port", str(free_port()), "--workers", "2"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1 and "the agreements are invalid" in done.stderr and "broken.yaml" in done.stderr
    assert "Traceback" not in done.stderr and "hub: serving on" not in done.stderr
    assert not (tmp_path / "data" / "graph").exists()  # refused before the graph was started


def _send(hub: Replicas, base: str, kind: str, tag: str) -> tuple[str, str, int, dict[str, Any] | None]:
    """One request of ``kind`` with a justification of its own; (justification, kind, status, body)."""
    justification = f"MATAC-{tag}-{next(hub.serial)}"
    try:
        if kind == "write":
            view = {"personIds": [hub.person], "filters": {"centrePersonId": hub.person}}
            response = hub.post(base, SAVE, justification, n=justification, v=view)
        else:
            response = hub.post(base, READ if kind == "read" else LIST, justification)
    except httpx.HTTPError:  # the worker serving it was killed: no response reached the client
        return justification, kind, 0, None
    hub.answered += 1
    return justification, kind, response.status_code, response.json()


def _load(hub: Replicas, bases: list[str], count: int, tag: str) -> list[tuple[str, str, int, dict[str, Any] | None]]:
    kinds = ["read", "read", "list", "write"]
    plan = [(bases[i % len(bases)], kinds[i % len(kinds)]) for i in range(count)]
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(lambda job: _send(hub, job[0], job[1], tag), plan))


def test_two_hubs_under_load_keep_one_unforked_trail_with_every_event_once(replicas: Replicas) -> None:
    sent = _load(replicas, [replicas.single, replicas.pooled], 160, "LOAD")
    assert all(status == 200 and "errors" not in (body or {}) for _, _, status, body in sent), sent

    events = replicas.events()
    once = Counter(e["justification"] for e in events if (e["justification"] or "").startswith("MATAC-LOAD-"))
    assert sorted(once) == sorted(j for j, _, _, _ in sent) and set(once.values()) == {1}  # none lost, none twice
    saved = {body["data"]["saveInvestigation"]["id"] for _, kind, _, body in sent if kind == "write" and body}
    intents = Counter(e["reasons"][0].split()[1] for e in events if _is_save(e))
    assert len(saved) == 40 and set(intents) == saved and set(intents.values()) == {1}  # one intent per write
    # every read and write of the person names them in its event; listings name nobody
    naming = {e["justification"] for e in events if e["justification"] in once and replicas.person in e["persons"]}
    assert naming == {j for j, kind, _, _ in sent if kind in ("read", "write")}
    _verified(replicas)


def _is_save(event: dict[str, Any]) -> bool:
    reasons = event["reasons"]
    return len(reasons) == 1 and reasons[0].startswith("investigation ") and reasons[0].endswith(" save requested")


def _verified(hub: Replicas) -> None:
    deadline = time.monotonic() + 10  # the witnesses publish within their interval: wait for some head
    while not list(hub.witness.glob("head-*.json")):
        assert time.monotonic() < deadline, "no process published a signed tree head"
        time.sleep(0.2)
    done = hub.cli("audit", "verify", "--checkpoint", str(hub.witness))
    assert done.returncode == 0 and "audit trail ok" in done.stdout, done.stdout + done.stderr


def _workers(supervisor: int) -> list[int]:
    children = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                stat = (proc / "stat").read_text()
                cmdline = (proc / "cmdline").read_bytes()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == supervisor and b"spawn_main" in cmdline:
                children.append(int(proc.name))
    return children


def test_a_worker_killed_mid_load_sends_no_response_without_its_event(replicas: Replicas) -> None:
    supervisor = replicas.pooled_process.pid
    before = _workers(supervisor)
    assert len(before) == 2
    results: list[tuple[str, str, int, dict[str, Any] | None]] = []

    start = replicas.answered

    def killer() -> None:  # once the load is under way, so that requests are in flight in the worker
        while replicas.answered < start + 20:
            time.sleep(0.05)
        os.kill(before[0], signal.SIGKILL)

    port = int(replicas.pooled.rsplit(":", 1)[1])
    assert serve_log(replicas.root / "data", port).read_text().count("hub: serving on") == 1  # one banner, not two
    thread = threading.Thread(target=killer)
    thread.start()
    results = _load(replicas, [replicas.pooled], 100, "KILL")
    thread.join()

    answered = {j for j, _, status, body in results if status == 200 and body and "errors" not in body}
    lost = len(results) - len(answered)
    recorded = {e["justification"] for e in replicas.events()}
    assert answered <= recorded, "a response went out without its audit event"
    assert len(answered) > 30 and lost < len(results)  # the load really ran, on both sides of the kill
    _verified(replicas)

    deadline = time.monotonic() + 60  # the supervisor replaces the killed worker
    while len(after := _workers(supervisor)) < 2 or before[0] in after:
        assert time.monotonic() < deadline, "the killed worker was not replaced"
        time.sleep(0.5)
    wait_ready(replicas.pooled, replicas.pooled_process, serve_log(replicas.root / "data", port))


def test_an_agreement_added_on_disk_decides_every_processes_next_request(replicas: Replicas) -> None:
    def version(base: str) -> int:
        body = replicas.post(base, LIST, f"MATAC-RELOAD-{next(replicas.serial)}").json()
        return int(body["extensions"]["hub"]["version"])

    assert version(replicas.single) == version(replicas.pooled) == 4
    directory = Path(replicas.env["HUB_AGREEMENTS_DIR"])
    text = (directory / "matac.yaml").read_text().replace("version: 4", "version: 5")
    text = text.replace("effective_from: 2026-12-04", f"effective_from: {dt.datetime.now(dt.UTC).date()}")
    (directory / "matac.v5.tmp").write_text(text)
    (directory / "matac.v5.tmp").rename(directory / "matac.v5.yaml")  # whole, never half-written
    time.sleep(1.2)  # each process looks at the directory at most once a second (hub.policy.reload)

    assert version(replicas.single) == 5
    # whichever worker the kernel hands a connection to decides it under the new version; each worker logs its reload
    # once, on its first request after the change, so two lines mean both workers have served one under it
    log = serve_log(replicas.root / "data", int(replicas.pooled.rsplit(":", 1)[1]))
    deadline = time.monotonic() + 30
    while log.read_text().count("agreements reloaded") < 2:
        assert time.monotonic() < deadline, "a worker has not served a request under the new agreement"
        with ThreadPoolExecutor(4) as pool:  # concurrent, so that a busy worker leaves the next connection to another
            assert list(pool.map(lambda _: version(replicas.pooled), range(4))) == [5] * 4
    assert log.read_text().count("agreements reloaded") == 2
