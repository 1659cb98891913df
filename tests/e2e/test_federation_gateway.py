"""Federation through a real Apollo Gateway (``infra/gateway``): the hub's policy holds for every path a gateway takes.

The gateway composes the session's real ``hub serve`` with a probation partner subgraph (``tests/federation``) that
extends the hub's ``Person`` and references its ``Agency`` and ``Incident`` entities. Queries run both ways (partner
-> hub ``_entities``, hub -> partner) with real tokens, and every answer's hub part is compared with what the same
caller gets from the hub directly.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.trust_data import NHS, POLICE, SCHOOLS, Household
from tests.federation.probation import Case, Caseload, probation_app
from tests.federation.servers import gateway, uvicorn_thread

UNKNOWN = "HP-000000000000"  # a person id the hub has never issued
HUB_FIELDS = (
    "records { agency localId givenName familyName dob postcode address } "
    "incidents { role incident { localId occurredAt category people { role personId } } }"
)
BY_ID = f"query Q($id: ID!) {{ person(id: $id) {{ id {HUB_FIELDS} }} }}"
WITH_CASE = f"query Q($id: ID!) {{ person(id: $id) {{ id {HUB_FIELDS} probationCase {{ caseRef tier }} }} }}"
CASES = f"{{ probationCases {{ caseRef tier person {{ id {HUB_FIELDS} probationCase {{ caseRef }} }} }} }}"
INCIDENT_FIELDS = "id localId occurredAt category crime people { role personId }"
REFERENCES = (
    f"{{ probationCases {{ caseRef supervisingAgency {{ code name sector }} indexOffence {{ {INCIDENT_FIELDS} }} }} }}"
)


@pytest.fixture(scope="module")
def caseload(household: Household) -> Caseload:
    return Caseload(
        [
            Case("PRB-0001", "C3", "J. Officer", household.ids["dale"], index_offence=incident_id(household, "recent")),
            Case("PRB-0002", "D1", "K. Ward", UNKNOWN, index_offence=incident_id(household, "old")),
        ]
    )


@pytest.fixture(scope="module")
def gateway_url(server: str, caseload: Caseload, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with uvicorn_thread(probation_app(caseload)) as partner:
        log = tmp_path_factory.mktemp("gateway") / "gateway.log"
        with gateway({"hub": f"{server}/graphql", "probation": partner}, log) as url:
            yield url


@pytest.fixture(scope="module")
def via(gateway_url: str) -> Any:
    """The same caller (token, purpose, justification), asking the gateway instead of the hub."""

    def through(caller: Any) -> Any:
        moved = copy.copy(caller)
        moved.base = gateway_url.removesuffix("/graphql")
        return moved

    return through


def incident_id(household: Household, name: str) -> str:
    return f"{POLICE}:{household.lid(name)}"


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


def hub_part(person: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if person is None else {k: v for k, v in person.items() if k != "probationCase"}


def entity(caller: Any, typename: str, key: dict[str, str], selection: str = f"id {HUB_FIELDS}") -> dict[str, Any]:
    """What the hub's own ``_entities`` gives this caller for one reference (the whole response)."""
    query = (
        f"query Q($reps: [_Any!]!) {{ _entities(representations: $reps) {{ ... on {typename} {{ {selection} }} }} }}"
    )
    return caller.ask(query, reps=[{"__typename": typename, **key}])


def person_entity(caller: Any, person_id: str) -> dict[str, Any] | None:
    body = entity(caller, "Person", {"id": person_id})
    assert "errors" not in body, body["errors"]
    return body["data"]["_entities"][0]


def test_the_gateway_composes_hub_and_partner_into_one_graph(gateway_url: str):
    body = httpx.post(
        gateway_url,
        json={
            "query": '{ person: __type(name: "Person") { fields { name } } __schema { queryType { fields { name } } } }'
        },
        timeout=30,
    ).json()
    person_fields = {f["name"] for f in body["data"]["person"]["fields"]}
    assert {"id", "records", "incidents", "probationCase"} <= person_fields, "hub and partner fields on one Person"
    assert {"person", "personByRecord", "probationCases"} <= {
        f["name"] for f in body["data"]["__schema"]["queryType"]["fields"]
    }


def test_a_cross_subgraph_query_joins_the_partners_case_and_the_hubs_person(call: Any, via: Any, household: Household):
    analyst = call(POLICE, "matac-analyst", "matac-tasking", "MATAC-FED-1")
    body = via(analyst).ask(CASES)
    assert "errors" not in body, body["errors"]
    dale_case, unknown_case = body["data"]["probationCases"]
    dale = dale_case["person"]
    assert (dale_case["caseRef"], dale_case["tier"], dale["id"]) == ("PRB-0001", "C3", household.ids["dale"])
    assert dale["probationCase"] == {"caseRef": "PRB-0001"}, "partner -> hub -> partner in one query"
    police = next(r for r in dale["records"] if r["agency"] == POLICE)
    assert (police["givenName"], police["postcode"], police["address"]) == ("Dale", "TS18", None), "MATAC's masks hold"
    assert {i["incident"]["localId"] for i in dale["incidents"]} == {household.lid("recent")}, "retention holds"
    assert hub_part(dale) == person_entity(analyst, household.ids["dale"]), (
        "the hub's part is what _entities gives directly"
    )
    assert unknown_case["person"] is None, "a reference the hub does not know resolves to nothing"

    reverse = via(analyst).ask(WITH_CASE, id=household.ids["dale"])["data"]["person"]
    assert reverse["probationCase"] == {"caseRef": "PRB-0001", "tier": "C3"}, "hub -> partner"
    assert hub_part(reverse) == analyst.ask(BY_ID, id=household.ids["dale"])["data"]["person"]


@pytest.mark.parametrize(
    ("agency", "role", "purpose", "justification"),
    [
        (POLICE, "matac-analyst", "matac-tasking", "MATAC-FED-2"),
        (POLICE, "dvds-officer", "dvds-disclosure", "DVDS-FED-1"),
        (NHS, "marac-coordinator", "marac", "MARAC-FED-1"),
        (SCHOOLS, "safeguarding-lead", "operation-encompass", None),
    ],
)
def test_every_caller_gets_through_the_gateway_exactly_what_the_hub_gives_directly(
    call: Any, via: Any, household: Household, agency: str, role: str, purpose: str, justification: str | None
):
    caller = call(agency, role, purpose, justification)
    for name in ("dale", "amy", "kai", "tom"):
        direct = caller.ask(BY_ID, id=household.ids[name])
        assert via(caller).ask(BY_ID, id=household.ids[name]) == direct, f"{name}: data, masks and agreement alike"


@pytest.mark.parametrize(
    ("agency", "role", "purpose", "justification", "shown"),
    [
        (POLICE, "matac-analyst", "matac-tasking", "MATAC-FED-3", {"recent"}),  # the old one is past retention
        (POLICE, "dvds-officer", "dvds-disclosure", "DVDS-FED-3", {"recent", "old"}),
        (POLICE, "matac-analyst", None, None, set()),
    ],
)
def test_the_hubs_incident_and_agency_entities_resolve_through_the_gateway_under_the_same_policy(
    call: Any,
    via: Any,
    household: Household,
    agency: str,
    role: str,
    purpose: str | None,
    justification: str | None,
    shown: set[str],
):
    caller = call(agency, role, purpose, justification)
    status, body = via(caller).post(REFERENCES)
    assert status == 200
    cases = body["data"]["probationCases"]
    directory = caller.ask('{ agency(code: "probation-ne") { code name sector } }')["data"]["agency"]
    assert directory is not None and all(c["supervisingAgency"] == directory for c in cases), "non-personal: as direct"
    for case, name in zip(cases, ("recent", "old"), strict=True):
        direct = entity(caller, "Incident", {"id": incident_id(household, name)}, INCIDENT_FIELDS)
        assert case["indexOffence"] == direct["data"]["_entities"][0], name
        assert (case["indexOffence"] is not None) == (name in shown), name
    if not purpose:
        assert set(codes(body)) == {"FORBIDDEN"} and household.lid("recent") not in repr(body)


def test_dvds_masks_and_retention_hold_through_the_gateway(call: Any, via: Any, household: Household):
    officer = via(call(POLICE, "dvds-officer", "dvds-disclosure", "DVDS-FED-2"))
    dale = officer.ask(CASES)["data"]["probationCases"][0]["person"]
    assert all(r["dob"] == "1985" and r["postcode"] is None and r["address"] is None for r in dale["records"])
    assert {i["incident"]["localId"] for i in dale["incidents"]} == {household.lid("recent"), household.lid("old")}
    assert household.ids["amy"] not in repr(dale), "DVDS never names earlier victims, through the gateway either"


def test_a_person_the_caller_may_not_see_is_nothing_through_the_gateway(
    call: Any, via: Any, household: Household, caseload: Caseload
):
    lead = call(SCHOOLS, "safeguarding-lead", "operation-encompass")
    assert person_entity(lead, household.ids["dale"]) is None, "the hub's _entities gives a school nothing of an adult"
    cases = via(lead).ask(CASES)
    hidden, missing = (c["person"] for c in cases["data"]["probationCases"])
    assert hidden is None and missing is None, "hidden and missing look the same"
    assert "errors" not in cases
    for secret in ("Dale", "Testcase", "1985", household.ids["dale"], household.lid("dale"), household.lid("recent")):
        assert secret not in repr(cases)

    caseload.looked_up.clear()
    hidden_body, missing_body = (via(lead).ask(WITH_CASE, id=i) for i in (household.ids["dale"], UNKNOWN))
    assert hidden_body == missing_body and hidden_body["data"] == {"person": None} and "errors" not in hidden_body
    assert caseload.looked_up == [], "the partner is never asked about a person the hub did not show"


def test_no_purpose_no_personal_data_through_the_gateway(
    call: Any, via: Any, gateway_url: str, household: Household, caseload: Caseload
):
    def anonymous(query: str, **variables: Any) -> tuple[int, dict[str, Any]]:
        response = httpx.post(gateway_url, json={"query": query, "variables": variables}, timeout=60)
        return response.status_code, response.json()

    callers = ((via(call(POLICE, "matac-analyst", None)).post, "no purpose"), (anonymous, "not authenticated"))
    for post, why in callers:
        caseload.looked_up.clear()
        body = post(WITH_CASE, id=household.ids["dale"])[1]
        assert body["data"] == {"person": None} and codes(body) == ["FORBIDDEN"]
        assert any(why in r for r in body["errors"][0]["extensions"]["reasons"])
        assert caseload.looked_up == []
        cases = post(CASES)[1]
        assert [c["person"] for c in cases["data"]["probationCases"]] == [None, None]
        assert set(codes(cases)) == {"FORBIDDEN"}
        for secret in ("Dale", "Testcase", "TS18", household.ids["dale"], household.lid("dale")):
            assert secret not in repr(body) and secret not in repr(cases)


def test_errors_keep_the_hubs_stable_codes_and_leak_nothing(call: Any, via: Any, household: Household, server: str):
    undeclared = call(POLICE, "matac-analyst", None)
    direct = undeclared.ask(BY_ID, id=household.ids["amy"])
    through = via(undeclared).ask(BY_ID, id=household.ids["amy"])
    assert through["data"] == direct["data"] == {"person": None}
    assert [(e["message"], e["path"], e["extensions"]) for e in direct["errors"]] == [
        (e["message"], e["path"], {k: v for k, v in e["extensions"].items() if k != "serviceName"})
        for e in through["errors"]
    ], "the hub's code and reasons arrive as the hub gave them"

    forged = via(undeclared)
    forged.token = "not-a-jwt"
    status, body = forged.post(BY_ID, id=household.ids["amy"])
    assert status == 200 and body["data"] == {"person": None} and codes(body) == ["UNAUTHENTICATED"]
    text = repr(body)
    assert server.removeprefix("http://") not in text, "the subgraph's address stays inside the gateway"
    assert "stacktrace" not in text and "response" not in body["errors"][0]["extensions"]


def test_the_gateway_forwards_identity_purpose_and_trace_context(
    call: Any, gateway_url: str, household: Household, caseload: Caseload
):
    analyst = call(POLICE, "matac-analyst", "matac-tasking", "MATAC-FED-TRACE")
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    headers = {
        "authorization": f"Bearer {analyst.token}",
        "x-purpose": "matac-tasking",
        "x-justification": "MATAC-FED-TRACE",
        "traceparent": f"00-{trace_id}-00f067aa0ba902b7-01",
    }
    since = (dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)).isoformat()
    caseload.seen_headers.clear()
    response = httpx.post(
        gateway_url, json={"query": WITH_CASE, "variables": {"id": household.ids["dale"]}}, headers=headers
    )
    assert response.json()["data"]["person"]["probationCase"]["caseRef"] == "PRB-0001"
    assert [{k: h.get(k) for k in headers} for h in caseload.seen_headers] == [headers], "the partner got them all"

    auditor = call("tees-dap", "auditor", "audit", "AUD-FED-1")
    events = auditor.ask(
        'query Q($since: DateTime!) { auditEvents(since: $since, purpose: "matac-tasking", first: 500) '
        "{ events { traceId justification decision persons } } }",
        since=since,
    )["data"]["auditEvents"]["events"]
    mine = [e for e in events if e["traceId"] == trace_id]
    assert len(mine) == 1, "the hub audited the gateway's request under the caller's trace"
    assert mine[0]["justification"] == "MATAC-FED-TRACE" and mine[0]["decision"] == "allow"
    assert household.ids["dale"] in mine[0]["persons"]
