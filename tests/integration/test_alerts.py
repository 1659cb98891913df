"""Alerts against the real graph: each kind fires on its case and not on its near miss, ids are stable, and
acknowledgements round-trip. Tests share one graph, so each looks only at alerts evidenced by its own agencies."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from graph.analytics.alerts import (
    KINDS,
    OPERATION_ENCOMPASS,
    ORDER_EXPIRING,
    REPEAT_MARAC,
    RIGHT_TO_KNOW,
    Alert,
    acknowledge,
    acknowledged,
    alert_id,
    compute_alerts,
)
from graph.ingest import ingest_file
from graph.scope import Scope
from graph.store import Graph
from tests.helpers import new_agency, write_jsonl

pytestmark = pytest.mark.contract  # needs only a Bolt server: make contract

EVERYTHING = Scope.everything()

AS_OF = dt.date(2019, 5, 15)


def day(offset: int) -> str:
    return (AS_OF + dt.timedelta(days=offset)).isoformat()


def at(offset: int, time: str = "12:00:00") -> str:
    return f"{day(offset)}T{time}Z"


def person(agency: str, local_id: str, **fields: Any) -> dict[str, Any]:
    return {"type": "person", "agency": agency, "local_id": local_id, **fields}


def incident(agency: str, local_id: str, when: str, perps: list[str], victims: list[str], **fields: Any) -> dict:
    return {
        "type": "incident",
        "agency": agency,
        "local_id": local_id,
        "occurred_at": when,
        "category": "physical",
        "perpetrators": perps,
        "victims": victims,
        **fields,
    }


def relationship(agency: str, local_id: str, a: str, b: str, start: str) -> dict[str, Any]:
    rel = {"type": "relationship", "agency": agency, "local_id": local_id, "person": a, "other": b}
    return rel | {"kind": "intimate_partner", "start": start}


def order(agency: str, local_id: str, end: str, status: str) -> dict[str, Any]:
    fields = {"kind": "DVPO", "subject": "perp", "protected": ["v1"], "start": day(-60), "end": end, "status": status}
    return {"type": "order", "agency": agency, "local_id": local_id, **fields}


@pytest.fixture(scope="module")
def population(graph: Graph, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    a, school = new_agency(), f"school-{uuid.uuid4().hex[:12]}"
    tmp = tmp_path_factory.mktemp("alerts")
    teen_dob = (AS_OF - dt.timedelta(days=17 * 365)).isoformat()
    records = [
        person(a, "perp", given_name="Adam", family_name="Adultname", dob="1980-02-02"),
        person(a, "v1", given_name="Vera", family_name="Victimname", dob="1985-01-01"),
        person(a, "v2", dob="1986-01-01"),
        person(a, "v3", dob="1987-01-01"),
        person(a, "teen", dob=teen_dob),
        person(a, "v4"),
        person(a, "v5"),
        person(a, "q"),
        person(a, "w"),
        person(a, "child", given_name="Amelia", family_name="Policename", dob="2010-03-05"),
        person(a, "child2", dob="2012-01-01"),
        # right to know: perp is known (an adult incident against v1 before), then a new partner and a new victim
        incident(a, "inc-old", "2018-09-01T21:00:00Z", ["perp"], ["v1"]),
        relationship(a, "rel-new", "perp", "v2", day(-10)),
        incident(a, "inc-new", at(-5), ["perp"], ["v3"]),
        # ...but a relationship or an incident with an earlier victim is nothing new
        relationship(a, "rel-v1", "v1", "perp", day(-3)),
        # an under-16's harm never makes a known perpetrator
        incident(a, "inc-teen", at(-2 * 365), ["teen"], ["v4"]),
        relationship(a, "rel-teen", "teen", "v5", day(-3)),
        # repeat MARAC: v1 referred after inc-old, abused by the same perpetrator within 12 months
        {
            "type": "referral",
            "agency": a,
            "local_id": "ref-v1",
            "forum": "MARAC",
            "subject": "v1",
            "role": "victim",
            "referred_at": "2018-10-01T09:00:00Z",
        },
        incident(a, "inc-v1-again", at(-20), ["perp"], ["v1"]),
        # not a repeat: more than 12 months after w's referral
        incident(a, "inc-w1", "2016-01-01T10:00:00Z", ["q"], ["w"]),
        {
            "type": "referral",
            "agency": a,
            "local_id": "ref-w",
            "forum": "MARAC",
            "subject": "w",
            "role": "victim",
            "referred_at": "2016-02-01T10:00:00Z",
        },
        incident(a, "inc-w2", "2017-06-01T10:00:00Z", ["q"], ["w"]),
        # orders: one granted and ending soon; one ending later; one only applied for
        order(a, "o-soon", day(7), "granted"),
        order(a, "o-later", day(40), "granted"),
        order(a, "o-applied", day(3), "applied"),
        # Operation Encompass: two children present yesterday (only one is a pupil), one ten days ago
        incident(a, "inc-enc", at(-1, "22:15:00"), ["perp"], ["v3"], children_present=["child", "child2"]),
        incident(a, "inc-enc-old", at(-10), ["q"], ["w"], children_present=["child"], category="threats"),
    ]
    assert ingest_file(graph, write_jsonl(tmp / "police.jsonl", records), a).rejected == 0
    pupil = person(school, "pupil-1", given_name="Amy", family_name="Pupilname", dob="2010-03-04", postcode="TS1 1AA")
    assert ingest_file(graph, write_jsonl(tmp / "school.jsonl", [pupil]), school).rejected == 0
    ids = {
        row["l"]: row["id"]
        for row in graph.read(
            "MATCH (r:PersonRecord)-[:RESOLVED_AS]->(p:Person) WHERE r.agency = $a RETURN r.local_id AS l, "
            "p.person_id AS id",
            a=a,
        )
    }
    # identity resolution's job, done by hand: the pupil is the child the police recorded
    graph.write("MATCH (:PersonRecord {key: $k})-[r:RESOLVED_AS]->(:Person) DELETE r", k=f"{school}:pupil-1")
    graph.write(
        "MATCH (s:PersonRecord {key: $k}), (p:Person {person_id: $id}) CREATE (s)-[:RESOLVED_AS]->(p)",
        k=f"{school}:pupil-1",
        id=ids["child"],
    )
    return {"police": a, "school": school, "ids": ids, "dir": tmp}


def ours(population: dict[str, Any], alerts: list[Alert]) -> list[Alert]:
    mine = {population["police"], population["school"]}
    return [x for x in alerts if any(agency in mine for agency, _ in x.records)]


def by_kind(population: dict[str, Any], graph: Graph, kind: str, **options: Any) -> list[Alert]:
    return ours(population, compute_alerts(graph, EVERYTHING, as_of=AS_OF, kinds=[kind], **options))


def trigger(alert: Alert) -> str:
    return alert.records[0][1]


def test_right_to_know_fires_for_a_known_perpetrator_with_a_new_partner_or_victim(population, graph: Graph):
    ids = population["ids"]
    alerts = by_kind(population, graph, RIGHT_TO_KNOW)
    found = {(trigger(x), x.person, x.related) for x in alerts}
    assert found == {("rel-new", ids["perp"], (ids["v2"],)), ("inc-new", ids["perp"], (ids["v3"],))}
    for x in alerts:
        assert (population["police"], "inc-old") in x.records  # the earlier incident that makes them known
        assert "Adam" not in x.summary and "Vera" not in x.summary
    rel = next(x for x in alerts if trigger(x) == "rel-new")
    assert rel.raised_at == dt.datetime.combine(AS_OF - dt.timedelta(days=10), dt.time(), tzinfo=dt.UTC)
    # earlier victims, under-16s' harm and triggers outside the window raise nothing
    assert not {trigger(x) for x in alerts} & {"rel-v1", "inc-v1-again", "rel-teen", "inc-enc", "inc-enc-old"}
    assert all(x.person != ids["teen"] for x in compute_alerts(graph, EVERYTHING, as_of=AS_OF, kinds=[RIGHT_TO_KNOW]))
    assert by_kind(population, graph, RIGHT_TO_KNOW, recent_days=4) == [], "rel-new and inc-new are 10 and 5 days old"


def test_repeat_marac_within_12_months_of_the_last_referral(population, graph: Graph):
    ids, a = population["ids"], population["police"]
    alerts = by_kind(population, graph, REPEAT_MARAC)
    assert [(x.person, x.related, x.records) for x in alerts] == [
        (ids["v1"], (ids["perp"],), ((a, "ref-v1"), (a, "inc-v1-again")))
    ]
    assert all(x.person != ids["w"] for x in alerts), "inc-w2 came more than 12 months after the referral"
    assert by_kind(population, graph, REPEAT_MARAC) == alerts


def test_order_expiring_only_for_granted_orders_ending_soon(population, graph: Graph):
    ids = population["ids"]
    alerts = by_kind(population, graph, ORDER_EXPIRING)
    assert [(x.records[0][1], x.person, x.related) for x in alerts] == [("o-soon", ids["perp"], (ids["v1"],))]
    assert alerts[0].raised_at.date() == AS_OF + dt.timedelta(days=7)
    assert {x.records[0][1] for x in by_kind(population, graph, ORDER_EXPIRING, order_days=60)} == {
        "o-soon",
        "o-later",
    }


def test_operation_encompass_carries_only_the_schools_view_of_the_child(population, graph: Graph):
    ids, a, school = population["ids"], population["police"], population["school"]
    alerts = by_kind(population, graph, OPERATION_ENCOMPASS)
    assert len(alerts) == 1, "child2 has no school; inc-enc-old is ten days old"
    alert = alerts[0]
    assert alert.person == ids["child"] and alert.related == ()
    assert alert.records == ((a, "inc-enc"), (school, "pupil-1"))
    note = alert.notification
    assert note is not None
    assert note.to_json() == {
        "school": school,
        "police_reference": "inc-enc",
        "occurred_at": f"{day(-1)}T22:15:00Z",
        "circumstances": "physical",
        "child_given_name": "Amy",
        "child_family_name": "Pupilname",
        "child_dob": "2010-03-04",
    }
    text = json.dumps(alert.to_json())
    adults = [ids[k] for k in ("perp", "v3")] + ["Adam", "Adultname", "Amelia", "Policename", "TS1"]
    assert not [leak for leak in adults if leak in text], "nothing about adults, nor the police's view of the child"
    assert by_kind(population, graph, OPERATION_ENCOMPASS, school_agencies=[school]) == alerts
    assert by_kind(population, graph, OPERATION_ENCOMPASS, school_agencies=["another-school"]) == []
    assert len(by_kind(population, graph, OPERATION_ENCOMPASS, encompass_days=10)) == 2


def test_ids_are_stable_across_recomputation_and_reingest(population, graph: Graph):
    first = ours(population, compute_alerts(graph, EVERYTHING, as_of=AS_OF))
    assert {x.kind for x in first} == set(KINDS)
    assert len({x.id for x in first}) == len(first)
    ingest_file(graph, population["dir"] / "police.jsonl", population["police"])
    again = ours(population, compute_alerts(graph, EVERYTHING, as_of=AS_OF))
    assert [x.id for x in again] == [x.id for x in first] and again == first
    assert alert_id("k", "a", "b") == alert_id("k", "a", "b") != alert_id("k", "a", "c")
    with pytest.raises(ValueError):
        compute_alerts(graph, EVERYTHING, as_of=AS_OF, kinds=["nonsense"])


def test_acknowledgement_round_trip(population, graph: Graph):
    alerts = by_kind(population, graph, ORDER_EXPIRING) + by_kind(population, graph, REPEAT_MARAC)
    first, second = alerts[0].id, alerts[1].id
    when = dt.datetime(2019, 5, 15, 9, 30, tzinfo=dt.UTC)
    assert (
        acknowledge(graph, first, purpose="marac", who="marac-coordinator-1", note="discussed at panel", at=when)
        is True
    )
    assert acknowledge(graph, first, purpose="marac", who="someone-else", note="again", at=when) is False, (
        "the first one stands"
    )
    acks = acknowledged(graph, [x.id for x in by_kind(population, graph, ORDER_EXPIRING)] + [second], purpose="marac")
    assert set(acks) == {first}
    ack = acks[first]
    assert (ack.who, ack.note, ack.at) == ("marac-coordinator-1", "discussed at panel", when)
    with pytest.raises(ValueError):
        acknowledge(graph, second, purpose="marac", who="x", note="naive time", at=dt.datetime(2019, 5, 15))


def test_withdrawn_records_raise_nothing(graph: Graph, tmp_path: Path):
    b = new_agency()
    base = [
        person(b, "perp", dob="1980-02-02"),
        person(b, "v1"),
        person(b, "v2"),
        incident(b, "inc-old", "2018-09-01T21:00:00Z", ["perp"], ["v1"]),
    ]
    new = relationship(b, "rel-new", "perp", "v2", day(-10))
    ingest_file(graph, write_jsonl(tmp_path / "b.jsonl", [*base, new | {"recorded_at": "2019-05-01T00:00:00Z"}]), b)

    def mine() -> list[Alert]:
        return [
            x for x in compute_alerts(graph, EVERYTHING, as_of=AS_OF, kinds=[RIGHT_TO_KNOW]) if x.records[0][0] == b
        ]

    assert [trigger(x) for x in mine()] == ["rel-new"]
    withdrawn = new | {"recorded_at": "2019-05-02T00:00:00Z", "deleted": True}
    assert ingest_file(graph, write_jsonl(tmp_path / "b2.jsonl", [withdrawn]), b).rejected == 0
    assert mine() == []
