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


SAR = (
    "query Q($p: ID!, $from: Int) { subjectAccessReport(personId: $p, consistencyFrom: $from) { "
    "accesses { position justification inclusionProof } head { treeSize rootHash keyId json } consistencyProof "
    "document } }"
)


def test_a_graphql_subject_access_report_proves_itself_offline(
    call: Any, household: Household, data_dir: Path, tmp_path: Path
):
    checkpoint = tmp_path / "checkpoint.json"
    assert run_hub(data_dir, "audit", "checkpoint", "--out", str(checkpoint)).returncode == 0
    held = json.loads(checkpoint.read_text())
    call(POLICE, "matac-analyst", "matac-tasking", "MATAC-PROVE-1").ask(BY_ID, id=household.ids["kai"])
    auditor = call("tees-dap", "auditor", "audit", "SAR-PROVE-1")
    report = auditor.ask(SAR, p=household.ids["kai"], **{"from": held["tree_size"]})["data"]["subjectAccessReport"]
    mine = [a for a in report["accesses"] if a["justification"] == "MATAC-PROVE-1"]
    assert len(mine) == 1 and mine[0]["inclusionProof"]
    head = report["head"]
    assert head["treeSize"] >= mine[0]["position"] and json.loads(head["json"])["root_hash"] == head["rootHash"]
    assert report["consistencyProof"] is not None
    document = tmp_path / "report.json"
    document.write_text(report["document"])
    public_key = tmp_path / "hub.pem"
    public_key.write_text(run_hub(data_dir, "audit", "public-key").stdout)
    for anchor in (["--public-key", str(public_key)], ["--checkpoint", str(checkpoint)]):
        proven = run_hub(data_dir, "audit", "prove", str(document), *anchor)
        assert proven.returncode == 0, proven.stdout + proven.stderr
        assert proven.stdout.startswith("report proven:")
    assert "extends your checkpoint" in proven.stdout
    altered = json.loads(report["document"])
    target = next(a for a in altered["accesses"] if a["justification"] == "MATAC-PROVE-1")
    target["justification"] = "MATAC-SOMETHING-ELSE"  # what the report claims no longer matches the trail
    document.write_text(json.dumps(altered))
    refused = run_hub(data_dir, "audit", "prove", str(document), "--public-key", str(public_key))
    assert refused.returncode == 1
    assert f"the access at position {target['position']} is not in the signed tree" in refused.stdout
    unanchored = run_hub(data_dir, "audit", "prove", str(document))
    assert unanchored.returncode == 2 and "--public-key or --checkpoint" in unanchored.stderr
