"""Auditors on the command line: events and subject access reports, read beside a running hub, and audited too."""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Any

from tests.e2e.trust_data import POLICE, Household
from tests.helpers import run_hub

BY_ID = "query Q($id: ID!) { person(id: $id) { records { givenName } } }"


def test_subject_access_report_and_events_from_the_cli(call: Any, household: Household, data_dir: Path):
    call(POLICE, "matac-analyst", "matac-tasking", "MATAC-CLI-1").ask(BY_ID, id=household.ids["kai"])
    done = run_hub(data_dir, "audit", "report", "--person", household.ids["kai"], "--format", "json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    mine = [a for a in report["accesses"] if a["justification"] == "MATAC-CLI-1"]
    assert len(mine) == 1 and mine[0]["agreement"] == "tees-matac" and "person.given_name" in mine[0]["fields"]
    text = run_hub(data_dir, "audit", "report", "--person", household.ids["kai"]).stdout
    assert "MATAC-CLI-1" in text and "tees-matac v4" in text
    lines = run_hub(data_dir, "audit", "events", "--purpose", "matac-tasking", "--limit", "100000", "--format", "jsonl")
    events = [json.loads(line) for line in lines.stdout.splitlines()]
    assert any(e["justification"] == "MATAC-CLI-1" for e in events)
    readers = run_hub(data_dir, "audit", "events", "--subject", f"cli:{getpass.getuser()}", "--format", "jsonl")
    assert any(household.ids["kai"] in json.loads(line)["persons"] for line in readers.stdout.splitlines())
    verify = run_hub(data_dir, "audit", "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_bad_filters_are_refused_clearly(data_dir: Path):
    done = run_hub(data_dir, "audit", "events", "--since", "last tuesday")
    assert done.returncode == 2 and "ISO date" in done.stderr
