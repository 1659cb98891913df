"""The analyst page's serving, GraphiQL from the hub's own build, the development sign-in, and `hub serve`'s start:
a real `hub serve` over HTTP, with a stand-in build in ``HUB_UI_DIR`` (the browser tests use the real one)."""

from __future__ import annotations

import asyncio
import gzip
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from hub.settings import Settings
from hub.web import ui_routes
from tests.helpers import HUB, free_port, hub_env, serve_log, start_serve, stop

SCRIPT = "console.log('the workspace');" * 100  # over the gzip threshold


@dataclass(frozen=True)
class Served:
    base: str
    log: Path
    data_dir: Path
    port: int


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    build = tmp_path_factory.mktemp("ui-dist")
    (build / "assets").mkdir()
    (build / "index.html").write_text('<!doctype html><title>Workspace</title><script src="/ui/assets/app-1a2b.js">')
    (build / "graphiql.html").write_text("<!doctype html><title>GraphiQL, self-served</title>")
    (build / "assets" / "app-1a2b.js").write_text(SCRIPT)
    data_dir = tmp_path_factory.mktemp("web-data")
    port = free_port()
    process = start_serve(data_dir, port, HUB_UI_DIR=str(build))
    try:
        yield Served(f"http://127.0.0.1:{port}", serve_log(data_dir, port), data_dir, port)
    finally:
        stop(process)


def test_the_workspace_page_is_served_with_a_policy_that_lets_nothing_leave(served: Served) -> None:
    for path in ("/ui", "/ui/"):
        page = httpx.get(served.base + path)
        assert page.status_code == 200 and "<title>Workspace</title>" in page.text
        policy = page.headers["content-security-policy"]
        assert "default-src 'self'" in policy and "connect-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert page.headers["cache-control"] == "no-cache" and page.headers["x-content-type-options"] == "nosniff"


def test_assets_are_gzipped_and_cached_for_good(served: Served) -> None:
    raw = httpx.get(f"{served.base}/ui/assets/app-1a2b.js", headers={"accept-encoding": "gzip"})
    assert raw.status_code == 200 and raw.text == SCRIPT
    assert raw.headers["content-encoding"] == "gzip" and int(raw.headers["content-length"]) < len(SCRIPT) / 10
    assert "immutable" in raw.headers["cache-control"]
    with httpx.stream("GET", f"{served.base}/ui/assets/app-1a2b.js", headers={"accept-encoding": "gzip"}) as r:
        assert gzip.decompress(b"".join(r.iter_raw())).decode() == SCRIPT  # what went over the wire is the gzipped file
    assert httpx.get(f"{served.base}/ui/assets/none.js").status_code == 404
    assert httpx.get(f"{served.base}/ui/assets/../index.html").status_code == 404


def test_graphiql_comes_from_the_hub_and_no_cdn(served: Served) -> None:
    page = httpx.get(f"{served.base}/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200 and "GraphiQL, self-served" in page.text
    assert "unpkg" not in page.text and "jsdelivr" not in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]


def in_process(settings: Settings, method: str, path: str, client: str = "127.0.0.1", **kwargs: Any) -> httpx.Response:
    """One request to the page's routes alone, in process (no graph behind them), from ``client``'s address."""
    app = Starlette(routes=ui_routes(settings))
    app.state.settings = settings

    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=(client, 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://hub") as http:
            return await http.request(method, path, **kwargs)

    return asyncio.run(call())


def test_an_unbuilt_page_says_how_to_build_it(tmp_path: Path) -> None:
    settings = Settings.from_env({"HUB_DATA_DIR": str(tmp_path / "d"), "HUB_UI_DIR": str(tmp_path / "nothing")})
    page = in_process(settings, "GET", "/ui")
    assert page.status_code == 503 and "make ui" in page.text


def test_the_banner_comes_once_the_port_answers_and_names_the_workspace(served: Served) -> None:
    log = served.log.read_text()
    assert f"analyst workspace         {served.base}/ui" in log
    assert "Traceback" not in log


def test_a_port_in_use_is_one_line_naming_the_settings_and_exit_3(served: Served, tmp_path: Path) -> None:
    done = subprocess.run(
        [HUB, "serve", "--port", str(served.port)],
        env=hub_env(tmp_path / "other"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 3, done.stderr
    assert done.stderr.strip().count("\n") == 0 and "Traceback" not in done.stderr
    assert f"port {served.port}" in done.stderr and "HUB_PORT" in done.stderr and "--port" in done.stderr
    assert not (tmp_path / "other" / "graph").exists()  # refused before the graph was started


def test_the_banner_is_printed_only_when_the_server_answers(tmp_path: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [HUB, "serve", "--port", str(port)],
        env=hub_env(tmp_path / "data"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        assert process.stderr is not None
        for line in process.stderr:
            assert time.monotonic() < deadline
            if line.startswith("hub: serving on"):
                # the very moment it is printed, the address answers
                assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
                break
        else:
            pytest.fail("no banner")
    finally:
        stop(process)


def test_the_development_sign_in_lists_demo_callers_and_issues_working_tokens(served: Served) -> None:
    callers = httpx.get(f"{served.base}/ui/dev/callers").json()["callers"]
    police = next(c for c in callers if c["agency"] == "cleveland-police")
    assert "matac-analyst" in police["roles"] and police["name"]
    issued = httpx.post(f"{served.base}/ui/dev/token", json={"agency": "cleveland-police", "role": "matac-analyst"})
    assert issued.status_code == 200 and issued.headers["cache-control"] == "no-store"
    token = issued.json()["access_token"]
    headers = {"authorization": f"Bearer {token}", "x-purpose": "matac-tasking", "x-justification": "MATAC-1"}
    body = httpx.post(f"{served.base}/graphql", json={"query": "{ alerts { id } }"}, headers=headers).json()
    assert "errors" not in body and body["extensions"]["hub"]["purpose"] == "matac-tasking"


@pytest.mark.parametrize(
    "asked",
    [
        {"agency": "cleveland-police", "role": "auditor-general"},  # a role no agreement gives the agency
        {"agency": "nowhere", "role": "matac-analyst"},
        {"agency": ["cleveland-police"], "role": "matac-analyst"},
        {"role": "matac-analyst"},
    ],
)
def test_the_development_sign_in_refuses_roles_no_agreement_gives(served: Served, asked: dict[str, object]) -> None:
    refused = httpx.post(f"{served.base}/ui/dev/token", json=asked)
    assert refused.status_code == 400 and "access_token" not in refused.text


def test_the_development_sign_in_takes_no_large_body(served: Served) -> None:
    refused = httpx.post(f"{served.base}/ui/dev/token", content=b"{" + b" " * 10_000 + b"}")
    assert refused.status_code == 413


def test_there_is_no_development_sign_in_in_production_or_from_another_machine(tmp_path: Path) -> None:
    for env, client in (({"HUB_MODE": "production"}, "127.0.0.1"), ({}, "192.0.2.7"), ({}, "::ffff:192.0.2.7")):
        settings = Settings.from_env({"HUB_DATA_DIR": str(tmp_path / "d"), **env})
        assert in_process(settings, "GET", "/ui/dev/callers", client).status_code == 404
        body = {"agency": "cleveland-police", "role": "matac-analyst"}
        assert in_process(settings, "POST", "/ui/dev/token", client, json=body).status_code == 404
