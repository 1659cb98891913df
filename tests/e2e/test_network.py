"""Networks, paths and timelines through the trust layer: connections only where both links may be shown."""

from __future__ import annotations

from typing import Any

from tests.e2e.trust_data import POLICE, SCHOOLS, Household

NETWORK = """query N($p: ID!, $h: Int!) { network(personId: $p, hops: $h) { people truncated
  connections { a b aRole bRole record { __typename agency localId } } } }"""
PATH = "query P($a: ID!, $b: ID!) { path(start: $a, goal: $b) { a b aRole bRole record { localId } } }"
TIMELINE = "query T($p: ID!) { timeline(personId: $p) { at link record { __typename agency localId } } }"


def test_matac_sees_the_household_network_with_children_as_concerns(call: Any, household: Household):
    analyst = call(POLICE, "matac-analyst", "matac-tasking", "MATAC-NET")
    ids = household.ids
    one = analyst.ask(NETWORK, p=ids["dale"], h=1)["data"]["network"]
    assert one["people"][0] == ids["dale"] and set(one["people"]) == {ids["dale"], ids["amy"], ids["kai"]}
    roles = {(c["a"], c["aRole"]) for c in one["connections"]} | {(c["b"], c["bRole"]) for c in one["connections"]}
    assert (ids["dale"], "PERPETRATOR") in roles and (ids["amy"], "VICTIM") in roles
    assert household.lid("old") not in repr(one), "past retention"
    two = analyst.ask(NETWORK, p=ids["dale"], h=2)["data"]["network"]
    assert ids["tom"] in two["people"]
    for c in two["connections"]:
        for who, role in ((c["a"], c["aRole"]), (c["b"], c["bRole"])):
            assert not (who == ids["tom"] and role == "PERPETRATOR"), "an under-16 is never a perpetrator"
    assert any(
        ids["tom"] in (c["a"], c["b"]) and "CHILD_HARM_CONCERN" in (c["aRole"], c["bRole"]) for c in two["connections"]
    )
    path = analyst.ask(PATH, a=ids["dale"], b=ids["tom"])["data"]["path"]
    assert path is not None and len(path) == 2


def test_dvds_never_connects_a_perpetrator_to_earlier_victims(call: Any, household: Household):
    officer = call(POLICE, "dvds-officer", "dvds-disclosure", "DVDS-NET")
    found = officer.ask(NETWORK, p=household.ids["dale"], h=2)["data"]["network"]
    assert found["people"] == [household.ids["dale"]] and found["connections"] == []
    assert officer.ask(PATH, a=household.ids["dale"], b=household.ids["amy"])["data"]["path"] is None


def test_a_school_gets_no_networks_and_nobody_gets_one_for_a_hidden_person(call: Any, household: Household):
    lead = call(SCHOOLS, "safeguarding-lead", "operation-encompass")
    body = lead.ask(NETWORK, p=household.ids["kai"], h=1)
    assert body["data"]["network"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    analyst = call(POLICE, "matac-analyst", "matac-tasking", "MATAC-NET")
    assert analyst.ask(NETWORK, p="HP-000000000000", h=1)["data"]["network"] is None


def test_timeline_lists_what_the_purpose_allows_in_time_order(call: Any, household: Household):
    analyst = call(POLICE, "matac-analyst", "matac-tasking", "MATAC-TL")
    entries = analyst.ask(TIMELINE, p=household.ids["amy"])["data"]["timeline"]
    refs = [e["record"]["localId"] for e in entries]
    assert set(refs) == {household.lid("recent"), household.lid("teen"), household.lid("order")}
    dated = [e["at"] for e in entries if e["at"]]
    assert dated == sorted(dated)
    assert not any(e["record"]["__typename"] == "SupportNeed" for e in entries), "no health data for MATAC"
