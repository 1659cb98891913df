"""Small helpers shared by the tests."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
HUB = str(Path(sys.executable).parent / "hub")


def new_agency() -> str:
    """A fresh agency code, so tests sharing one graph never see each other's records."""
    return f"t-{uuid.uuid4().hex[:12]}"


def write_jsonl(path: Path, records: Iterable[Mapping[str, Any] | str]) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def hub_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEO4J_", "HUB_"))}
    env["HUB_DATA_DIR"] = str(data_dir)
    env.update(extra)
    return env


def run_hub(data_dir: Path, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [HUB, *args], env=hub_env(data_dir), capture_output=True, text=True, timeout=timeout, check=False
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_serve(data_dir: Path, port: int, **env: str) -> subprocess.Popen[str]:
    # output goes to a file: an unread pipe fills up with access-log lines and stalls the server
    log = serve_log(data_dir, port)
    with log.open("w") as out:
        process = subprocess.Popen(
            [HUB, "serve", "--port", str(port)],
            env=hub_env(data_dir, **env),
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    wait_ready(f"http://127.0.0.1:{port}", process, log)
    return process


def serve_log(data_dir: Path, port: int) -> Path:
    return data_dir.parent / f"{data_dir.name}-serve-{port}.log"


def wait_ready(base: str, process: subprocess.Popen[str], log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"hub serve exited: {log.read_text()}")
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise TimeoutError(f"{base} not ready in {timeout}s")


def stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def java_pids(data_dir: Path) -> list[int]:
    """ArcadeDB servers whose root is under data_dir."""
    marker = f"-Darcadedb.server.rootPath={data_dir}".encode()
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if marker in (proc / "cmdline").read_bytes():
                    pids.append(int(proc.name))
            except OSError:
                continue
    return pids


def people_and_incidents(
    agency: str, family: str, people: int, incidents: Iterable[tuple[int, int, int]]
) -> list[dict[str, Any]]:
    """Person records P0..P<people-1> of one family name, then an incident I<n> for each (n, perpetrator, victim)."""
    persons = [{"type": "person", "agency": agency, "local_id": f"P{n}", "family_name": family} for n in range(people)]
    return persons + [
        {
            "type": "incident",
            "agency": agency,
            "local_id": f"I{n}",
            "occurred_at": "2025-03-01T22:10:00Z",
            "category": "physical",
            "perpetrators": [f"P{perpetrator}"],
            "victims": [f"P{victim}"],
        }
        for n, perpetrator, victim in incidents
    ]


def resolved_ids(graph: Any, tag: str) -> dict[str, str]:
    """Person records whose local id starts with ``tag``, by the rest of their local id -> their resolved person."""
    rows = graph.read(
        "MATCH (r:PersonRecord)-[:RESOLVED_AS]->(p:Person) WHERE r.local_id STARTS WITH $tag "
        "RETURN r.local_id AS lid, p.person_id AS id",
        tag=tag,
    )
    return {row["lid"].removeprefix(f"{tag}-"): row["id"] for row in rows}
