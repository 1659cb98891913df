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


def test_resolve_if_needed_runs_after_records_arrive_and_not_otherwise(tmp_path: Path) -> None:
    """What `make run` does on every start: resolve a fresh seed once, then only after new submissions."""
    out = tmp_path / "seed"
    assert run_hub(tmp_path, "seed", "--perpetrators", "5", "--out", str(out)).returncode == 0
    first = run_hub(tmp_path, "resolve", "--if-needed")
    assert first.returncode == 0 and "person records ->" in first.stdout, first.stderr
    again = run_hub(tmp_path, "resolve", "--if-needed")
    assert again.returncode == 0 and again.stdout == "" and "nothing to do" in again.stderr
    police = next(out.glob("cleveland-police.jsonl"))
    person = next(json.loads(line) for line in police.read_text().splitlines() if '"person"' in line)
    arrived = tmp_path / "new.jsonl"
    arrived.write_text(json.dumps({**person, "local_id": "CP-P-NEW-1", "given_name": "Zed"}) + "\n")
    assert run_hub(tmp_path, "ingest", str(arrived), "--agency", "cleveland-police").returncode == 0
    after = run_hub(tmp_path, "resolve", "--if-needed")
    assert after.returncode == 0 and "person records ->" in after.stdout, after.stderr
