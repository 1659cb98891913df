"""Request bodies against a real `hub serve` with the default HUB_MAX_BODY (2 MiB): 413 as soon as a body is known to
be too large, and audited under the caller's name; /submissions streams with a cap per line instead."""

from __future__ import annotations

import http.client
import json
import secrets
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

import httpx

from tests.e2e.test_limits import audited
from tests.e2e.trust_data import POLICE

MAX_BODY = 2 * 1024 * 1024
SUBMIT = "mutation S($r: [JSON!]!) { submitRecords(records: $r) { accepted refused } }"


def realistic_person(tag: str, n: int) -> dict[str, Any]:
    """A person record as a police system exports it: about 300 bytes of JSON, like the synthetic data's (270)."""
    return {
        "type": "person",
        "agency": POLICE,
        "local_id": f"{tag}-P-{n:07d}",
        "given_name": "Deborah",
        "family_name": "Coldby-Northwood",
        "dob": "1999-01-04",
        "gender": "female",
        "address": f"{n} Cinder Place, Stockton-on-Tees",
        "postcode": "TS18 4YX",
        "identifiers": {"ni_number": "QQ317085C"},
        "recorded_at": "2016-12-04T04:08:39Z",
    }


def headers_for(caller: Any, trace: str, **extra: str) -> dict[str, str]:
    return {
        "authorization": f"Bearer {caller.token}",
        "traceparent": f"00-{trace}-{secrets.token_hex(8)}-01",
        "content-type": "application/json",
        **extra,
    }


def test_body_over_max_is_413(call: Any, server: str, data_dir: Any) -> None:
    police = call(POLICE, "submitter", None)
    declared_trace, streamed_trace = secrets.token_hex(16), secrets.token_hex(16)
    # a declared Content-Length of 50 MB: refused before a byte of the body is sent
    url = urlsplit(server)
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=30)
    connection.putrequest("POST", "/graphql")
    for name, value in headers_for(police, declared_trace, **{"content-length": str(50 * 1024 * 1024)}).items():
        connection.putheader(name, value)
    started = time.perf_counter()
    connection.endheaders()
    declared = connection.getresponse()
    assert time.perf_counter() - started < 5
    assert declared.status == 413
    (error,) = json.loads(declared.read())["errors"]
    assert error["extensions"] == {"code": "BODY_TOO_LARGE"} and "/submissions" in error["message"]
    connection.close()

    # no Content-Length at all: a chunked body, counted as it streams
    def chunks() -> Any:
        for _ in range(100):  # 6.4 MB if it were all read
            yield b" " * 65536

    streamed = httpx.post(f"{server}/graphql", content=chunks(), headers=headers_for(police, streamed_trace))
    assert streamed.status_code == 413 and streamed.json()["errors"][0]["extensions"]["code"] == "BODY_TOO_LARGE"

    within = httpx.post(  # just under the cap, padded with whitespace: answered
        f"{server}/graphql",
        content=json.dumps({"query": "{ hub { version } }"}).encode().ljust(MAX_BODY - 10),
        headers=headers_for(police, secrets.token_hex(16)),
    )
    assert within.status_code == 200 and within.json()["data"]["hub"]["version"]
    events = audited(data_dir)
    for trace in (declared_trace, streamed_trace):
        event = events[trace]
        assert event["decision"] == "deny" and event["reasons"] == ["refused with HTTP 413"]
        assert event["subject"].startswith("dev:") and event["agency"] == POLICE  # the caller, named


def test_a_token_request_over_its_cap_is_413(server: str) -> None:
    response = httpx.post(
        f"{server}/oauth/token",
        content=b"grant_type=client_credentials&client_id=" + b"x" * 10_000,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413 and response.json()["error"] == "invalid_request"


def test_ten_thousand_realistic_records_go_through_submissions_not_one_call(call: Any, server: str) -> None:
    """submitRecords takes up to 10,000 records, but 10,000 realistic ones are about 3 MB: over the default cap, the
    call is refused with advice, and the same records stream through /submissions (the README says so)."""
    tag = "BODY" + uuid.uuid4().hex[:6]
    police = call(POLICE, "submitter", None)
    people = [realistic_person(tag, n) for n in range(10_000)]
    body = json.dumps({"query": SUBMIT, "variables": {"r": people}}, separators=(",", ":")).encode()
    assert len(body) > MAX_BODY
    refused = httpx.post(f"{server}/graphql", content=body, headers=headers_for(police, secrets.token_hex(16)))
    assert refused.status_code == 413 and "/submissions" in refused.json()["errors"][0]["message"]
    per_call = MAX_BODY * len(people) // len(body)  # what fits in one call
    assert 6_000 < per_call < 10_000
    fits = json.dumps({"query": SUBMIT, "variables": {"r": people[:per_call]}}, separators=(",", ":")).encode()
    assert len(fits) <= MAX_BODY
    lines = b"".join(json.dumps(p).encode() + b"\n" for p in people)
    streamed = httpx.post(
        f"{server}/submissions",
        content=lines,
        headers={"authorization": f"Bearer {police.token}", "content-type": "application/x-ndjson"},
        timeout=300,
    )
    assert streamed.status_code == 200, streamed.text[:500]
    end = json.loads(streamed.text.splitlines()[-1])
    assert (end["status"], end["received"], end["accepted"]) == ("complete", 10_000, 10_000)


def test_a_submissions_line_over_the_cap_is_413_after_the_lines_before_it(call: Any, server: str) -> None:
    tag = "LINE" + uuid.uuid4().hex[:6]
    police = call(POLICE, "submitter", None)
    before = b"".join(json.dumps(realistic_person(tag, n)).encode() + b"\n" for n in range(3))
    long_line = b'{"type": "person", "padding": "' + b"x" * (1 << 20) + b'"}\n'
    response = httpx.post(
        f"{server}/submissions",
        content=before + long_line + before,
        params={"close": "false"},
        headers={"authorization": f"Bearer {police.token}", "content-type": "application/x-ndjson"},
        timeout=60,
    )
    assert response.status_code == 413
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "BODY_TOO_LARGE" and "after record 3" in error["message"]
    submission = error["message"].rsplit(" ", 1)[-1]
    status = police.ask("query Q($s: ID!) { submission(id: $s) { received } }", s=submission)
    assert status["data"]["submission"]["received"] == 3, "the records before the long line went in"
