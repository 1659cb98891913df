"""Listings over real HTTP: ``people`` and ``incidents`` as Relay connections, paged with opaque cursors up to a maximum
page size, filtered and ordered, and only for purposes that may browse; every item shows what the grant shows."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from graph.store import Graph
from hub.policy import Asker, Decider, load_agreements
from tests.e2e.test_policy_properties import check_record
from tests.e2e.trust_data import NHS, POLICE, SCHOOLS, Household
from tests.helpers import REPO, run_hub, write_jsonl

PEOPLE = """query P($f: PeopleFilter, $n: Int!, $after: String) {
  people(filter: $f, first: $n, after: $after) {
    totalCount
    edges { cursor node { id records { __typename agency localId givenName familyName dob postcode address } } }
    pageInfo { hasNextPage endCursor }
  }
}"""
INCIDENTS = """query I($f: IncidentFilter, $o: IncidentOrder!, $n: Int!, $after: String) {
  incidents(filter: $f, orderBy: $o, first: $n, after: $after) {
    totalCount
    edges { cursor node { __typename id agency localId occurredAt category crime offence outcome
                          people { role personId } } }
    pageInfo { hasNextPage endCursor }
  }
}"""
COUPLES = 12


@dataclass(frozen=True)
class Crowd:
    tag: str
    start: dt.date  # the window the crowd's incidents happened in
    end: dt.date


@pytest.fixture(scope="module")
def crowd(data_dir: Path, tmp_path_factory: pytest.TempPathFactory, household: Household) -> Crowd:
    """Twelve couples known to the police, all of one family name, each with a stalking and an economic incident
    about 400 days ago (inside MATAC's and MARAC's retention)."""
    tag = "Lst" + uuid.uuid4().hex[:8]  # a family name, as agencies write them
    now = dt.datetime.now(dt.UTC)
    records: list[dict[str, Any]] = []
    for i in range(COUPLES):
        perp, victim = f"{tag}-p{i}", f"{tag}-v{i}"
        records += [
            {"type": "person", "agency": POLICE, "local_id": perp, "given_name": "Pat", "family_name": tag,
             "dob": "1980-01-01", "postcode": "TS5 6AB", "address": "2 Sample Street"},
            {"type": "person", "agency": POLICE, "local_id": victim, "given_name": "Val", "family_name": tag,
             "dob": "1985-02-02"},
        ]  # fmt: skip
        for n, category in enumerate(("stalking_harassment", "economic")):
            at = now - dt.timedelta(days=400 + i, hours=n)
            records.append({"type": "incident", "agency": POLICE, "local_id": f"{tag}-i{i}-{n}",
                            "occurred_at": at.strftime("%Y-%m-%dT%H:%M:%SZ"), "category": category, "crime": True,
                            "offence": "Stalking", "outcome": "charge", "perpetrators": [perp],
                            "victims": [victim]})  # fmt: skip
    path = write_jsonl(tmp_path_factory.mktemp("crowd") / "crowd.jsonl", records)
    done = run_hub(data_dir, "ingest", str(path), "--agency", POLICE)
    assert done.returncode == 0, done.stderr
    today = now.date()
    return Crowd(tag, today - dt.timedelta(days=400 + COUPLES), today - dt.timedelta(days=400))


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


def page_through(caller: Any, query: str, root: str, size: int, **variables: Any) -> tuple[list[dict], list[int]]:
    """Every node of a listing, and the totalCount each page gave."""
    nodes, totals, after = [], [], None
    while True:
        body = caller.ask(query, n=size, after=after, **variables)
        assert "errors" not in body, body
        page = body["data"][root]
        totals.append(page["totalCount"])
        nodes += [edge["node"] for edge in page["edges"]]
        assert len(page["edges"]) <= size
        if page["edges"]:
            assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes, totals
        after = page["pageInfo"]["endCursor"]


def test_people_page_through_in_id_order_with_a_total(call: Any, crowd: Crowd):
    analyst = call(POLICE, "matac-analyst", "matac-tasking", "MATAC-LIST")
    nodes, totals = page_through(analyst, PEOPLE, "people", 5, f={"familyName": crowd.tag.upper()})
    ids = [n["id"] for n in nodes]
    assert len(ids) == 2 * COUPLES == len(set(ids)) and ids == sorted(ids)
    assert set(totals) == {2 * COUPLES}
    assert all(r["familyName"] == crowd.tag for n in nodes for r in n["records"])
    assert all(r["postcode"] in (None, "TS5") and r["address"] is None for n in nodes for r in n["records"])
    one = analyst.ask(PEOPLE, n=100, f={"familyName": crowd.tag, "agency": POLICE})["data"]["people"]
    assert [e["node"]["id"] for e in one["edges"]] == ids and one["pageInfo"]["hasNextPage"] is False


def test_incidents_filter_by_dates_category_and_agency_and_order_both_ways(call: Any, crowd: Crowd, graph: Graph):
    analyst = call(POLICE, "matac-analyst", "matac-tasking", "MATAC-LIST")
    window = {"from": crowd.start.isoformat(), "to": crowd.end.isoformat(), "categories": ["stalking_harassment"],
              "agency": POLICE}  # fmt: skip
    oldest, totals = page_through(analyst, INCIDENTS, "incidents", 4, f=window, o="OCCURRED_AT_ASC")
    newest, _ = page_through(analyst, INCIDENTS, "incidents", 7, f=window, o="OCCURRED_AT_DESC")
    expected = graph.read(
        "MATCH (n:Incident) WHERE n.agency = $a AND n.deleted IS NULL AND n.category = 'stalking_harassment' "
        "AND n.occurred_at >= datetime($s) AND n.occurred_at < datetime($e) RETURN n.key AS key",
        a=POLICE,
        s=crowd.start.isoformat(),
        e=(crowd.end + dt.timedelta(days=1)).isoformat(),
    )
    assert sorted(n["id"] for n in oldest) == sorted(r["key"] for r in expected)
    assert {f"{POLICE}:{crowd.tag}-i{i}-0" for i in range(COUPLES)} <= {n["id"] for n in oldest}
    assert set(totals) == {len(expected)}
    assert [(n["occurredAt"], n["id"]) for n in oldest] == sorted((n["occurredAt"], n["id"]) for n in oldest)
    assert newest == oldest[::-1]
    assert all(n["category"] == "stalking_harassment" and len(n["people"]) == 2 for n in oldest)
    mine = analyst.ask(INCIDENTS, n=3, o="OCCURRED_AT_DESC", f={"categories": ["economic"]})["data"]["incidents"]
    assert all(e["node"]["category"] == "economic" for e in mine["edges"])


def test_page_size_and_cursors_are_checked(call: Any, crowd: Crowd):
    analyst = call(POLICE, "matac-analyst", "matac-tasking", "MATAC-LIST")
    for size in (101, 1000, 0, -1):
        body = analyst.ask(PEOPLE, n=size, f={"familyName": crowd.tag})
        assert body["data"] is None and codes(body) == ["BAD_REQUEST"]
        assert "between 1 and 100" in body["errors"][0]["message"]
    people = analyst.ask(PEOPLE, n=1, f={"familyName": crowd.tag})["data"]["people"]["pageInfo"]["endCursor"]
    asc = analyst.ask(INCIDENTS, n=1, o="OCCURRED_AT_ASC")["data"]["incidents"]["pageInfo"]["endCursor"]
    for query, variables in (
        (PEOPLE, {"after": "not-a-cursor"}),
        (PEOPLE, {"after": asc}),  # an incidents cursor for people
        (INCIDENTS, {"after": people, "o": "OCCURRED_AT_ASC"}),
        (INCIDENTS, {"after": asc, "o": "OCCURRED_AT_DESC"}),  # a cursor of the other order
        (INCIDENTS, {"after": asc + "x", "o": "OCCURRED_AT_ASC"}),
    ):
        body = analyst.ask(query, n=5, **variables)
        assert body["data"] is None and codes(body) == ["BAD_REQUEST"], body
    for window in ({"categories": ["no_such_category"]}, {"from": "2026-02-01", "to": "2026-01-01"}):
        body = analyst.ask(INCIDENTS, n=5, o="OCCURRED_AT_ASC", f=window)
        assert codes(body) == ["BAD_REQUEST"]


def test_listings_show_each_item_as_the_grant_shows_it(call: Any, crowd: Crowd, household: Household):
    decider = Decider(load_agreements(REPO / "agreements"))
    for agency, role, purpose, reference in (
        (POLICE, "matac-analyst", "matac-tasking", "MATAC-LIST"),
        (NHS, "marac-coordinator", "marac", "MARAC-LIST"),
    ):
        caller = call(agency, role, purpose, reference)
        grant = decider.grant(Asker("x", agency, frozenset({role})), purpose, reference, dt.datetime.now(dt.UTC).date())
        incidents = caller.ask(INCIDENTS, n=100, o="OCCURRED_AT_DESC")["data"]["incidents"]["edges"]
        people = caller.ask(PEOPLE, n=100, f={"familyName": crowd.tag})["data"]["people"]["edges"]
        assert incidents and people
        for node in [e["node"] for e in incidents] + [r for e in people for r in e["node"]["records"]]:
            check_record(node, grant, household)
        assert household.lid("old") not in repr(incidents), "past retention"
        if purpose == "marac":
            assert all(e["node"]["offence"] is None for e in incidents), "MARAC is not given the offence"


@pytest.mark.parametrize(
    ("agency", "role", "purpose", "justification"),
    [
        (POLICE, "dvds-officer", "dvds-disclosure", "DVDS-LIST"),  # one subject's history, not browsing
        (SCHOOLS, "safeguarding-lead", "operation-encompass", None),  # own pupils only
        ("tees-dap", "researcher", "research-statistics", None),  # aggregates only
        ("tees-dap", "auditor", "audit", "SAR-LIST"),
        (POLICE, "matac-analyst", None, None),  # no purpose
    ],
)
def test_listings_are_refused_to_purposes_that_may_not_browse(
    call: Any, crowd: Crowd, agency: str, role: str, purpose: str | None, justification: str | None
):
    caller = call(agency, role, purpose, justification)
    for query, variables in ((PEOPLE, {}), (INCIDENTS, {"o": "OCCURRED_AT_DESC"})):
        body = caller.ask(query, n=5, **variables)
        assert body["data"] is None and codes(body) == ["FORBIDDEN"], body
        assert crowd.tag not in repr(body)


def test_filters_name_only_what_the_grant_shares(call: Any, crowd: Crowd):
    analyst = call(POLICE, "matac-analyst", "matac-tasking", "MATAC-LIST")
    body = analyst.ask(PEOPLE, n=5, f={"agency": SCHOOLS})  # school records do not flow for MATAC
    assert codes(body) == ["FORBIDDEN"] and SCHOOLS in " ".join(body["errors"][0]["extensions"]["reasons"])
    body = analyst.ask(INCIDENTS, n=5, o="OCCURRED_AT_DESC", f={"agency": SCHOOLS})
    assert codes(body) == ["FORBIDDEN"]
