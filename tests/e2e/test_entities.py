"""Federation entities over real HTTP: ``_entities`` for Person, Incident and Agency resolve through the same policy
as the root fields. What the caller may not see resolves to null, exactly like what does not exist."""

from __future__ import annotations

from typing import Any

import httpx

from tests.e2e.trust_data import POLICE, PROBATION, SCHOOLS, Household

ENTITIES = """query E($reps: [_Any!]!) {
  _entities(representations: $reps) {
    __typename
    ... on Person { id records { agency localId } }
    ... on Incident { id agency localId occurredAt category offence people { role personId } }
    ... on Agency { code name sector agreements contributes firstSubmissionAt }
  }
}"""
INCIDENT = """query E($reps: [_Any!]!) {
  _entities(representations: $reps) { ... on Incident { id localId category people { role personId } } }
}"""


def incident(key: str) -> dict[str, str]:
    return {"__typename": "Incident", "id": key}


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


def test_an_analyst_resolves_people_incidents_and_agencies_in_one_request(call: Any, household: Household):
    analyst = call(POLICE, "matac-analyst", "matac-tasking", "MATAC-ENT")
    recent, old = f"{POLICE}:{household.lid('recent')}", f"{POLICE}:{household.lid('old')}"
    reps = [
        {"__typename": "Person", "id": household.ids["dale"]},
        incident(recent),
        incident(old),  # past MATAC's retention
        incident(f"{POLICE}:no-such-incident"),
        incident("not a key"),
        {"__typename": "Agency", "code": POLICE},
        {"__typename": "Agency", "code": "no-such-agency"},
    ]
    found = analyst.ask(ENTITIES, reps=reps)["data"]["_entities"]
    dale, shown, past, missing, malformed, police, unknown = found
    assert dale["id"] == household.ids["dale"]
    assert shown["id"] == recent and shown["localId"] == household.lid("recent") and shown["category"] == "physical"
    assert {(p["role"], p["personId"]) for p in shown["people"]} == {
        ("PERPETRATOR", household.ids["dale"]),
        ("VICTIM", household.ids["amy"]),
        ("CHILD_PRESENT", household.ids["kai"]),
    }
    assert past is None and missing is None and malformed is None and unknown is None
    assert police["name"] == "Cleveland Police" and police["sector"] == "POLICE"
    assert "tees-matac" in police["agreements"] and "incident" in police["contributes"]
    assert police["firstSubmissionAt"] is not None


def test_a_school_resolves_only_incidents_its_pupil_was_present_at(call: Any, household: Household):
    lead = call(SCHOOLS, "safeguarding-lead", "operation-encompass")
    recent, teen = incident(f"{POLICE}:{household.lid('recent')}"), incident(f"{POLICE}:{household.lid('teen')}")
    found = lead.ask(INCIDENT, reps=[recent, teen])["data"]["_entities"]
    assert found[0]["people"] == [{"role": "CHILD_PRESENT", "personId": household.ids["kai"]}]
    assert found[1] is None, "no pupil of the school was at the teenager's incident"
    hidden = lead.ask(INCIDENT, reps=[teen])
    missing = lead.ask(INCIDENT, reps=[incident(f"{POLICE}:{household.lid('never')}")])
    assert hidden == missing, "a hidden incident is indistinguishable from a missing one"
    adults = lead.ask(ENTITIES, reps=[{"__typename": "Person", "id": household.ids["amy"]}])["data"]["_entities"]
    assert adults == [None]


def test_dvds_sees_the_subjects_offending_and_never_the_victims(call: Any, household: Household):
    officer = call(POLICE, "dvds-officer", "dvds-disclosure", "DVDS-ENT")
    keys = [incident(f"{POLICE}:{household.lid(name)}") for name in ("recent", "old")]
    found = officer.ask(ENTITIES, reps=keys)["data"]["_entities"]
    for one in found:
        assert one is not None and {p["role"] for p in one["people"]} == {"PERPETRATOR"}
        assert household.ids["amy"] not in repr(one)
        assert one["offence"] is not None or one["localId"] == household.lid("old")


def test_entities_refuse_callers_without_a_person_level_grant(call: Any, household: Household):
    reps = [incident(f"{POLICE}:{household.lid('recent')}"), {"__typename": "Person", "id": household.ids["amy"]}]
    for caller in (
        call("tees-dap", "researcher", "research-statistics"),
        call("tees-dap", "auditor", "audit", "SAR-ENT"),
        call(POLICE, "matac-analyst", None),
    ):
        body = caller.ask(ENTITIES, reps=reps)
        assert codes(body) and set(codes(body)) == {"FORBIDDEN"}
        assert all(entity is None for entity in (body["data"] or {}).get("_entities") or [])
        assert household.lid("recent") not in repr(body) and "Amy" not in repr(body)


def test_the_agency_directory_is_open_and_non_personal(server: str, call: Any, household: Household):
    anonymous = httpx.post(
        f"{server}/graphql",
        json={"query": '{ agencies { code name sector } agency(code: "probation-ne") { name sector } }'},
    ).json()
    assert "errors" not in anonymous, anonymous
    codes_listed = [a["code"] for a in anonymous["data"]["agencies"]]
    assert codes_listed == sorted(codes_listed) and {POLICE, PROBATION, SCHOOLS, "tees-dap"} <= set(codes_listed)
    assert anonymous["data"]["agency"] == {"name": "Probation Service North East", "sector": "PROBATION"}
    reps = [{"__typename": "Agency", "code": SCHOOLS}, {"__typename": "Agency", "code": "nobody"}]
    found = call(SCHOOLS, "safeguarding-lead", "operation-encompass").ask(ENTITIES, reps=reps)["data"]["_entities"]
    assert found[0]["sector"] == "EDUCATION" and found[0]["contributes"] == ["person"] and found[1] is None
