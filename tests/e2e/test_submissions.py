"""Partner writes over real HTTP: only the caller's own records, only the types an agreement lets it contribute; large
submissions in batches, each written as it arrives, with whole-submission indexes, resumable and audited."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import httpx

from graph.model import record_key
from graph.store import Graph
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
    assert any(r.startswith("records submitted: 1, accepted: 1, refused: 0 (submission ") for r in mine[-1]["reasons"])


OPEN = "mutation O($n: String) { openSubmission(name: $n) { id status received } }"
BATCH = """mutation B($r: [JSON!]!, $s: ID, $o: Int) { submitRecords(records: $r, submission: $s, offset: $o) {
  submission offset resent accepted refused created updated unchanged
  outcomes { index type localId accepted reason } } }"""
CLOSE = """mutation C($s: ID!, $t: Int) { closeSubmission(submission: $s, total: $t) {
  id status closedAt received accepted refused created batches { offset size accepted refused } } }"""
STATUS = "query Q($s: ID!) { submission(id: $s) { id status received batches { offset size } } }"


def person(tag: str, n: int, name: str = "Ann") -> dict[str, Any]:
    return {"type": "person", "agency": POLICE, "local_id": f"{tag}-p{n}", "given_name": name}


def incident(tag: str, n: int, perpetrator: str, victim: str) -> dict[str, Any]:
    return {
        "type": "incident",
        "agency": POLICE,
        "local_id": f"{tag}-i{n}",
        "occurred_at": "2026-01-02T03:04:05Z",
        "category": "threats",
        "perpetrators": [perpetrator],
        "victims": [victim],
    }


def test_a_submission_larger_than_a_call_goes_in_batches_that_reference_earlier_ones(call: Any):
    tag = "BIG" + uuid.uuid4().hex[:6]
    police = call(POLICE, "submitter", None)
    people = [person(tag, n) for n in range(10_000)]
    later = [
        incident(tag, 1, f"{tag}-p0", f"{tag}-p9999"),  # both people came in the first batch
        {**person(tag, 1), "agency": PROBATION},  # another agency's record
        incident(tag, 2, f"{tag}-p0", f"{tag}-nobody"),  # a person never sent
        person(tag, 10_000),
    ]
    too_big = police.ask(BATCH, r=[*people, *later])
    assert (
        too_big["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
        and "open a submission" in too_big["errors"][0]["message"]
    )
    opened = police.ask(OPEN, n="nightly export")["data"]["openSubmission"]
    assert (opened["status"], opened["received"]) == ("open", 0)
    sid = opened["id"]
    first = police.ask(BATCH, r=people, s=sid, o=0)["data"]["submitRecords"]
    assert (first["submission"], first["accepted"], first["created"], first["resent"]) == (sid, 10_000, 10_000, False)
    assert [o["index"] for o in first["outcomes"][:2]] == [0, 1] and first["outcomes"][-1]["index"] == 9_999
    second = police.ask(BATCH, r=later, s=sid, o=10_000)["data"]["submitRecords"]
    outcomes = second["outcomes"]
    assert [o["index"] for o in outcomes] == [10_000, 10_001, 10_002, 10_003]
    assert [o["accepted"] for o in outcomes] == [True, False, False, True]
    assert "only its own records" in outcomes[1]["reason"]
    assert outcomes[2]["reason"].startswith("victims[0]: no person record") and f"{tag}-nobody" in outcomes[2]["reason"]
    assert police.ask(STATUS, s=sid)["data"]["submission"] == {
        "id": sid,
        "status": "open",
        "received": 10_004,
        "batches": [{"offset": 0, "size": 10_000}, {"offset": 10_000, "size": 4}],
    }
    closed = police.ask(CLOSE, s=sid, t=10_004)["data"]["closeSubmission"]
    assert (closed["status"], closed["received"], closed["accepted"], closed["refused"]) == (
        "complete",
        10_004,
        10_002,
        2,
    )
    assert closed["closedAt"] and closed["created"] == 10_002
    late = police.ask(BATCH, r=[person(tag, 10_005)], s=sid, o=10_004)
    assert late["errors"][0]["extensions"]["code"] == "BAD_REQUEST" and "closed" in late["errors"][0]["message"]


def test_sending_a_batch_again_changes_nothing(call: Any, graph: Graph):
    tag = "RE" + uuid.uuid4().hex[:6]
    police = call(POLICE, "submitter", None)
    sid = police.ask(OPEN)["data"]["openSubmission"]["id"]
    batch = [person(tag, 0, "Ann"), person(tag, 1, "Bob"), {"type": "person", "agency": POLICE}]
    first = police.ask(BATCH, r=batch, s=sid, o=0)["data"]["submitRecords"]
    assert (first["accepted"], first["refused"], first["created"]) == (2, 1, 2)
    update = police.ask(BATCH, r=[person(tag, 0, "Anne")], s=sid, o=3)["data"]["submitRecords"]
    assert (update["updated"], update["outcomes"][0]["index"]) == (1, 3)
    again = police.ask(BATCH, r=batch, s=sid, o=0)["data"]["submitRecords"]
    assert again["resent"] is True
    assert {**again, "resent": False} == first, "the first receipt, word for word"
    stored = graph.read(
        "MATCH (n:PersonRecord {key: $k}) RETURN n.given_name AS name", k=record_key(POLICE, f"{tag}-p0")
    )
    assert stored == [{"name": "Anne"}], "the re-sent batch did not undo the later one"
    overlapping = police.ask(BATCH, r=[person(tag, 7), person(tag, 8)], s=sid, o=2)
    assert overlapping["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert "records 0 to 2 were received in another batch" in overlapping["errors"][0]["message"]
    gap = police.ask(BATCH, r=[person(tag, 9)], s=sid, o=6)["data"]["submitRecords"]
    assert gap["outcomes"][0]["index"] == 6
    missing = police.ask(CLOSE, s=sid, t=7)
    assert "records 4 to 5 have not been received" in missing["errors"][0]["message"]
    police.ask(BATCH, r=[person(tag, 4), person(tag, 5)], s=sid, o=4)
    closed = police.ask(CLOSE, s=sid, t=7)["data"]["closeSubmission"]
    assert closed["status"] == "complete" and [b["offset"] for b in closed["batches"]] == [0, 3, 4, 6]
    assert police.ask(CLOSE, s=sid, t=7)["data"]["closeSubmission"] == closed, "closing again changes nothing"
    resent_after_close = police.ask(BATCH, r=batch, s=sid, o=0)["data"]["submitRecords"]
    assert resent_after_close["resent"] is True


def test_a_submission_belongs_to_its_agency(call: Any, server: str):
    police, probation = call(POLICE, "submitter", None), call(PROBATION, "submitter", None)
    sid = police.ask(OPEN)["data"]["openSubmission"]["id"]
    record = {"type": "person", "agency": PROBATION, "local_id": "X-" + uuid.uuid4().hex[:6]}
    for body in (
        probation.ask(BATCH, r=[record], s=sid, o=0),
        probation.ask(CLOSE, s=sid),
        probation.ask(BATCH, r=[record], s="not-an-id", o=0),
        police.ask(BATCH, r=[person("X", 0)], s=uuid.uuid4().hex, o=0),
    ):
        assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "BAD_REQUEST", body
        assert body["errors"][0]["message"] == "no such submission for this agency"
    assert probation.ask(STATUS, s=sid)["data"]["submission"] is None
    assert police.ask(STATUS, s=sid)["data"]["submission"]["received"] == 0
    analyst = call(POLICE, "matac-analyst", "matac-tasking", "MATAC-1")
    for query, variables in ((OPEN, {}), (BATCH, {"r": [person("X", 0)], "s": sid, "o": 0}), (STATUS, {"s": sid})):
        assert analyst.ask(query, **variables)["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    anonymous = httpx.post(f"{server}/graphql", json={"query": OPEN}).json()
    assert anonymous["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_every_call_of_a_submission_is_one_audit_event(call: Any):
    tag = "AUD" + uuid.uuid4().hex[:6]
    since = dt.datetime.now(dt.UTC).isoformat()
    nhs = call(NHS, "submitter", None)
    sid = nhs.ask(OPEN)["data"]["openSubmission"]["id"]
    nhs.ask(BATCH, r=[{"type": "person", "agency": NHS, "local_id": f"{tag}-a"}], s=sid, o=0)
    nhs.ask(BATCH, r=[{"type": "person", "agency": NHS, "local_id": f"{tag}-a"}], s=sid, o=0)
    nhs.ask(BATCH, r=[{"type": "person", "agency": NHS, "local_id": f"{tag}-b"}, "junk"], s=sid, o=1)
    nhs.ask(CLOSE, s=sid, t=3)
    auditor = call("tees-dap", "auditor", "audit", "AUD-7")
    query = 'query A($t: DateTime) { auditEvents(agency: "tees-nhs", since: $t) { events { decision reasons } } }'
    events = auditor.ask(query, t=since)["data"]["auditEvents"]["events"]
    mine = [e for e in events if any(sid in r for r in e["reasons"])]
    assert [[r for r in e["reasons"] if sid in r] for e in mine] == [
        [f"submission {sid} opened"],
        [f"records submitted: 1, accepted: 1, refused: 0 (submission {sid}, offset 0)"],
        [
            f"records submitted: 1, accepted: 1, refused: 0 (submission {sid}, offset 0); a batch sent again, nothing "
            "written"
        ],
        [f"records submitted: 2, accepted: 1, refused: 1 (submission {sid}, offset 1)"],
        [f"submission {sid} closed: 2 batches"],
    ]
    assert all(e["decision"] == "allow" for e in mine)


def stream(server: str, caller: Any, lines: list[Any], **params: Any) -> httpx.Response:
    body = "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines)
    headers = {"authorization": f"Bearer {caller.token}", "content-type": "application/x-ndjson"}
    return httpx.post(f"{server}/submissions", content=body, params=params, headers=headers, timeout=60)


def test_a_json_lines_stream_is_written_batch_by_batch_and_can_be_resumed(call: Any, server: str, graph: Graph):
    tag = "NDJ" + uuid.uuid4().hex[:6]
    police = call(POLICE, "submitter", None)
    first = [person(tag, n) for n in range(4)]
    rest = [incident(tag, 1, f"{tag}-p0", f"{tag}-p2"), "not json", {**person(tag, 5), "agency": NHS}, person(tag, 4)]
    cut = stream(server, police, first, batch=2, close="false", name="RMS export")  # as if the stream broke off here
    assert cut.status_code == 200 and cut.headers["content-type"] == "application/x-ndjson"
    *cut_batches, cut_end = [json.loads(line) for line in cut.text.splitlines()]
    sid = cut_end["submission"]
    assert [(b["offset"], b["size"], b["created"]) for b in cut_batches] == [(0, 2, 2), (2, 2, 2)]
    assert (cut_end["status"], cut_end["received"]) == ("open", 4)
    resumed = stream(server, police, rest, batch=2, submission=sid, offset=4)
    *parts, end = [json.loads(line) for line in resumed.text.splitlines()]
    assert [(b["offset"], b["accepted"], b["refused"]) for b in parts] == [(4, 1, 1), (6, 1, 1)]
    refusals = [r for b in parts for r in b["refusals"]]
    assert [r["index"] for r in refusals] == [5, 6] and refusals[0]["reason"] == "not a JSON object"
    assert "only its own records" in refusals[1]["reason"]
    assert (end["status"], end["received"], end["accepted"], end["refused"]) == ("complete", 8, 6, 2)
    linked = graph.read(
        "MATCH (i:Incident {key: $k})-[:VICTIM]->(p:PersonRecord) RETURN p.local_id AS victim",
        k=record_key(POLICE, f"{tag}-i1"),
    )
    assert linked == [{"victim": f"{tag}-p2"}], "a reference to a person sent in an earlier request"
    again = stream(server, police, first + rest, batch=2, submission=sid)
    *again_parts, again_end = [json.loads(line) for line in again.text.splitlines()]
    assert [(b["offset"], b["resent"]) for b in again_parts] == [(0, True), (2, True), (4, True), (6, True)]
    assert again_end == end, "sending it all again changes nothing"


def test_a_stream_is_refused_whole_without_the_permit_and_audited_once(call: Any, server: str):
    since = dt.datetime.now(dt.UTC).isoformat()
    record = [person("X" + uuid.uuid4().hex[:6], 0)]
    analyst = stream(server, call(POLICE, "matac-analyst", "matac-tasking", "MATAC-1"), record)
    assert analyst.status_code == 403 and analyst.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    police = call(POLICE, "submitter", None)
    wrong_type = httpx.post(f"{server}/submissions", content=b"{}", headers={"authorization": f"Bearer {police.token}"})
    assert wrong_type.status_code == 400 and wrong_type.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert httpx.post(f"{server}/submissions", content=b"{}").status_code == 403
    ok = stream(server, police, record)
    sid = json.loads(ok.text.splitlines()[-1])["submission"]
    auditor = call("tees-dap", "auditor", "audit", "AUD-7")
    query = "query A($t: DateTime) { auditEvents(since: $t, first: 500) { events { operation decision reasons } } }"
    events = [
        e for e in auditor.ask(query, t=since)["data"]["auditEvents"]["events"] if e["operation"] == "POST /submissions"
    ]
    assert [e["decision"] for e in events] == ["deny", "deny", "deny", "allow"]
    assert "error: BAD_REQUEST" in events[1]["reasons"]
    assert [r for r in events[3]["reasons"] if sid in r] == [
        f"submission {sid} opened",
        f"records submitted: 1, accepted: 1, refused: 0 (submission {sid}, offset 0)",
        f"submission {sid} closed: 1 batches",
    ]


def test_records_json_cannot_carry_are_refused_with_a_reason_not_an_error(call: Any, server: str):
    tag = "ODD" + uuid.uuid4().hex[:6]
    police = call(POLICE, "submitter", None)
    odd = [
        {"type": ["person"], "agency": POLICE, "local_id": f"{tag}-0"},
        {"type": "person", "agency": POLICE, "local_id": f"{tag}-1", "case_count": 2**70},  # beyond 64 bits
        {"type": "person", "agency": POLICE, "local_id": f"{tag}-2", "given_name": "\ud800"},
    ]
    body = json.dumps({"query": SUBMIT, "variables": {"r": odd}})  # ASCII, with the lone surrogate as an escape
    headers = {"authorization": f"Bearer {police.token}", "content-type": "application/json"}
    response = httpx.post(f"{server}/graphql", content=body, headers=headers, timeout=60)
    assert response.status_code == 200 and "errors" not in response.json(), response.text
    outcomes = response.json()["data"]["submitRecords"]["outcomes"]
    assert [(o["type"], o["accepted"]) for o in outcomes] == [(None, False), ("person", True), ("person", False)]
    assert outcomes[0]["reason"] == "type: not a record type"
    assert "lone surrogate" in outcomes[2]["reason"]
