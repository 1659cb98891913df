"""`outcomes` over real HTTP: per perpetrator only for purposes that share who harmed whom about anyone, the cohort
summary alone (small numbers suppressed, never a person) for research, nothing for anyone else; every answer audited.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from graph.store import Graph
from tests.e2e.trust_data import POLICE, SCHOOLS
from tests.helpers import resolved_ids, run_hub, write_jsonl

FULL = """query Outcomes%s { outcomes { intervention minCell referred followedUp matched comparisonPeople suppressed
  comparisons { months measure taskedBefore taskedAfter comparisonBefore comparisonAfter
    difference { estimate low high } }
  rateChanges { months change { estimate low high } }
  perpetrators { personId records { agency localId } referredAt comparisons
    periods { months complete before { incidents victims harm rfgScore }
      after { incidents victims harm rfgScore } } } } }"""


@pytest.fixture(scope="module")
def tasked(data_dir: Path, graph: Graph, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A man referred to MATAC 500 days ago (two incidents in the year before, one in the year after) and a boy of 14
    referred by mistake; police records, the real agency, so every purpose's agreement applies."""
    tag = "OUT" + uuid.uuid4().hex[:6]
    referred = dt.datetime.now(dt.UTC) - dt.timedelta(days=500)

    def at(days: int) -> str:
        return (referred + dt.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def lid(name: str) -> str:
        return f"{tag}-{name}"

    def incident(name: str, days: int, perp: str, victim: str) -> dict[str, Any]:
        return {"type": "incident", "agency": POLICE, "local_id": lid(name), "occurred_at": at(days),
                "category": "physical", "harm_score": 40, "perpetrators": [lid(perp)],
                "victims": [lid(victim)]}  # fmt: skip

    def referral(name: str, subject: str) -> dict[str, Any]:
        return {"type": "referral", "agency": POLICE, "local_id": lid(name), "forum": "MATAC", "role": "perpetrator",
                "subject": lid(subject), "referred_at": at(0), "status": "accepted"}  # fmt: skip

    boy_dob = (dt.date.today() - dt.timedelta(days=15 * 365)).isoformat()  # 14 when referred
    records = [
        {"type": "person", "agency": POLICE, "local_id": lid("man"), "dob": "1981-02-03"},
        {"type": "person", "agency": POLICE, "local_id": lid("partner"), "dob": "1984-05-06"},
        {"type": "person", "agency": POLICE, "local_id": lid("boy"), "dob": boy_dob},
        incident("i1", -200, "man", "partner"),
        incident("i2", -20, "man", "partner"),
        incident("i3", 90, "man", "partner"),
        incident("i4", -30, "boy", "partner"),
        referral("r1", "man"),
        referral("r2", "boy"),
    ]
    path = write_jsonl(tmp_path_factory.mktemp("outcomes") / "police.jsonl", records)
    assert run_hub(data_dir, "ingest", str(path), "--agency", POLICE).returncode == 0
    return resolved_ids(graph, tag) | {"tag": tag}


def events(call: Any, purpose: str, query: str, since: dt.datetime) -> list[dict[str, Any]]:
    """The audit events of this query text (sent since ``since``), as an auditor reads them."""
    auditor = call("tees-dap", "auditor", "audit", "AUD-OUT")
    page = auditor.ask(
        "query E($p: String!, $s: DateTime!) { auditEvents(purpose: $p, since: $s, first: 500) { "
        "events { queryHash decision persons fields } } }",
        p=purpose,
        s=since.isoformat(),
    )
    digest = hashlib.sha256(query.encode()).hexdigest()
    return [e for e in page["data"]["auditEvents"]["events"] if e["queryHash"] == digest]


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)  # a little slack for the clocks


def test_matac_sees_each_perpetrator_before_and_after_and_never_a_child(call: Any, tasked: dict[str, str]):
    query, since = FULL % ("Matac" + tasked["tag"]), now()
    body = call(POLICE, "matac-analyst", "matac-tasking", "MATAC-OUT").ask(query)["data"]["outcomes"]
    assert body["intervention"] == "MATAC" and body["minCell"] == 1
    mine = [p for p in body["perpetrators"] if p["personId"] == tasked["man"]]
    assert len(mine) == 1 and mine[0]["records"] == [{"agency": POLICE, "localId": f"{tasked['tag']}-man"}]
    year = next(p for p in mine[0]["periods"] if p["months"] == 12)
    assert year["complete"] and (year["before"]["incidents"], year["after"]["incidents"]) == (2, 1)
    assert (year["before"]["victims"], year["before"]["harm"]) == (1, 80.0) and year["before"]["rfgScore"] > 0
    assert all(p["personId"] != tasked["boy"] for p in body["perpetrators"]), "an under-16 is never a perpetrator"
    [event] = events(call, "matac-tasking", query, since)
    assert event["decision"] == "allow" and tasked["man"] in event["persons"] and tasked["boy"] not in event["persons"]
    assert {"incident.perpetrators", "referral.subject"} <= set(event["fields"])


def test_research_gets_the_cohort_alone_suppressed_and_no_person(call: Any, tasked: dict[str, str]):
    query, since = FULL % ("Research" + tasked["tag"]), now()
    body = call("tees-dap", "researcher", "research-statistics").ask(query)
    found = body["data"]["outcomes"]
    assert "errors" not in body and found["perpetrators"] is None and found["minCell"] == 10
    for name in ("referred", "followedUp", "matched", "comparisonPeople"):
        assert found[name] is None or found[name] >= 10, name
    if found["matched"] is None or found["comparisonPeople"] is None:
        assert found["suppressed"] and found["comparisons"] == [] and found["rateChanges"] == []
    text = json.dumps(body)
    assert not any(tasked[name] in text for name in ("man", "boy", "partner")) and tasked["tag"] not in text
    [event] = events(call, "research-statistics", query, since)
    assert event["decision"] == "allow" and event["persons"] == [], "no person's data was disclosed"


@pytest.mark.parametrize(
    ("agency", "role", "purpose", "justification"),
    [
        (POLICE, "dvds-officer", "dvds-disclosure", "DVDS-1"),  # victims are never shared under DVDS
        (SCHOOLS, "safeguarding-lead", "operation-encompass", None),
        ("tees-dap", "auditor", "audit", "AUD-1"),
        (POLICE, "matac-analyst", "matac-tasking", None),  # no panel reference
        (POLICE, "matac-analyst", None, None),
    ],
)
def test_everyone_else_gets_nothing(call: Any, tasked: dict[str, str], agency, role, purpose, justification):
    body = call(agency, role, purpose, justification).ask(FULL % "")
    assert body["data"] is None and [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert tasked["man"] not in json.dumps(body)


def test_an_anonymous_caller_gets_nothing(server: str, tasked: dict[str, str]):
    response = httpx.post(f"{server}/graphql", json={"query": FULL % ""}, headers={"x-purpose": "matac-tasking"})
    body = response.json()
    assert body.get("data") is None and tasked["man"] not in response.text


def test_marac_sees_the_perpetrator_within_its_shorter_retention(call: Any, tasked: dict[str, str]):
    body = call(POLICE, "marac-coordinator", "marac", "MARAC-OUT").ask(FULL % "")["data"]["outcomes"]
    [mine] = [p for p in body["perpetrators"] if p["personId"] == tasked["man"]]
    periods = {p["months"]: p for p in mine["periods"]}
    assert periods[6]["complete"] and periods[6]["before"]["incidents"] == 1
    # two years' retention: the year before a referral 500 days ago reaches past it, so the period is incomplete
    assert not periods[12]["complete"] and periods[12]["before"]["incidents"] == 2
