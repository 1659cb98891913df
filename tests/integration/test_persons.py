"""Reading people within a scope, against the real graph: what the scope leaves out never comes back."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from graph.ingest import ingest_file
from graph.persons import CHILD_HARM_CONCERN, Scope, find_person, incident_people, incidents_of, records_of
from graph.store import Graph
from tests.helpers import new_agency, write_jsonl

pytestmark = pytest.mark.contract  # needs only a Bolt server: make contract


def load(graph: Graph, tmp_path: Path) -> tuple[str, dict[str, str]]:
    a = new_agency()
    now = dt.datetime.now(dt.UTC)
    at = lambda days: (now - dt.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
    records = [
        {"type": "person", "agency": a, "local_id": "adult", "dob": "1980-01-01"},
        {
            "type": "person",
            "agency": a,
            "local_id": "teen",
            "dob": (now.date() - dt.timedelta(days=14 * 365)).isoformat(),
        },
        {"type": "person", "agency": a, "local_id": "victim"},
        {
            "type": "incident",
            "agency": a,
            "local_id": "new",
            "occurred_at": at(10),
            "category": "physical",
            "perpetrators": ["adult"],
            "victims": ["victim"],
        },
        {
            "type": "incident",
            "agency": a,
            "local_id": "old",
            "occurred_at": at(2000),
            "category": "threats",
            "perpetrators": ["adult"],
            "victims": ["victim"],
        },
        {
            "type": "incident",
            "agency": a,
            "local_id": "teen-inc",
            "occurred_at": at(5),
            "category": "physical",
            "perpetrators": ["teen"],
            "victims": ["victim"],
        },
        {
            "type": "order",
            "agency": a,
            "local_id": "o",
            "kind": "DVPO",
            "subject": "adult",
            "protected": ["victim"],
            "start": at(20)[:10],
        },
    ]
    report = ingest_file(graph, write_jsonl(tmp_path / "a.jsonl", records), a)
    assert report.rejected == 0
    rows = graph.read(
        "MATCH (r:PersonRecord)-[:RESOLVED_AS]->(p:Person) WHERE r.agency = $a "
        "RETURN r.local_id AS l, p.person_id AS id",
        a=a,
    )
    return a, {row["l"]: row["id"] for row in rows}


def everything(a: str, since: dt.date | None = None, own: str | None = None) -> Scope:
    return Scope(
        sources={label: [a] for label in ("PersonRecord", "Incident", "ProtectiveOrder")},
        links={"Incident": ["PERPETRATOR", "VICTIM", "CHILD_PRESENT"], "ProtectiveOrder": ["SUBJECT", "PROTECTS"]},
        since=since,
        own_agency=own,
    )


def test_every_person_record_gets_one_person_and_reingest_makes_no_more(graph: Graph, tmp_path: Path):
    a, ids = load(graph, tmp_path)
    assert len(ids) == 3 and len(set(ids.values())) == 3 and all(i.startswith("HP-") for i in ids.values())
    ingest_file(graph, tmp_path / "a.jsonl", a)
    again = graph.read(
        "MATCH (r:PersonRecord)-[:RESOLVED_AS]->(p:Person) WHERE r.agency = $a RETURN count(p) AS n", a=a
    )
    assert again[0]["n"] == 3


def test_the_scope_decides_what_leaves_the_database(graph: Graph, tmp_path: Path):
    a, ids = load(graph, tmp_path)
    full = everything(a)
    assert find_person(graph, full, person_id=ids["adult"]) is not None
    assert find_person(graph, full, record=f"{a}:adult")["id"] == ids["adult"]
    hidden = Scope(sources={"PersonRecord": ["some-other-agency"]})
    assert find_person(graph, hidden, person_id=ids["adult"]) is None
    assert find_person(graph, hidden, record=f"{a}:adult") is None
    assert find_person(graph, everything(a, own="some-other-agency"), person_id=ids["adult"]) is None
    keys = {row["record"]["local_id"] for row in incidents_of(graph, full, [ids["adult"]])}
    assert keys == {"new", "old"}
    recent = everything(a, since=dt.date.today() - dt.timedelta(days=365))
    assert {row["record"]["local_id"] for row in incidents_of(graph, recent, [ids["adult"]])} == {"new"}
    victims_only = Scope(sources=full.sources, links={"Incident": ["VICTIM"]})
    assert incidents_of(graph, victims_only, [ids["adult"]]) == []
    people = incident_people(graph, victims_only, [f"{a}:new"])
    assert [(p["role"], p["person"]) for p in people] == [("VICTIM", ids["victim"])]
    assert len(incident_people(graph, everything(a, own=a), [f"{a}:new"])) == 2
    assert incident_people(graph, everything(a, own="elsewhere"), [f"{a}:new"]) == [], "others' people stay hidden"
    orders = records_of(graph, full, "ProtectiveOrder", [ids["victim"]])
    assert [o["link"] for o in orders] == ["PROTECTS"] and ["SUBJECT", ids["adult"]] in orders[0]["links"]


def test_an_under_16_is_never_returned_as_a_perpetrator(graph: Graph, tmp_path: Path):
    a, ids = load(graph, tmp_path)
    full = everything(a)
    assert [row["role"] for row in incidents_of(graph, full, [ids["teen"]])] == [CHILD_HARM_CONCERN]
    roles = {p["person"]: p["role"] for p in incident_people(graph, full, [f"{a}:teen-inc"])}
    assert roles == {ids["teen"]: CHILD_HARM_CONCERN, ids["victim"]: "VICTIM"}
    assert {row["role"] for row in incidents_of(graph, full, [ids["adult"]])} == {"PERPETRATOR"}
