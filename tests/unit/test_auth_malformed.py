"""Tokens of any shape: whatever arrives, the verifier refuses it with ``AuthenticationFailed`` (or, for a token that
happens to be well formed, accepts it), quickly, and never with another exception.

The strategies are shared with ``tests/e2e/test_auth_edges.py``, which sends the same shapes to a real ``hub serve``.
Tokens are signed with the trusted key where that lets a malformed claim reach the deeper checks (authlib's claim
validation, the lifetime cap, the principal's claims).
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from hub.auth import AuthenticationFailed, Principal, TrustedIssuer
from hub.auth._jose import JsonWebKey
from hub.auth.jwt import MAX_NESTING, JwtIdentityProvider

ISS, AUD = "https://idp.example", "hub"
SETTINGS = settings(
    max_examples=400, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)
SLOW = 0.5  # seconds: far above what any refusal takes (about a millisecond), far below a parser gone quadratic

# the claims and header parameters every shape of value is tried in
CLAIMS = ("iss", "aud", "exp", "nbf", "iat", "sub", "jti", "hub_agency", "roles", "hub_purposes", "client_id")
PARAMETERS = ("alg", "kid", "typ", "crit")

# JSON the standard encoder never writes, and a parser must still survive
ODD_JSON = [
    "9" * 5000,  # more digits than Python converts by default
    "-" + "9" * 400,
    "1e999",  # infinity, spelled as a number
    "NaN",
    "-Infinity",
    '"\\ud800"',  # a lone surrogate
    '"' + "x" * 20_000 + '"',
    "[" * 5000 + "]" * 5000,
    '{"a":' * 3000 + "1" + "}" * 3000,
    "[" * (MAX_NESTING + 1) + "]" * (MAX_NESTING + 1),
    '"[[[[[[[[[[[[[[[[[[[[[[[[[["',  # brackets in a string are not nesting
    "",
    "{",
    "tru",
    '"unterminated',
]


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from([ISS, AUD, "ES256", "RS256", "none", "police", "hub:local"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
raw_json = st.one_of(json_values.map(json.dumps), st.sampled_from(ODD_JSON))


def base_claims(iss: str = ISS) -> dict[str, Any]:
    now = int(time.time())
    return {"iss": iss, "aud": AUD, "sub": "alice", "hub_agency": "police", "roles": ["analyst"], "iat": now,
            "nbf": now, "exp": now + 300}  # fmt: skip


def splice(base: dict[str, Any], overrides: dict[str, str]) -> bytes:
    """A JSON object: the base's members with some replaced by raw JSON text (which may not be JSON at all)."""
    members = {k: json.dumps(v) for k, v in base.items()} | overrides
    return ("{" + ",".join(f"{json.dumps(k)}:{v}" for k, v in members.items()) + "}").encode("utf-8", "surrogatepass")


def sign_raw(key: Any, header: bytes, payload: bytes) -> str:
    """A compact JWS over exactly these bytes, ES256-signed with ``key`` (whatever the header says)."""
    signing_input = f"{b64(header)}.{b64(payload)}"
    der = key.get_private_key().sign(signing_input.encode(), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    return f"{signing_input}.{b64(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


@st.composite
def structured(draw: st.DrawFn, key: Any, iss: str = ISS) -> str:
    """A token whose claims and header parameters are each perhaps replaced by JSON of any type, or by odd JSON."""
    claims = draw(st.dictionaries(st.sampled_from(CLAIMS), raw_json, max_size=3))
    parameters = draw(st.dictionaries(st.sampled_from(PARAMETERS), raw_json, max_size=2))
    header = splice({"alg": "ES256", "kid": key.thumbprint(), "typ": "JWT"}, parameters)
    payload = splice(base_claims(iss), claims)
    if draw(st.integers(0, 4)) == 4:  # not an object, not UTF-8, not JSON
        payload = draw(st.sampled_from([b"[]", b"null", b"1", b'"x"', b"\xff\xfe{}", b"{}" * 3]))
    if draw(st.integers(0, 4)) < 4:  # mostly signed, so that the claims reach every check
        return sign_raw(key, header, payload)
    return f"{b64(header)}.{b64(payload)}.{b64(draw(st.binary(max_size=80)))}"


def any_token(key: Any, iss: str = ISS) -> st.SearchStrategy[str]:
    b64ish = st.text(alphabet="ABCxyz019-_=+/.!%\x00 é", max_size=40)
    return st.one_of(
        st.text(max_size=200),  # anything at all
        st.lists(b64ish, max_size=6).map(".".join),  # wrong segment counts, characters outside base64url
        st.lists(st.binary(max_size=60).map(b64), min_size=1, max_size=6).map(".".join),  # not JSON, not UTF-8
        st.integers(1, 3).map(lambda n: "e30." * n + "x" * (20_000 * n)),  # huge
        *[structured(key, iss)] * 4,  # most examples: JSON of every type in every claim
    )


@pytest.fixture(scope="module")
def key() -> Any:
    return JsonWebKey.generate_key("EC", "P-256", is_private=True)


@pytest.fixture(scope="module")
def provider(key: Any) -> JwtIdentityProvider:
    jwks = {"keys": [key.as_dict(is_private=False) | {"kid": key.thumbprint()}]}
    return JwtIdentityProvider([TrustedIssuer(ISS, jwks=jwks)], audience=AUD)


def verdict(provider: JwtIdentityProvider, token: str) -> Principal | AuthenticationFailed:
    started = time.perf_counter()
    try:
        result: Principal | AuthenticationFailed | None = provider.authenticate(f"Bearer {token}")
    except AuthenticationFailed as exc:
        result = exc
    assert time.perf_counter() - started < SLOW
    assert result is not None  # credentials were presented: never taken for an anonymous caller
    return result


def test_the_forged_tokens_verify_when_nothing_is_wrong(key: Any, provider: JwtIdentityProvider) -> None:
    header = splice({"alg": "ES256", "kid": key.thumbprint(), "typ": "JWT"}, {})
    assert isinstance(verdict(provider, sign_raw(key, header, splice(base_claims(), {}))), Principal)


@pytest.mark.parametrize(
    ("claim", "value", "reason"),
    [
        ("iss", '["https://idp.example"]', "malformed claim 'iss'"),
        ("iss", '{"https://idp.example": 1}', "malformed claim 'iss'"),
        ("aud", '{"hub": 1}', "malformed claim 'aud'"),
        ("exp", "1e999", "malformed claim 'exp'"),
        ("exp", "true", "malformed claim 'exp'"),
        ("iat", '"0"', "malformed claim 'iat'"),
        ("sub", "[]", "malformed claim 'sub'"),
        ("exp", "NaN", "malformed token"),
        ("roles", "[" * 40 + "]" * 40, "nested too deeply"),
        ("hub_agency", '"\\udc80"', "malformed token"),
    ],
)
def test_each_malformed_claim_has_its_reason(
    key: Any, provider: JwtIdentityProvider, claim: str, value: str, reason: str
) -> None:
    header = splice({"alg": "ES256", "kid": key.thumbprint()}, {})
    refused = verdict(provider, sign_raw(key, header, splice(base_claims(), {claim: value})))
    assert isinstance(refused, AuthenticationFailed) and reason in refused.reason


def test_a_header_nested_5000_deep_is_refused_before_it_is_parsed(provider: JwtIdentityProvider) -> None:
    token = f"{b64(b'[' * 5000 + b']' * 5000)}.{b64(b'{}')}.c2ln"
    refused = verdict(provider, token)
    assert isinstance(refused, AuthenticationFailed) and refused.reason == "malformed token: nested too deeply"


@SETTINGS
@given(data=st.data())
def test_any_token_is_refused_or_verified_never_an_error(
    key: Any, provider: JwtIdentityProvider, data: st.DataObject
) -> None:
    token = data.draw(any_token(key))
    result = verdict(provider, token)
    event(result.reason if isinstance(result, AuthenticationFailed) else "verified")
    if isinstance(result, AuthenticationFailed):
        assert token not in result.reason or len(token) < 4  # the reason is safe to log
    else:  # only a token whose every part has the registered shape gets through
        assert isinstance(result.subject, str) and isinstance(result.agency, str)
        assert all(isinstance(r, str) for r in result.roles)
