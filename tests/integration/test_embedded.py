"""The embedded ArcadeDB's lifecycle: one server per data directory, nothing left behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from graph.embedded import DATABASE, _Paths, acquire
from graph.errors import GraphUnavailable
from graph.migrations import migrate, statements
from graph.store import GraphConfig, open_graph
from tests.helpers import free_port, hub_env, java_pids, run_hub, start_serve, stop

pytestmark = pytest.mark.skipif(bool(os.environ.get("NEO4J_URI")), reason="embedded graph only")


def count(graph, label: str = "Agency") -> int:  # type: ignore[no-untyped-def]
    return int(graph.read(f"MATCH (n:{label}) RETURN count(n) AS n")[0]["n"])


def test_start_stop_and_restart_keeps_data(tmp_path: Path) -> None:
    config = GraphConfig(data_dir=tmp_path)
    with open_graph(config) as graph:
        assert graph.engine == "arcadedb" and graph.database == DATABASE
        graph.write("CREATE (:Agency {code: $c})", c="kept")
        assert len(java_pids(tmp_path)) == 1
    assert java_pids(tmp_path) == []
    assert not (tmp_path / "graph" / "server.json").exists()
    with open_graph(config) as graph:
        assert count(graph) == 1


def test_generated_password_is_private_and_not_on_the_command_line(tmp_path: Path) -> None:
    with open_graph(GraphConfig(data_dir=tmp_path)):
        paths = _Paths(tmp_path)
        password = paths.password.read_text().strip()
        assert len(password) >= 24
        assert paths.password.stat().st_mode & 0o777 == 0o600
        assert paths.secrets.stat().st_mode & 0o777 == 0o700
        (pid,) = java_pids(tmp_path)
        assert password.encode() not in Path(f"/proc/{pid}/cmdline").read_bytes()


def test_binds_only_to_loopback(tmp_path: Path) -> None:
    with open_graph(GraphConfig(data_dir=tmp_path)):
        (pid,) = java_pids(tmp_path)
        out = subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True, check=False).stdout
        mine = [line for line in out.splitlines() if f"pid={pid}," in line]
        assert mine, out
        assert all("127.0.0.1" in line for line in mine), mine


_OWNER = """
import sys, time
from pathlib import Path
from graph.store import GraphConfig, open_graph
with open_graph(GraphConfig(data_dir=Path(sys.argv[1]))) as g:
    g.write("CREATE (:Agency {code: 'before-crash'})")
    print("ready", flush=True)
    time.sleep(600)
"""


def test_kill_9_of_the_owner_leaves_nothing_that_blocks_a_restart(tmp_path: Path) -> None:
    owner = subprocess.Popen([sys.executable, "-c", _OWNER, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    assert owner.stdout is not None and owner.stdout.readline().strip() == "ready"
    (java,) = java_pids(tmp_path)
    owner.send_signal(signal.SIGKILL)
    owner.wait()
    deadline = time.monotonic() + 20
    while java_pids(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert java_pids(tmp_path) == []  # the server died with its owner
    assert (tmp_path / "graph" / "server.json").exists()  # stale state left by the crash
    with open_graph(GraphConfig(data_dir=tmp_path)) as graph:
        assert count(graph) == 1  # the acknowledged write survived
        assert java_pids(tmp_path) != [java]


def test_a_live_owner_makes_others_wait_and_they_give_up_with_a_clear_error(tmp_path: Path) -> None:
    owner = subprocess.Popen([sys.executable, "-c", _OWNER, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    assert owner.stdout is not None and owner.stdout.readline().strip() == "ready"
    owner.send_signal(signal.SIGSTOP)  # a frozen CLI owner still holds the lock
    notes: list[str] = []
    try:
        with pytest.raises(GraphUnavailable, match="stayed busy"):
            acquire(tmp_path, role="cli", heap="1g", notify=notes.append, timeout=1)
        assert notes and f"process {owner.pid} (cli)" in notes[0]
    finally:
        owner.send_signal(signal.SIGKILL)
        owner.wait()
    with open_graph(GraphConfig(data_dir=tmp_path)) as graph:
        assert count(graph) == 1


def test_a_server_that_outlived_its_owner_is_stopped_before_a_new_start(tmp_path: Path) -> None:
    # a process that looks like our server (same root path), recorded in a stale state file
    paths = _Paths(tmp_path)
    paths.graph.mkdir(parents=True)
    marker = f"-Darcadedb.server.rootPath={paths.root}"
    survivor = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", marker])
    while survivor.pid not in java_pids(tmp_path):  # until it has exec'd and shows the marker
        time.sleep(0.05)
    state = {"pid": survivor.pid, "bolt_port": 1, "http_port": 2, "owner_pid": 999999, "role": "cli"}
    paths.state.write_text(json.dumps(state))
    try:
        with open_graph(GraphConfig(data_dir=tmp_path)) as graph:
            assert survivor.poll() is not None  # stopped
            assert graph.ping()
            assert json.loads(paths.state.read_text())["pid"] != survivor.pid
    finally:
        survivor.kill()
        survivor.wait()


def test_a_cli_command_uses_the_server_of_a_running_hub_serve(tmp_path: Path) -> None:
    serve = start_serve(tmp_path, free_port())
    try:
        (java,) = java_pids(tmp_path)
        result = run_hub(tmp_path, "stats")
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["engine"] == "arcadedb"
        assert java_pids(tmp_path) == [java]  # no second server was started, the first is still up
    finally:
        stop(serve)
    assert java_pids(tmp_path) == []


def test_cli_commands_on_the_same_data_dir_take_turns(tmp_path: Path) -> None:
    env = hub_env(tmp_path)
    hub = str(Path(sys.executable).parent / "hub")
    first = subprocess.Popen([hub, "stats"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    second = subprocess.Popen([hub, "stats"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for process in (first, second):
        out, err = process.communicate(timeout=180)
        assert process.returncode == 0, err
        assert "records" in json.loads(out)
    assert java_pids(tmp_path) == []


def test_migrations_are_idempotent(tmp_path: Path) -> None:
    with open_graph(GraphConfig(data_dir=tmp_path)) as graph:
        before = graph.read("SHOW INDEXES")
        migrate(graph)
        migrate(graph)
        after = graph.read("SHOW INDEXES")
    assert sorted(i["name"] for i in before) == sorted(i["name"] for i in after)
    assert len({s.split()[2] for s in statements()}) == len(statements())  # distinct names
