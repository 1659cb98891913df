"""``hub alerts`` on a real graph: an expiring order raises an alert; acknowledging it is audited and happens once."""

from __future__ import annotations

import datetime as dt
import getpass
import json
from pathlib import Path

from tests.helpers import new_agency, run_hub, write_jsonl


def test_an_expiring_order_alert_is_listed_and_acknowledged_once(data_dir: Path, tmp_path: Path):
    agency = new_agency()
    ends = (dt.date.today() + dt.timedelta(days=5)).isoformat()
    records = [
        {"type": "person", "agency": agency, "local_id": "p"},
        {"type": "person", "agency": agency, "local_id": "v"},
        {
            "type": "order",
            "agency": agency,
            "local_id": "o",
            "kind": "DAPO",
            "subject": "p",
            "protected": ["v"],
            "start": "2026-01-01",
            "end": ends,
            "status": "granted",
        },
    ]
    assert (
        run_hub(data_dir, "ingest", str(write_jsonl(tmp_path / "o.jsonl", records)), "--agency", agency).returncode == 0
    )
    listed = run_hub(data_dir, "alerts", "--kind", "order_expiring", "--format", "jsonl")
    assert listed.returncode == 0, listed.stderr
    mine = [a for a in map(json.loads, listed.stdout.splitlines()) if [agency, "o"] in a["records"]]
    assert len(mine) == 1 and mine[0]["acknowledged"] is None
    alert = mine[0]["id"]
    first = run_hub(data_dir, "alerts", "ack", alert, "--note", "safety plan reviewed")
    second = run_hub(data_dir, "alerts", "ack", alert, "--note", "again")
    assert (first.returncode, second.returncode) == (0, 1)
    again = run_hub(data_dir, "alerts", "--kind", "order_expiring", "--format", "jsonl")
    acked = next(a for a in map(json.loads, again.stdout.splitlines()) if a["id"] == alert)["acknowledged"]
    assert acked["note"] == "safety plan reviewed" and acked["who"] == f"cli:{getpass.getuser()}"
    trail = run_hub(
        data_dir, "audit", "events", "--subject", f"cli:{getpass.getuser()}", "--limit", "100000", "--format", "jsonl"
    )
    assert any(alert in " ".join(json.loads(line)["reasons"]) for line in trail.stdout.splitlines())
