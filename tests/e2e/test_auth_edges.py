"""The edges of authentication against a real `hub serve`: malformed tokens of any shape, and token lifetimes.

Tokens are forged with the running hub's own signing key (read from its data directory), so that a malformed claim
reaches every check a real token goes through. Audit events are found by the trace id each request sends.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings

from hub.auth._jose import JsonWebKey
from hub.auth.issuer import EMBEDDED_ISSUER, signing_key_path
from tests.e2e.test_limits import audited
from tests.helpers import run_hub
from tests.unit.test_auth_malformed import SETTINGS, any_token, b64, base_claims, sign_raw, splice

QUERY = {"query": "{ hub { version } }"}
MAX_HEADER = 12_000  # h11 may refuse request headers over 16 KiB itself (400, before the hub sees them)


@pytest.fixture(scope="module")
def key(server: str, data_dir: Path) -> Any:
    return JsonWebKey.import_key(signing_key_path(data_dir).read_bytes(), {"kty": "EC"})


def send(server: str, token: str | bytes) -> tuple[str, httpx.Response]:
    """POST a query with this bearer token under a fresh trace id; returns the trace id and the response."""
    trace = secrets.token_hex(16)
    value = b"Bearer " + (token if isinstance(token, bytes) else token.encode("utf-8", "surrogatepass"))
    headers = {"authorization": value, "traceparent": f"00-{trace}-{secrets.token_hex(8)}-01"}
    return trace, httpx.post(f"{server}/graphql", json=QUERY, headers=headers, timeout=30)


def assert_invalid_token(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.json() == {"error": "invalid_token"}
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


def forged(key: Any, header: dict[str, str] | None = None, **claims: str) -> str:
    """A token signed with the hub's key, some claims replaced by raw JSON text."""
    kid = key.thumbprint()
    return sign_raw(
        key, splice({"alg": "ES256", "kid": kid}, header or {}), splice(base_claims(EMBEDDED_ISSUER), claims)
    )


def test_malformed_iss_list_is_401_and_audited(server: str, data_dir: Path, key: Any) -> None:
    shapes = {
        "iss as a list": forged(key, iss=json.dumps([EMBEDDED_ISSUER])),
        "iss as an object": forged(key, iss=json.dumps({EMBEDDED_ISSUER: True})),
        "header nested 5,000 deep": f"{b64(b'[' * 5000 + b']' * 5000)}.{b64(b'{}')}.c2ln",
        "kid as a list": forged(key, header={"kid": "[1]"}),
        "exp in 1e999": forged(key, exp="1e999"),
    }
    traces = {}
    for name, token in shapes.items():
        trace, response = send(server, token)
        assert_invalid_token(response)
        traces[name] = trace
    events = audited(data_dir)
    for name, trace in traces.items():
        assert events[trace]["decision"] == "deny", name
        (reason,) = events[trace]["reasons"]
        assert reason.startswith("refused with HTTP 401: malformed"), (name, reason)


def test_malformed_tokens_of_any_shape_are_401_and_audited(server: str, data_dir: Path, key: Any) -> None:
    sendable = (
        any_token(key, EMBEDDED_ISSUER)
        .map(str.strip)
        .filter(lambda t: t and len(t) < MAX_HEADER and not any(c < " " or c == "\x7f" for c in t))
    )
    refused: list[str] = []

    @settings(SETTINGS, max_examples=120)
    @given(token=sendable)
    def one(token: str) -> None:
        started = time.perf_counter()
        trace, response = send(server, token)
        assert time.perf_counter() - started < 5  # generous: the machine is shared; a refusal takes milliseconds
        if response.status_code != 200:  # 200: a token that happened to come out right
            assert_invalid_token(response)
            refused.append(trace)

    one()
    assert len(refused) > 60
    events = audited(data_dir)
    for trace in refused:
        assert events[trace]["decision"] == "deny" and events[trace]["subject"] == "unauthenticated"
        assert events[trace]["reasons"][0].startswith("refused with HTTP 401: ")


def test_a_token_too_large_is_refused_before_it_is_decoded(server: str, data_dir: Path) -> None:
    trace, response = send(server, "e30." * 5000 + "x")  # 20 KB
    if response.status_code != 401:  # h11 may refuse headers over 16 KiB itself, depending on how they arrive
        assert response.status_code in (400, 431), response.text
        return
    assert_invalid_token(response)
    assert audited(data_dir)[trace]["reasons"] == ["refused with HTTP 401: token too large"]


def test_far_future_exp_is_refused(server: str, data_dir: Path, key: Any) -> None:
    now = int(time.time())
    year_9999 = 253_402_300_799
    cases = {
        "token lifetime over 3600 s": forged(key, exp=str(year_9999)),
        "token has no iat": sign_raw(
            key,
            splice({"alg": "ES256", "kid": key.thumbprint()}, {}),
            json.dumps({k: v for k, v in base_claims(EMBEDDED_ISSUER).items() if k != "iat"}).encode(),
        ),
        "token lifetime over": forged(key, iat=str(now - 7200), nbf=str(now - 7200), exp=str(now + 60)),  # old
    }
    traces = {}
    for reason, token in cases.items():
        trace, response = send(server, token)
        assert_invalid_token(response)
        traces[reason] = trace
    within = forged(key, iat=str(now - 3000), nbf=str(now - 3000), exp=str(now + 600))  # 3,600 s: the cap itself
    assert send(server, within)[1].status_code == 200
    events = audited(data_dir)
    for reason, trace in traces.items():
        assert reason in events[trace]["reasons"][0], events[trace]


def test_issued_tokens_live_within_the_cap(server: str, data_dir: Path) -> None:
    too_long = run_hub(data_dir, "token", "--agency", "police", "--role", "analyst", "--ttl", "3601")
    assert too_long.returncode == 2 and not too_long.stdout
    assert "HUB_MAX_TOKEN_TTL" in too_long.stderr and "3601" in too_long.stderr
    at_cap = run_hub(data_dir, "token", "--agency", "police", "--role", "analyst", "--ttl", "3600")
    assert at_cap.returncode == 0, at_cap.stderr
    assert send(server, at_cap.stdout.strip())[1].status_code == 200
    claims = json.loads(base64.urlsafe_b64decode(at_cap.stdout.split(".")[1] + "=="))
    assert claims["exp"] - claims["iat"] == 3600
