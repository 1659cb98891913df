"""The trust layer over real HTTP: for each demo purpose and role, what must be shown and, above all, what must not.

A real ``hub serve`` with the demo agreements, a small household ingested through the real CLI, bearer tokens from
the real issuer. Every path is exercised: root fields, nested fields, ``_entities``, aliases and fragments.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.trust_data import NHS, POLICE, PROBATION, SCHOOLS, Household

PERSON = """
fragment Rec on PersonRecord { agency localId givenName familyName dob postcode address identifiers { scheme value } }
fragment Inc on Incident { agency localId occurredAt category crime offence people { role personId } }
fragment Everything on Person {
  id records { ...Rec }
  incidents { role incident { ...Inc } }
  orders { agency localId kind people { field personId } }
  supportNeeds { agency need people { field personId } }
}
"""
BY_RECORD = PERSON + "query Q($a: String!, $l: String!) { personByRecord(agency: $a, localId: $l) { ...Everything } }"
BY_ID = PERSON + "query Q($id: ID!) { person(id: $id) { ...Everything } }"
ENTITIES = (
    PERSON + """query Q($reps: [_Any!]!) { _entities(representations: $reps) { ... on Person { ...Everything } } }"""
)


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


def person_of(body: dict[str, Any], root: str = "personByRecord") -> dict[str, Any] | None:
    assert "errors" not in body, body["errors"]
    return body["data"][root]


def test_matac_analyst_sees_perpetrator_history_within_retention_and_nothing_else(call: Any, household: Household):
    analyst = call(POLICE, "matac-analyst", "matac-tasking", "MATAC-2026-014")
    body = analyst.ask(BY_RECORD, a=POLICE, l=household.local["dale"])
    assert body["extensions"]["hub"] == {"agreement": "tees-matac", "version": 4, "purpose": "matac-tasking"}
    dale = person_of(body)
    assert dale is not None and dale["id"] == household.ids["dale"]
    police = next(r for r in dale["records"] if r["agency"] == POLICE)
    assert police["givenName"] == "Dale" and police["dob"] == "1985-03-02"
    assert police["postcode"] == "TS18"  # masked to its district by tees-matac
    assert police["address"] is None  # not shared for MATAC
    assert {r["agency"] for r in dale["records"]} == {POLICE, PROBATION}
    incidents = {i["incident"]["localId"]: i for i in dale["incidents"]}
    assert set(incidents) == {household.lid("recent")}, "the five-year-old incident is past MATAC's 3-year retention"
    assert incidents[household.lid("recent")]["role"] == "PERPETRATOR"
    assert dale["orders"] and dale["orders"][0]["kind"] == "DVPO"
    amy = person_of(analyst.ask(BY_ID, id=household.ids["amy"]), "person")
    assert amy is not None
    assert amy["supportNeeds"] == [], "health data is not shared for MATAC"
    assert {r["agency"] for r in amy["records"]} == {POLICE}, "no NHS record for MATAC: health data needs a condition"


def test_under_16_is_never_a_perpetrator_under_any_purpose(call: Any, household: Household):
    callers = [
        call(POLICE, "matac-analyst", "matac-tasking", "MATAC-1"),
        call(NHS, "marac-coordinator", "marac", "MARAC-7"),
        call(POLICE, "dvds-officer", "dvds-disclosure", "DVDS-3"),
    ]
    for caller in callers:
        for name in ("tom", "amy"):
            body = caller.ask(BY_ID, id=household.ids[name])
            text = repr(body)
            person = person_of(body, "person")
            if person is None:
                continue
            for involvement in person["incidents"]:
                for someone in involvement["incident"]["people"]:
                    if someone["personId"] == household.ids["tom"]:
                        assert someone["role"] == "CHILD_HARM_CONCERN", text
                if name == "tom":
                    assert involvement["role"] == "CHILD_HARM_CONCERN", text
    analyst = callers[0]
    tom = person_of(analyst.ask(BY_ID, id=household.ids["tom"]), "person")
    assert tom is not None and [i["role"] for i in tom["incidents"]] == ["CHILD_HARM_CONCERN"]


def test_marac_shares_health_and_address_but_keeps_retention(call: Any, household: Household):
    coordinator = call(NHS, "marac-coordinator", "marac", "MARAC-2026-3")
    amy = person_of(coordinator.ask(BY_ID, id=household.ids["amy"]), "person")
    assert amy is not None
    assert [n["need"] for n in amy["supportNeeds"]] == ["mental_health"]
    assert any(r["address"] == "1 Example Row" for r in amy["records"])
    assert household.lid("old") not in repr(amy), "past MARAC's 2-year retention"


def test_dvds_discloses_offending_history_but_never_earlier_victims(call: Any, household: Household):
    officer = call(POLICE, "dvds-officer", "dvds-disclosure", "DVDS-2026-88")
    dale = person_of(officer.ask(BY_RECORD, a=POLICE, l=household.local["dale"]))
    assert dale is not None
    assert {i["incident"]["localId"] for i in dale["incidents"]} == {household.lid("recent"), household.lid("old")}
    for involvement in dale["incidents"]:
        assert {p["role"] for p in involvement["incident"]["people"]} == {"PERPETRATOR"}
        assert household.ids["amy"] not in repr(involvement)
    assert all(r["dob"] == "1985" for r in dale["records"]), "DVDS masks the date of birth to its year"
    assert all(r["postcode"] is None and r["address"] is None for r in dale["records"])
    assert dale["orders"] and dale["orders"][0]["people"] == [{"field": "subject", "personId": household.ids["dale"]}]
    amy = person_of(officer.ask(BY_ID, id=household.ids["amy"]), "person")
    assert amy is not None and amy["incidents"] == [] and amy["supportNeeds"] == []
    assert {r["agency"] for r in amy["records"]} == {POLICE}, "NHS records do not flow for DVDS"


def test_operation_encompass_tells_the_school_about_its_pupil_and_nothing_about_adults(call: Any, household: Household):
    lead = call(SCHOOLS, "safeguarding-lead", "operation-encompass")
    kai = person_of(lead.ask(BY_RECORD, a=SCHOOLS, l=household.local.get("kai-pupil", household.lid("kai-pupil"))))
    assert kai is not None and kai["id"] == household.ids["kai"]
    assert [i["role"] for i in kai["incidents"]] == ["CHILD_PRESENT"]
    incident = kai["incidents"][0]["incident"]
    assert incident["localId"] == household.lid("recent") and incident["occurredAt"] and incident["category"]
    assert incident["crime"] is None and incident["offence"] is None
    assert incident["people"] == [{"role": "CHILD_PRESENT", "personId": household.ids["kai"]}]
    for record in kai["records"]:
        assert record["postcode"] is None and record["address"] is None and record["identifiers"] is None
    for adult in ("dale", "amy"):
        assert person_of(lead.ask(BY_ID, id=household.ids[adult]), "person") is None
        assert person_of(lead.ask(BY_RECORD, a=POLICE, l=household.local[adult])) is None


def test_research_and_audit_purposes_give_no_person_level_data(call: Any, household: Household):
    for caller in (
        call("tees-dap", "researcher", "research-statistics"),
        call("tees-dap", "auditor", "audit", "SAR-1"),
    ):
        body = caller.ask(BY_ID, id=household.ids["amy"])
        assert codes(body) == ["FORBIDDEN"] and body["data"]["person"] is None


@pytest.mark.parametrize(
    ("agency", "role", "purpose", "justification", "why"),
    [
        (POLICE, "matac-analyst", None, None, "no purpose declared"),
        (POLICE, "matac-analyst", "matac-tasking", None, "requires a justification"),
        (POLICE, "matac-analyst", "matac-tasking", "just because", "does not look like"),
        (POLICE, "dvds-officer", "matac-tasking", "MATAC-1", "with role matac-analyst"),
        (NHS, "matac-analyst", "matac-tasking", "MATAC-1", "does not name agency 'tees-nhs'"),
        (SCHOOLS, "safeguarding-lead", "marac", "MARAC-1", "as a recipient"),
        (POLICE, "matac-analyst", "gossip", None, "no agreement covers purpose 'gossip'"),
    ],
)
def test_denied_requests_get_nothing_and_a_reason(
    call: Any, household: Household, agency, role, purpose, justification, why
):
    body = call(agency, role, purpose, justification).ask(BY_ID, id=household.ids["amy"])
    assert body["data"]["person"] is None
    assert codes(body) == ["FORBIDDEN"]
    assert why in " ".join(body["errors"][0]["extensions"]["reasons"])
    assert "Amy" not in repr(body) and household.ids["amy"] not in repr(body)


def test_a_hidden_person_is_indistinguishable_from_a_missing_one(call: Any, household: Household):
    lead = call(SCHOOLS, "safeguarding-lead", "operation-encompass")
    hidden = lead.ask(BY_ID, id=household.ids["dale"])
    missing = lead.ask(BY_ID, id="HP-000000000000")
    assert hidden == missing
    assert hidden["data"] == {"person": None} and "errors" not in hidden


def test_entities_aliases_and_fragments_go_through_the_same_policy(call: Any, household: Household):
    reps = [{"__typename": "Person", "id": household.ids[name]} for name in ("dale", "amy", "kai")]
    lead = call(SCHOOLS, "safeguarding-lead", "operation-encompass")
    found = lead.ask(ENTITIES, reps=reps)["data"]["_entities"]
    assert found[0] is None and found[1] is None, "adults are not visible to a school through _entities either"
    assert found[2]["id"] == household.ids["kai"]
    analyst = call(POLICE, "matac-analyst", "matac-tasking", "MATAC-9")
    aliased = analyst.ask(
        "query Q($id: ID!) { who: person(id: $id) { sneaky: records { home: address where: postcode } "
        "... on Person { incidents { incident { ... on Incident { old: occurredAt } } } } } }",
        id=household.ids["amy"],
    )["data"]["who"]
    assert all(r["home"] is None and r["where"] in (None, "TS18") for r in aliased["sneaky"])
    assert len(aliased["incidents"]) == 2  # recent and teen; not the old one
    denied = call(POLICE, "matac-analyst", None).ask(ENTITIES, reps=reps)
    assert codes(denied) and all(code == "FORBIDDEN" for code in codes(denied))
    assert "Dale" not in repr(denied) and "Amy" not in repr(denied)


def test_every_request_is_audited_and_auditors_can_answer_a_subject_access_request(
    call: Any, household: Household, server: str
):
    analyst = call(POLICE, "matac-analyst", "matac-tasking", "MATAC-SAR-TEST")
    analyst.ask(BY_ID, id=household.ids["amy"])
    call(POLICE, "matac-analyst", None).ask(BY_ID, id=household.ids["amy"])
    auditor = call("tees-dap", "auditor", "audit", "SAR-2026-1")
    report = auditor.ask(
        "query Q($p: ID!) { subjectAccessReport(personId: $p) { personId accesses { subject agency purpose agreement "
        "agreementVersion justification decision fields persons queryHash traceId } } }",
        p=household.ids["amy"],
    )["data"]["subjectAccessReport"]
    mine = [a for a in report["accesses"] if a["justification"] == "MATAC-SAR-TEST"]
    assert len(mine) == 1
    access = mine[0]
    assert (access["agency"], access["purpose"], access["agreement"], access["agreementVersion"]) == (
        POLICE,
        "matac-tasking",
        "tees-matac",
        "4",
    )
    assert access["decision"] == "allow" and "person.given_name" in access["fields"]
    assert len(access["queryHash"]) == 64 and len(access["traceId"]) == 32
    assert "person.address" not in access["fields"], "the trail records what was disclosed, not what was asked"
    denied = auditor.ask("{ auditEvents(purpose: null, first: 500) { events { decision reasons persons } } }")
    events = denied["data"]["auditEvents"]["events"]
    assert any(
        e["decision"] == "deny" and any("no purpose" in r for r in e["reasons"]) and not e["persons"] for e in events
    )
    outsider = call(POLICE, "matac-analyst", "audit", "SAR-1").ask("{ auditEvents { events { subject } } }")
    assert codes(outsider) == ["FORBIDDEN"] and outsider["data"] is None


def test_requests_fail_closed_when_the_audit_trail_cannot_be_written(call: Any, household: Household, data_dir: Path):
    analyst = call(POLICE, "matac-analyst", "matac-tasking", "MATAC-5")
    blocker = sqlite3.connect(data_dir / "audit" / "audit.sqlite3", timeout=1, isolation_level=None)
    try:
        blocker.execute("BEGIN IMMEDIATE")  # another writer holds the trail: appends time out
        status, body = analyst.post(BY_ID, id=household.ids["amy"])
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert status == 503
    assert body == {
        "data": None,
        "errors": [{"message": "audit unavailable", "extensions": {"code": "AUDIT_UNAVAILABLE"}}],
    }
    assert person_of(analyst.ask(BY_ID, id=household.ids["amy"]), "person") is not None, "recovers once writable"


def test_requests_refused_before_graphql_are_audited_too(call: Any, server: str):
    marker = "0af7651916cd43dd8448eb211c80319c"
    traceparent = f"00-{marker}-b7ad6b7169203331-01"
    bad = httpx.post(
        f"{server}/graphql",
        json={"query": "{ hub { version } }"},
        headers={"authorization": "Bearer not-a-jwt", "traceparent": traceparent},
    )
    assert bad.status_code == 401
    auditor = call("tees-dap", "auditor", "audit", "AUD-401")
    events = auditor.ask('{ auditEvents(agency: "none", first: 500) { events { subject decision reasons traceId } } }')
    mine = [e for e in events["data"]["auditEvents"]["events"] if e["traceId"] == marker]
    assert len(mine) == 1 and mine[0]["subject"] == "unauthenticated" and mine[0]["decision"] == "deny"
    assert mine[0]["reasons"][0].startswith("refused with HTTP 401")


def test_a_hostile_operation_name_cannot_break_the_audit_trail(call: Any, server: str, household: Household):
    analyst = call(POLICE, "matac-analyst", "matac-tasking", "MATAC-6")
    body = b'{"query": "query Q { hub { version } }", "operationName": "\\ud800\\u0000"}'
    headers = {"authorization": f"Bearer {analyst.token}", "content-type": "application/json"}
    response = httpx.post(f"{server}/graphql", content=body, headers=headers)
    assert response.status_code == 400 and "Unknown operation" in response.text  # not a 500, not a 503
    assert person_of(analyst.ask(BY_ID, id=household.ids["amy"]), "person") is not None
