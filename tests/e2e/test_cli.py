"""The `hub` command as a user runs it: real processes beside the session's `hub serve`."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import new_agency, run_hub, write_jsonl


def test_ingest_exit_codes_and_messages(data_dir: Path, server: str, tmp_path: Path) -> None:
    a = new_agency()
    good = write_jsonl(tmp_path / "good.jsonl", [{"type": "person", "agency": a, "local_id": "P1"}])
    result = run_hub(data_dir, "ingest", str(good), "--agency", a)
    assert result.returncode == 0, result.stderr
    assert "1 lines, 1 accepted, 0 rejected, 0 superseded by a later line; 1 created" in result.stdout

    mixed = write_jsonl(
        tmp_path / "mixed.jsonl",
        [{"type": "person", "agency": a, "local_id": "P2"}, {"type": "person", "agency": a}],
    )
    result = run_hub(data_dir, "ingest", str(mixed), "--agency", a, "--format", "json")
    assert result.returncode == 1
    assert f"{mixed}:2: local_id: is required" in result.stderr.splitlines()
    summary = json.loads(result.stdout)
    assert (summary["accepted"], summary["rejected"], summary["created"]) == (1, 1, 1)

    result = run_hub(data_dir, "ingest", str(tmp_path / "absent.jsonl"), "--agency", a)
    assert result.returncode == 2
    assert "absent.jsonl: cannot be read" in result.stderr

    result = run_hub(data_dir, "ingest", str(good), "--agency", "Not A Code")
    assert result.returncode == 2
    assert "agency code" in result.stderr


def test_stats_counts_current_records_per_agency_and_type(data_dir: Path, server: str, tmp_path: Path) -> None:
    a = new_agency()
    path = write_jsonl(
        tmp_path / "a.jsonl",
        [
            {"type": "person", "agency": a, "local_id": "P1"},
            {"type": "person", "agency": a, "local_id": "P2", "deleted": True},
            {"type": "support_need", "agency": a, "local_id": "N1", "subject": "P1", "need": "housing"},
        ],
    )
    assert run_hub(data_dir, "ingest", str(path), "--agency", a).returncode == 0
    result = run_hub(data_dir, "stats")
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout)
    assert stats["records"][a] == {"person": 1, "support_need": 1}
    assert stats["nodes"]["PersonRecord"] >= 2 and stats["relationships"]["SUBJECT"] >= 1


def test_settings_errors_exit_2_with_advice(tmp_path: Path) -> None:
    import subprocess

    from tests.helpers import HUB, hub_env

    env = hub_env(tmp_path, NEO4J_URI="bolt://127.0.0.1:1")
    result = subprocess.run([HUB, "stats"], env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert "NEO4J_PASSWORD" in result.stderr


def test_ingest_shows_progress_on_a_terminal_only(data_dir: Path, server: str, tmp_path: Path) -> None:
    import fcntl
    import os
    import pty
    import struct
    import subprocess
    import termios

    from tests.helpers import HUB, hub_env

    a = new_agency()
    path = write_jsonl(tmp_path / "a.jsonl", [{"type": "person", "agency": a, "local_id": f"P{i}"} for i in range(50)])
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a new pty is 0x0
    process = subprocess.Popen(
        [HUB, "ingest", str(path), "--agency", a], env=hub_env(data_dir), stdout=subprocess.PIPE, stderr=follower
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=120)
    os.close(leader)
    terminal = b"".join(chunks).decode(errors="replace")
    assert process.returncode == 0
    assert "checking" in terminal and "writing" in terminal
    # and none on a pipe
    piped = run_hub(data_dir, "ingest", str(path), "--agency", a)
    assert "checking" not in piped.stderr and "writing" not in piped.stderr
