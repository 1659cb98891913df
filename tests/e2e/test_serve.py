"""`hub serve` over HTTP: health, readiness that really checks the graph, non-personal metadata."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx

from tests.helpers import free_port, java_pids, serve_log, start_serve, stop


def test_health_and_readiness(server: str) -> None:
    assert httpx.get(f"{server}/healthz").json() == {"status": "ok"}
    ready = httpx.get(f"{server}/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ok"


def test_graphql_serves_metadata_only(server: str) -> None:
    query = "{ hub { version graphEngine recordTypes } }"
    body = httpx.post(f"{server}/graphql", json={"query": query}).json()
    assert "errors" not in body, body
    assert body["data"]["hub"]["graphEngine"] == "arcadedb"
    assert "incident" in body["data"]["hub"]["recordTypes"]
    # anonymous callers get metadata only: every personal root refuses them
    personal = httpx.post(f"{server}/graphql", json={"query": '{ person(id: "HP-1") { id } }'}).json()
    assert personal["data"] == {"person": None}
    assert personal["errors"][0]["extensions"] == {
        "code": "FORBIDDEN",
        "reasons": ["not authenticated: send a bearer token"],
    }


def test_federation_sdl_is_served(server: str) -> None:
    body = httpx.post(f"{server}/graphql", json={"query": "{ _service { sdl } }"}).json()
    assert "@link" in body["data"]["_service"]["sdl"] and "federation/v2" in body["data"]["_service"]["sdl"]


def test_readyz_reports_a_lost_graph_until_serve_starts_it_again_and_serve_leaves_no_process(tmp_path: Path) -> None:
    port = free_port()
    process = start_serve(tmp_path, port)
    base = f"http://127.0.0.1:{port}"
    try:
        (java,) = java_pids(tmp_path)
        os.kill(java, signal.SIGKILL)
        deadline = time.monotonic() + 30
        status = 200
        while status == 200 and time.monotonic() < deadline:
            status = httpx.get(f"{base}/readyz", timeout=10).status_code
            time.sleep(0.2)
        assert status == 503
        assert httpx.get(f"{base}/healthz").status_code == 200
        deadline = time.monotonic() + 90  # the owner's watchdog starts the graph again, on the same port
        while status == 503 and time.monotonic() < deadline:
            status = httpx.get(f"{base}/readyz", timeout=10).status_code
            time.sleep(0.2)
        assert status == 200
        (again,) = java_pids(tmp_path)
        assert again != java
        assert "starting it again" in serve_log(tmp_path, port).read_text()
    finally:
        stop(process)
    assert process.returncode in (0, -signal.SIGTERM)  # uvicorn re-raises SIGTERM after a clean shutdown
    assert "Traceback" not in serve_log(tmp_path, port).read_text()
    assert java_pids(tmp_path) == []
