"""serialPerpetrators over real HTTP: computed from what the caller's grant covers, never an under-16."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

import pytest

from graph.store import Graph
from tests.e2e.trust_data import POLICE, SCHOOLS
from tests.helpers import resolved_ids, run_hub, write_jsonl

QUERY = """{ serialPerpetrators { personId records { agency localId } incidents agencies
  victims { personId records { agency localId } firstIncident lastIncident incidents } } }"""


@pytest.fixture(scope="module")
def series(data_dir: Path, graph: Graph, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    tag = "SER" + uuid.uuid4().hex[:6]
    now = dt.datetime.now(dt.UTC)

    def at(days: int) -> str:
        return (now - dt.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def person(name: str, dob: str) -> dict[str, Any]:
        return {"type": "person", "agency": POLICE, "local_id": f"{tag}-{name}", "dob": dob}

    def incident(name: str, days: int, perp: str, victim: str) -> dict[str, Any]:
        return {
            "type": "incident",
            "agency": POLICE,
            "local_id": f"{tag}-{name}",
            "occurred_at": at(days),
            "category": "physical",
            "perpetrators": [f"{tag}-{perp}"],
            "victims": [f"{tag}-{victim}"],
        }

    teen_dob = (now.date() - dt.timedelta(days=14 * 365)).isoformat()
    records = [
        person("man", "1979-05-05"),
        person("first", "1982-01-01"),
        person("second", "1990-02-02"),
        person("boy", teen_dob),
        person("mum", "1984-03-03"),
        person("sister", "2008-04-04"),
        incident("i1", 700, "man", "first"),
        incident("i2", 100, "man", "second"),
        incident("i3", 50, "boy", "mum"),
        incident("i4", 20, "boy", "sister"),
    ]
    path = write_jsonl(tmp_path_factory.mktemp("series") / "series.jsonl", records)
    assert run_hub(data_dir, "ingest", str(path), "--agency", POLICE).returncode == 0
    return resolved_ids(graph, tag) | {"tag": tag}


def test_matac_lists_the_serial_perpetrator_with_victims_in_time_order(call: Any, series: dict[str, str]):
    listed = call(POLICE, "matac-analyst", "matac-tasking", "MATAC-S").ask(QUERY)["data"]["serialPerpetrators"]
    mine = [p for p in listed if p["personId"] == series["man"]]
    assert len(mine) == 1
    entry = mine[0]
    assert entry["records"] == [{"agency": POLICE, "localId": f"{series['tag']}-man"}]
    assert [v["personId"] for v in entry["victims"]] == [series["first"], series["second"]]
    assert entry["incidents"] == 2
    assert all(p["personId"] != series["boy"] for p in listed), "an under-16 is never a serial perpetrator"


@pytest.mark.parametrize(
    ("agency", "role", "purpose", "justification"),
    [
        (POLICE, "dvds-officer", "dvds-disclosure", "DVDS-1"),  # victims are never shared under DVDS
        (SCHOOLS, "safeguarding-lead", "operation-encompass", None),
        ("tees-dap", "researcher", "research-statistics", None),
        (POLICE, "matac-analyst", "matac-tasking", None),
    ],
)
def test_purposes_that_cannot_see_who_harmed_whom_get_no_list(
    call: Any, series: dict[str, str], agency, role, purpose, justification
):
    body = call(agency, role, purpose, justification).ask(QUERY)
    assert body["data"] is None and [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]


NOMINATIONS = """{ matacNominations(top: 500) { config nominations { rank personId score recency frequency gravity
  victims incidents victimCount serial records { agency localId } districts } } }"""


def test_nominations_rank_with_the_breakdown_and_never_an_under_16(call: Any, series: dict[str, str]):
    body = call(POLICE, "matac-analyst", "matac-tasking", "MATAC-N").ask(NOMINATIONS)["data"]["matacNominations"]
    assert len(body["config"]) == 64
    ranks = [n["rank"] for n in body["nominations"]]
    assert ranks == sorted(ranks)
    mine = next(n for n in body["nominations"] if n["personId"] == series["man"])
    assert mine["serial"] is True and mine["victimCount"] == 2 and mine["incidents"] == 2
    assert mine["score"] > 0 and {"recency", "frequency", "gravity", "victims"} <= set(mine)
    assert all(n["personId"] != series["boy"] for n in body["nominations"])
    denied = call(POLICE, "dvds-officer", "dvds-disclosure", "DVDS-1").ask(NOMINATIONS)
    assert denied["data"] is None and denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"


DECIDE = """mutation D($a: RecordInput!, $b: RecordInput!, $d: IdentityDecisionKind!, $r: String!) {
  decideIdentity(a: $a, b: $b, decision: $d, reason: $r) { id decision records } }"""


def test_an_analyst_splits_two_records_and_the_decision_is_stored_and_audited(
    call: Any, series: dict[str, str], graph: Graph
):
    analyst = call(POLICE, "matac-analyst", "matac-tasking", "MATAC-ID")
    a = {"agency": POLICE, "localId": f"{series['tag']}-man"}
    b = {"agency": POLICE, "localId": f"{series['tag']}-boy"}
    made = analyst.ask(DECIDE, a=a, b=b, d="SPLIT", r="different dates of birth")["data"]["decideIdentity"]
    assert made["decision"] == "SPLIT" and sorted(made["records"]) == made["records"]
    stored = graph.read("MATCH (d:IdentityDecision {id: $id}) RETURN d.decision AS d, d.reason AS r", id=made["id"])
    assert stored == [{"d": "split", "r": "different dates of birth"}]
    missing = analyst.ask(DECIDE, a=a, b={"agency": POLICE, "localId": "no-such"}, d="CONFIRM", r="x")
    assert missing["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    school = call(SCHOOLS, "safeguarding-lead", "operation-encompass").ask(DECIDE, a=a, b=b, d="CONFIRM", r="x")
    assert school["data"] is None and school["errors"][0]["extensions"]["code"] in ("BAD_REQUEST", "FORBIDDEN")
    auditor = call("tees-dap", "auditor", "audit", "AUD-ID")
    events = auditor.ask(
        "query E($p: ID!) { auditEvents(person: $p, first: 500) { events { reasons persons } } }", p=series["man"]
    )
    notes = [e for e in events["data"]["auditEvents"]["events"] if any(made["id"] in r for r in e["reasons"])]
    assert len(notes) == 1 and series["man"] in notes[0]["persons"]
