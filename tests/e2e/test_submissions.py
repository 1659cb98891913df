"""Partner writes over real HTTP: only the caller's own records, only the types an agreement lets it contribute."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.e2e.trust_data import NHS, POLICE, PROBATION, SCHOOLS

SUBMIT = """mutation S($r: [JSON!]!) { submitRecords(records: $r) {
  submission accepted refused created updated unchanged outcomes { index type localId accepted reason } } }"""


def records(tag: str) -> list[dict[str, Any]]:
    return [
        {"type": "person", "agency": POLICE, "local_id": f"{tag}-a", "given_name": "Ann"},
        {"type": "person", "agency": POLICE, "local_id": f"{tag}-b", "given_name": "Bob"},
        {
            "type": "incident",
            "agency": POLICE,
            "local_id": f"{tag}-i",
            "occurred_at": "2026-01-02T03:04:05Z",
            "category": "threats",
            "perpetrators": [f"{tag}-b"],
            "victims": [f"{tag}-a"],
        },
    ]


def test_a_partner_submits_its_own_records_idempotently(call: Any):
    tag = "SUB" + uuid.uuid4().hex[:6]
    police = call(POLICE, "submitter", None)
    first = police.ask(SUBMIT, r=records(tag))["data"]["submitRecords"]
    assert (first["accepted"], first["refused"], first["created"]) == (3, 0, 3)
    assert all(o["accepted"] and o["reason"] is None for o in first["outcomes"])
    again = police.ask(SUBMIT, r=records(tag))["data"]["submitRecords"]
    assert (again["accepted"], again["created"], again["unchanged"]) == (3, 0, 3)


def test_records_of_another_agency_or_type_or_shape_are_refused_one_by_one(call: Any):
    tag = "SUB" + uuid.uuid4().hex[:6]
    mixed = [
        *records(tag),
        {"type": "person", "agency": PROBATION, "local_id": f"{tag}-x"},  # someone else's record
        {"type": "support_need", "agency": POLICE, "local_id": f"{tag}-n", "subject": f"{tag}-a", "need": "housing"},
        {"type": "incident", "agency": POLICE, "local_id": f"{tag}-bad", "category": "threats"},  # fields missing
        "not a record",
    ]
    receipt = call(POLICE, "submitter", None).ask(SUBMIT, r=mixed)["data"]["submitRecords"]
    outcomes = receipt["outcomes"]
    assert [o["accepted"] for o in outcomes] == [True, True, True, False, False, False, False]
    assert "only its own records" in outcomes[3]["reason"]
    assert "no agreement in force lets the agency submit 'support_need'" in outcomes[4]["reason"]
    assert outcomes[5]["reason"] and outcomes[6]["reason"] == "not a JSON object"
    school = call(SCHOOLS, "submitter", None).ask(SUBMIT, r=[{**records(tag)[2], "agency": SCHOOLS}])
    assert school["data"]["submitRecords"]["outcomes"][0]["accepted"] is False


def test_without_the_submitter_role_or_a_token_nothing_is_written(call: Any, server: str):
    tag = "SUB" + uuid.uuid4().hex[:6]
    analyst = call(POLICE, "matac-analyst", "matac-tasking", "MATAC-1").ask(SUBMIT, r=records(tag))
    assert analyst["data"] is None and analyst["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    anonymous = httpx.post(f"{server}/graphql", json={"query": SUBMIT, "variables": {"r": records(tag)}}).json()
    assert anonymous["data"] is None and anonymous["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    lookup = call(POLICE, "submitter", None).ask(SUBMIT, r=records(tag))["data"]["submitRecords"]
    assert lookup["created"] == 3, "the refused attempts wrote nothing"


def test_submissions_are_audited(call: Any):
    tag = "SUB" + uuid.uuid4().hex[:6]
    call(NHS, "submitter", None).ask(SUBMIT, r=[{"type": "person", "agency": NHS, "local_id": f"{tag}-p"}])
    auditor = call("tees-dap", "auditor", "audit", "AUD-7")
    events = auditor.ask('{ auditEvents(agency: "tees-nhs", first: 500) { events { roles decision reasons } } }')
    mine = [e for e in events["data"]["auditEvents"]["events"] if "submitter" in e["roles"]]
    assert mine and mine[-1]["decision"] == "allow"
    assert "records submitted: 1, accepted: 1, refused: 0" in mine[-1]["reasons"]
