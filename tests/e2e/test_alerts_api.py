"""Alerts over real HTTP: the kinds each purpose's agreement lists, a school's own notifications only, audited acks."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

import pytest

from graph.store import Graph
from tests.e2e.trust_data import POLICE, SCHOOLS
from tests.helpers import run_hub, write_jsonl

ALERTS = """query A($k: [String!]) { alerts(kinds: $k) { id kind personId records { agency localId } summary related
  notification { school policeReference circumstances childGivenName childFamilyName childDob }
  acknowledged { who note } } }"""
ACK = "mutation K($id: ID!, $n: String!) { acknowledgeAlert(id: $id, note: $n) }"


@pytest.fixture(scope="module")
def events(data_dir: Path, graph: Graph, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    tag = "AL" + uuid.uuid4().hex[:6]
    now = dt.datetime.now(dt.UTC)
    police = [
        {"type": "person", "agency": POLICE, "local_id": f"{tag}-dad", "given_name": "Adultname", "dob": "1980-01-01"},
        {"type": "person", "agency": POLICE, "local_id": f"{tag}-mum", "given_name": "Mumname", "dob": "1982-01-01"},
        {"type": "person", "agency": POLICE, "local_id": f"{tag}-kid", "given_name": "Kiddo", "dob": "2017-05-05"},
        {
            "type": "incident",
            "agency": POLICE,
            "local_id": f"{tag}-inc",
            "occurred_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "category": "threats",
            "perpetrators": [f"{tag}-dad"],
            "victims": [f"{tag}-mum"],
            "children_present": [f"{tag}-kid"],
        },
        {
            "type": "order",
            "agency": POLICE,
            "local_id": f"{tag}-ord",
            "kind": "DVPO",
            "subject": f"{tag}-dad",
            "protected": [f"{tag}-mum"],
            "start": "2026-01-01",
            "end": (now.date() + dt.timedelta(days=5)).isoformat(),
            "status": "granted",
        },
    ]
    school = [
        {
            "type": "person",
            "agency": SCHOOLS,
            "local_id": f"{tag}-pupil",
            "given_name": "Kid",
            "family_name": "Schoolrecord",
            "dob": "2017-05-05",
        }
    ]
    root = tmp_path_factory.mktemp("alerts")
    for agency, records in ((POLICE, police), (SCHOOLS, school)):
        assert (
            run_hub(
                data_dir, "ingest", str(write_jsonl(root / f"{agency}.jsonl", records)), "--agency", agency
            ).returncode
            == 0
        )
    # the pupil is the child present, as identity resolution would find
    graph.write("MATCH (:PersonRecord {local_id: $l})-[:RESOLVED_AS]->(p:Person) DETACH DELETE p", l=f"{tag}-pupil")
    graph.write(
        "MATCH (o:PersonRecord {local_id: $o}) MATCH (:PersonRecord {local_id: $k})-[:RESOLVED_AS]->(p:Person) "
        "CREATE (o)-[:RESOLVED_AS]->(p)",
        o=f"{tag}-pupil",
        k=f"{tag}-kid",
    )
    return {"tag": tag}


def test_an_expiring_order_reaches_the_analyst_and_is_acknowledged_once(call: Any, events: dict[str, str]):
    analyst = call(POLICE, "matac-analyst", "matac-tasking", "MATAC-AL")
    found = analyst.ask(ALERTS, k=["order_expiring"])["data"]["alerts"]
    mine = [a for a in found if {"agency": POLICE, "localId": f"{events['tag']}-ord"} in a["records"]]
    assert len(mine) == 1 and mine[0]["acknowledged"] is None
    assert analyst.ask(ACK, id=mine[0]["id"], n="safety plan reviewed")["data"]["acknowledgeAlert"] is True
    assert analyst.ask(ACK, id=mine[0]["id"], n="again")["data"]["acknowledgeAlert"] is False
    again = next(a for a in analyst.ask(ALERTS, k=["order_expiring"])["data"]["alerts"] if a["id"] == mine[0]["id"])
    assert again["acknowledged"]["note"] == "safety plan reviewed"
    missing = analyst.ask(ACK, id="AL-00000000000000000000", n="x")
    assert missing["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


def test_a_school_gets_its_pupil_notification_and_nothing_about_the_adults(call: Any, events: dict[str, str]):
    lead = call(SCHOOLS, "safeguarding-lead", "operation-encompass")
    found = lead.ask(ALERTS)["data"]["alerts"]
    mine = [a for a in found if a["notification"] and a["notification"]["policeReference"] == f"{events['tag']}-inc"]
    assert len(mine) == 1
    note = mine[0]["notification"]
    assert (note["childGivenName"], note["childFamilyName"], note["childDob"]) == ("Kid", "Schoolrecord", "2017-05-05")
    assert {a["kind"] for a in found} == {"operation_encompass"}
    text = repr(mine[0])
    assert "Adultname" not in text and "Mumname" not in text and "Kiddo" not in text


def test_each_purpose_gets_only_its_kinds(call: Any, events: dict[str, str]):
    # DVDS gets no alerts from cleveland-dvds v3: a Right to Know needs victims and partners, which it never sees
    officer = call(POLICE, "dvds-officer", "dvds-disclosure", "DVDS-AL").post(ALERTS)[1]
    assert officer["data"] is None and officer["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    marac = call(POLICE, "marac-coordinator", "marac", "MARAC-AL").ask(ALERTS)["data"]["alerts"]
    assert {a["kind"] for a in marac} <= {"repeat_marac", "order_expiring"}
    research = call("tees-dap", "researcher", "research-statistics").ask(ALERTS)
    assert research["data"] is None and research["errors"][0]["extensions"]["code"] == "FORBIDDEN"
