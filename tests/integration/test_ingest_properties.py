"""Property: every file valid under the contract schema ingests with zero rejects, and re-ingests as a no-op."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.ingest import ingest_file
from graph.store import Graph
from tests.helpers import new_agency, write_jsonl
from tests.strategies import REFERENCE, any_record, submissions

pytestmark = pytest.mark.contract  # needs only a Bolt server: make contract


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_schema_valid_files_ingest_without_rejects(graph: Graph, data: st.DataObject) -> None:
    agency = new_agency()
    records = data.draw(submissions(agency))
    assert all(REFERENCE.is_valid(r) for r in records)
    with tempfile.TemporaryDirectory() as tmp:
        path = write_jsonl(Path(tmp) / "s.jsonl", records)
        first = ingest_file(graph, path, agency)
        assert first.rejects == []
        assert first.accepted == len(records)
        again = ingest_file(graph, path, agency)
        assert again.rejects == [] and again.writes.created == again.writes.updated == 0


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid=any_record, broken=st.sampled_from(["drop-required", "bad-enum", "bad-date", "not-object"]))
def test_an_invalid_line_is_rejected_alone(graph: Graph, valid: dict[str, Any], broken: str) -> None:
    agency = new_agency()
    good = [{"type": "person", "agency": agency, "local_id": f"G{i}"} for i in range(2)]
    bad: Any = dict(valid, agency=agency)
    if broken == "drop-required":
        bad.pop("local_id")
    elif broken == "bad-enum":
        bad["type"] = "unknown"
    elif broken == "bad-date":
        bad["recorded_at"] = "2024-02-30T10:00:00Z"
    else:
        bad = [bad]
    assert not REFERENCE.is_valid(bad)
    with tempfile.TemporaryDirectory() as tmp:
        path = write_jsonl(Path(tmp) / "s.jsonl", [good[0], json.dumps(bad), good[1]])
        report = ingest_file(graph, path, agency)
    assert [r.line for r in report.rejects] == [2]
    assert report.writes.created == 2
