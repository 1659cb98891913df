"""Statistics under the research purpose, over real HTTP: counts only, small cells suppressed, nothing else."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

import pytest

from graph.store import Graph
from tests.e2e.trust_data import POLICE, Household
from tests.helpers import run_hub, write_jsonl

COUNTS = """query C($t: String!, $by: [String!]!) {
  counts(recordType: $t, by: $by) { minCell cells { values count suppressed } }
}"""


@pytest.fixture(scope="module")
def burst(data_dir: Path, tmp_path_factory: pytest.TempPathFactory, household: Household) -> str:
    """Twelve economic-abuse incidents last month, from the police: one cell above the minimum of 10."""
    tag = "ST" + uuid.uuid4().hex[:6]
    month = (dt.date.today().replace(day=1) - dt.timedelta(days=1)).replace(day=15)
    people = [{"type": "person", "agency": POLICE, "local_id": f"{tag}-{n}", "given_name": n} for n in ("p", "v")]
    incidents = [
        {"type": "incident", "agency": POLICE, "local_id": f"{tag}-i{i}", "occurred_at": f"{month}T12:00:00Z",
         "category": "economic", "outcome": "charge", "perpetrators": [f"{tag}-p"], "victims": [f"{tag}-v"]}
        for i in range(12)
    ]  # fmt: skip
    path = write_jsonl(tmp_path_factory.mktemp("burst") / "burst.jsonl", people + incidents)
    assert run_hub(data_dir, "ingest", str(path), "--agency", POLICE).returncode == 0
    return month.isoformat()[:7]


def test_counts_are_given_by_month_with_small_cells_suppressed(call: Any, burst: str, graph: Graph):
    researcher = call("tees-dap", "researcher", "research-statistics")
    table = researcher.ask(COUNTS, t="incident", by=["category", "occurred_at"])["data"]["counts"]
    assert table["minCell"] == 10
    cells = {tuple(c["values"]): c for c in table["cells"]}
    expected = graph.read(
        "MATCH (n:Incident) WHERE n.agency = $a AND n.category = 'economic' AND n.deleted IS NULL "
        "AND substring(toString(n.occurred_at), 0, 7) = $m RETURN count(*) AS c",
        a=POLICE,
        m=burst,
    )[0]["c"]
    assert cells["economic", burst] == {"values": ["economic", burst], "count": expected, "suppressed": False}
    small = [c for c in table["cells"] if c["suppressed"]]
    assert small and all(c["count"] is None for c in small), "the household's few incidents are suppressed"
    assert all(c["count"] is None or c["count"] >= 10 for c in table["cells"])


@pytest.mark.parametrize(
    ("by", "code"),
    [(["offence"], "FORBIDDEN"), (["local_id"], "BAD_REQUEST"), (["perpetrators"], "BAD_REQUEST"), ([], "BAD_REQUEST")],
)
def test_counts_refuse_fields_the_agreement_does_not_share_for_counting(
    call: Any, burst: str, by: list[str], code: str
):
    body = call("tees-dap", "researcher", "research-statistics").ask(COUNTS, t="incident", by=by)
    assert body["data"] is None and [e["extensions"]["code"] for e in body["errors"]] == [code]


def test_only_an_aggregates_purpose_may_count(call: Any, burst: str):
    for caller in (
        call(POLICE, "matac-analyst", "matac-tasking", "MATAC-1"),
        call("tees-dap", "auditor", "audit", "AUD-1"),
        call("tees-dap", "researcher", None),
    ):
        body = caller.ask(COUNTS, t="incident", by=["category"])
        assert body["data"] is None and [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
