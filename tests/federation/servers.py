"""Real servers for the federation tests: the Apollo Gateway from ``infra/gateway`` (installed here with ``npm ci`` when
its node_modules is missing or stale, so a fresh clone needs nothing by hand) and a partner subgraph on uvicorn."""

from __future__ import annotations

import fcntl
import hashlib
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from tests.helpers import REPO, free_port, stop

GATEWAY = REPO / "infra" / "gateway"
STAMP = GATEWAY / "node_modules" / ".hub-installed"  # inside node_modules: `npm ci` wipes it with the rest
READY = re.compile(r"gateway: serving on (\S+)")


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(
            f"the federation gateway test needs Node.js 20+ and npm, and `{name}` is not on PATH", pytrace=False
        )
    return path


def _lock_digest() -> str:
    return hashlib.sha256(
        (GATEWAY / "package.json").read_bytes() + (GATEWAY / "package-lock.json").read_bytes()
    ).hexdigest()


def ensure_gateway_installed() -> str:
    """`npm ci` the gateway's pinned packages unless node_modules already matches the lock file; returns node's path."""
    node, npm = _tool("node"), _tool("npm")
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    if int(version.lstrip("v").split(".")[0]) < 20:
        pytest.fail(f"the federation gateway needs Node.js 20 or newer, found {version}", pytrace=False)
    with (GATEWAY / "package-lock.json").open("rb") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two test runs on one checkout take turns
        digest = _lock_digest()
        if STAMP.exists() and STAMP.read_text() == digest:
            return node
        done = subprocess.run(
            [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--prefix", str(GATEWAY)],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if done.returncode != 0:
            pytest.fail(f"npm ci in {GATEWAY} failed:\n{done.stdout}\n{done.stderr}", pytrace=False)
        STAMP.write_text(digest)
    return node


@contextmanager
def gateway(subgraphs: dict[str, str], log: Path, timeout: float = 90) -> Iterator[str]:
    """A running gateway composing the given subgraphs (name -> URL); yields its GraphQL URL."""
    node = ensure_gateway_installed()
    args = [node, str(GATEWAY / "gateway.mjs"), "--port", str(free_port())]
    for name, url in subgraphs.items():
        args += ["--subgraph", f"{name}={url}"]
    with log.open("w") as out:  # a file, not a pipe: an unread pipe would stall the gateway
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, text=True)
    try:
        yield _wait_ready(process, log, timeout)
    finally:
        stop(process)


def _wait_ready(process: subprocess.Popen[str], log: Path, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = READY.search(log.read_text())
        if found:
            return found.group(1)
        if process.poll() is not None:
            raise RuntimeError(f"the gateway exited ({process.returncode}):\n{log.read_text()}")
        time.sleep(0.1)
    raise TimeoutError(f"the gateway was not ready in {timeout}s:\n{log.read_text()}")


@contextmanager
def uvicorn_thread(app: Any) -> Iterator[str]:
    """Serve an ASGI app on a free loopback port in a thread; yields its /graphql URL."""
    config = uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning", lifespan="off", ws="none")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="partner-subgraph", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the partner subgraph did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{config.port}/graphql"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
