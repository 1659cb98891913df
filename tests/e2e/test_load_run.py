"""``make load``'s tooling on a few seconds of load: ``bench/load.py`` runs ``bench/locustfile.py`` with Locust against
the session's ``hub serve``, every kind of caller with its own credential, and stops itself at the request count."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.e2e.trust_data import Household
from tests.helpers import REPO

REQUESTS = 40


def test_a_short_mixed_load_run_has_every_kind_of_caller_and_no_failure(
    server: str, data_dir: Path, household: Household, tmp_path: Path
):  # the household: someone on the analyst's nomination list
    out = tmp_path / "load.json"
    command = [
        sys.executable, "-m", "bench.load", "--url", server, "--data-dir", str(data_dir), "--duration", "20",
        "--max-requests", str(REQUESTS), "--users", "9", "--spawn-rate", "9", "--think", "0.05",
        "--incidents-at", "2001-01-02T03:04:05Z",  # outside every look-back: the session's lists stay as they are
        "--out", str(out),
    ]  # fmt: skip
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result["ok"] and result["first_failures"] == {}
    rows = result["requests"]
    assert {name.split(":")[0] for name in rows} == {"analyst", "partner", "auditor", "all"}
    assert rows["all"]["requests"] == REQUESTS and result["wall_seconds"] < 20, "stopped at the count"
    assert rows["all"]["failures"] == 0 and 0 < rows["all"]["p50_ms"] <= rows["all"]["p95_ms"] <= rows["all"]["p99_ms"]
    assert result["memory"]["hub"]["start_mb"] > 50 and result["memory"]["graph"]["end_mb"] > 50
    assert "p95 ms" in done.stdout and "no failures" in done.stdout
