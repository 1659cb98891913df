"""`hub seed` writes the synthetic set and ingests it: every line accepted, counts match the files."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from tests.helpers import run_hub


def expected_current(path: Path) -> dict[str, int]:
    last = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        last[(record["type"], record["local_id"])] = record
    return dict(Counter(r["type"] for r in last.values() if not r.get("deleted")))


def test_seed_ingests_every_line_and_stats_match_the_files(tmp_path: Path) -> None:
    out = tmp_path / "seed"
    result = run_hub(tmp_path, "seed", "--perpetrators", "40", "--as-of", "2026-11-01", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "0 rejected" in result.stderr and "rejected" not in result.stderr.replace("0 rejected", "")
    truth = json.loads((out / "ground-truth.json").read_text())
    assert truth["spec"]["as_of"] == "2026-11-01"
    files = sorted(out.glob("*.jsonl"))
    assert len(files) == 7
    stats = json.loads(run_hub(tmp_path, "stats").stdout)
    for path in files:
        assert stats["records"][path.stem] == expected_current(path), path.stem

    again = run_hub(tmp_path, "seed", "--perpetrators", "40", "--as-of", "2026-11-01", "--out", str(out), "--if-empty")
    assert again.returncode == 0 and "already holds records" in again.stderr
