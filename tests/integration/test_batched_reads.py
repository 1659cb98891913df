"""No N+1: a page of people with their incidents (and the people in them) and their records costs the same number of
Cypher round trips whether it holds 5 people or 50, counted on the real graph with ``Graph.round_trips``.

The schema runs in-process against the real ArcadeDB graph, with a real ``Access`` built exactly as ``hub serve``
builds one per request (a principal, the purpose and justification headers, a decision from the demo agreements).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from pathlib import Path
from typing import Any

import pytest

from graph.ingest import ingest_file
from graph.store import Graph
from hub.access import access_for
from hub.api import build_schema
from hub.auth.principal import Principal
from hub.policy import Decider, load_agreements
from tests.helpers import REPO, write_jsonl

pytestmark = pytest.mark.contract  # needs only a Bolt server: make contract

POLICE = "cleveland-police"
COUPLES = 30  # 60 people, each on two incidents, with an order and a referral per couple

PAGE = """query Page($tag: String!, $n: Int!) {
  people(filter: {familyName: $tag}, first: $n) {
    edges { cursor node {
      id
      records { agency localId givenName dob postcode }
      incidents { role incident { id localId occurredAt category people { role personId } } }
      orders { kind people { field personId } }
      referrals { forum }
    } }
    pageInfo { hasNextPage endCursor }
  }
}"""
ENTITIES = """query E($reps: [_Any!]!) {
  _entities(representations: $reps) {
    ... on Person { id records { localId } incidents { incident { id people { personId } } } }
    ... on Incident { id category people { role personId } }
  }
}"""


@pytest.fixture(scope="module")
def couples(graph: Graph, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Thirty couples known to the police, all with one family name no other test uses."""
    tag = "NPO" + uuid.uuid4().hex[:8]
    now = dt.datetime.now(dt.UTC)
    at = (now - dt.timedelta(days=20)).strftime("%Y-%m-%dT%H:%M:%SZ")
    records: list[dict[str, Any]] = []
    for i in range(COUPLES):
        perp, victim = f"{tag}-p{i}", f"{tag}-v{i}"
        for local, given, dob in ((perp, "Pat", "1980-01-01"), (victim, "Val", "1985-02-02")):
            records.append({"type": "person", "agency": POLICE, "local_id": local, "given_name": given,
                            "family_name": tag, "dob": dob, "postcode": "TS1 1AA"})  # fmt: skip
        for n, days in enumerate((30 + i, 90 + i)):
            records.append({"type": "incident", "agency": POLICE, "local_id": f"{tag}-i{i}-{n}",
                            "occurred_at": (now - dt.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                            "category": "physical", "perpetrators": [perp], "victims": [victim]})  # fmt: skip
        records.append({"type": "order", "agency": POLICE, "local_id": f"{tag}-o{i}", "kind": "DVPO",
                        "subject": perp, "protected": [victim], "start": at[:10]})  # fmt: skip
        records.append({"type": "referral", "agency": POLICE, "local_id": f"{tag}-r{i}", "forum": "MARAC",
                        "subject": victim, "role": "victim", "referred_at": at})  # fmt: skip
    path = write_jsonl(tmp_path_factory.mktemp("couples") / "couples.jsonl", records)
    assert ingest_file(graph, path, POLICE).rejected == 0
    return tag


@pytest.fixture(scope="module")
def decider() -> Decider:
    return Decider(load_agreements(REPO / "agreements"))


def context(graph: Graph, decider: Decider) -> dict[str, Any]:
    """What ``hub serve`` puts in a request's context, for a MATAC analyst."""
    principal = Principal("analyst-1", POLICE, frozenset({"matac-analyst"}), None, "test")
    headers = {"x-purpose": "matac-tasking", "x-justification": "MATAC-N1"}
    access = access_for(principal, headers, decider, dt.datetime.now(dt.UTC).date())
    return {"graph": graph, "access": access, "decider": decider}


def run(graph: Graph, ctx: dict[str, Any], query: str, **variables: Any) -> tuple[dict[str, Any], int]:
    """Execute in-process; the data and the Cypher round trips it cost."""
    schema = build_schema()
    before = graph.round_trips
    result = asyncio.run(schema.execute(query, variable_values=variables, context_value=ctx))
    assert result.errors is None, result.errors
    assert result.data is not None
    return result.data, graph.round_trips - before


def test_a_page_of_people_costs_the_same_round_trips_for_5_or_50(graph: Graph, couples: str, decider: Decider):
    small, small_cost = run(graph, context(graph, decider), PAGE, tag=couples, n=5)
    ctx = context(graph, decider)
    large, large_cost = run(graph, ctx, PAGE, tag=couples, n=50)
    assert len(small["people"]["edges"]) == 5 and len(large["people"]["edges"]) == 50
    assert large_cost == small_cost, (small_cost, large_cost)
    # the page, the incidents, the people in them, the orders and the referrals: one read each
    assert large_cost <= 5, large_cost
    people = [e["node"] for e in large["people"]["edges"]]
    assert all(len(p["incidents"]) == 2 and p["records"][0]["postcode"] == "TS1" for p in people)
    assert all(len(i["incident"]["people"]) == 2 for p in people for i in p["incidents"])
    assert all(len(p["orders"]) == 1 for p in people)
    assert all(len(p["referrals"]) == (p["records"][0]["givenName"] == "Val") for p in people), "victims only"
    # batching changed how many ids go into each read, not what is noted for the audit event
    access = ctx["access"]
    assert {p["id"] for p in people} <= access.persons
    assert {"person.given_name", "incident.perpetrators", "incident.victims", "order.kind", "order.subject",
            "referral.forum", "incident.local_id"} <= access.fields  # fmt: skip
    assert "person.address" not in access.fields and "referral.subject" not in access.fields


def test_entities_are_batched_too(graph: Graph, couples: str, decider: Decider):
    page, _ = run(graph, context(graph, decider), PAGE, tag=couples, n=50)
    people = [e["node"] for e in page["people"]["edges"]]
    incidents = sorted({i["incident"]["id"] for p in people for i in p["incidents"]})

    def reps(n: int) -> list[dict[str, str]]:
        return [{"__typename": "Person", "id": p["id"]} for p in people[:n]] + [
            {"__typename": "Incident", "id": key} for key in incidents[:n]
        ]

    few, few_cost = run(graph, context(graph, decider), ENTITIES, reps=reps(5))
    many, many_cost = run(graph, context(graph, decider), ENTITIES, reps=reps(50))
    assert len(few["_entities"]) == 10 and len(many["_entities"]) == 100 and all(many["_entities"])
    # people (1), incidents with the people they name (1), the people's incidents (1), the people in every incident (1,
    # or 2 when the two levels of incidents arrive in separate ticks)
    assert few_cost <= 5 and many_cost <= 5, (few_cost, many_cost)


def test_paging_on_reads_only_the_page(graph: Graph, couples: str, decider: Decider, tmp_path: Path):
    first, _ = run(graph, context(graph, decider), PAGE, tag=couples, n=50)
    assert first["people"]["pageInfo"]["hasNextPage"] is True
    rest, _ = run(
        graph,
        context(graph, decider),
        PAGE.replace("first: $n)", "first: $n, after: $after)").replace("$n: Int!)", "$n: Int!, $after: String)"),
        tag=couples,
        n=50,
        after=first["people"]["pageInfo"]["endCursor"],
    )
    ids = [e["node"]["id"] for e in first["people"]["edges"] + rest["people"]["edges"]]
    assert len(ids) == 2 * COUPLES == len(set(ids)) and ids == sorted(ids)
    assert rest["people"]["pageInfo"] == {"hasNextPage": False, "endCursor": rest["people"]["edges"][-1]["cursor"]}


def test_a_hidden_incident_costs_what_a_missing_one_does(graph: Graph, couples: str, decider: Decider):
    """A school may read police incidents, but only those its own pupils were at: none of the couples' are."""
    principal = Principal("lead-1", "stockton-schools", frozenset({"safeguarding-lead"}), None, "test")

    def school() -> dict[str, Any]:  # a request's context, loaders and all, is the request's own
        access = access_for(principal, {"x-purpose": "operation-encompass"}, decider, dt.datetime.now(dt.UTC).date())
        return {"graph": graph, "access": access, "decider": decider}

    query = "query E($reps: [_Any!]!) { _entities(representations: $reps) { ... on Incident { id } } }"
    hidden, hidden_cost = run(
        graph, school(), query, reps=[{"__typename": "Incident", "id": f"{POLICE}:{couples}-i0-0"}]
    )
    missing, missing_cost = run(
        graph, school(), query, reps=[{"__typename": "Incident", "id": f"{POLICE}:{couples}-x"}]
    )
    assert hidden == missing == {"_entities": [None]}
    assert hidden_cost == missing_cost == 1
