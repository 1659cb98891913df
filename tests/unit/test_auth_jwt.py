"""The JWT verifier with keys made in the test: a good token maps to a principal, every bad kind is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from hub.auth import AuthenticationFailed, Principal, TrustedIssuer
from hub.auth._jose import JsonWebKey, JsonWebToken
from hub.auth.jwt import JwtIdentityProvider

ISS, AUD = "https://idp.example", "hub"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _jwks(*keys: Any) -> dict[str, Any]:
    return {"keys": [k.as_dict(is_private=False) | {"kid": k.thumbprint()} for k in keys]}


def _claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": ISS,
        "aud": AUD,
        "sub": "alice",
        "hub_agency": "police",
        "roles": ["analyst"],
        "iat": now,
        "nbf": now,
        "exp": now + 300,
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def sign(key: Any, claims: dict[str, Any], alg: str = "RS256", kid: str | None = None) -> str:
    header = {"alg": alg, "kid": kid or key.thumbprint(), "typ": "JWT"}
    return JsonWebToken([alg]).encode(header, claims, key).decode()


@pytest.fixture(scope="module")
def rsa() -> Any:
    return JsonWebKey.generate_key("RSA", 2048, is_private=True)


@pytest.fixture(scope="module")
def provider(rsa: Any) -> JwtIdentityProvider:
    return JwtIdentityProvider([TrustedIssuer(ISS, jwks=_jwks(rsa))], audience=AUD, leeway=30)


def test_valid_token_maps_to_principal(rsa: Any, provider: JwtIdentityProvider) -> None:
    token = sign(rsa, _claims(client_id="c-1", hub_purpose="matac", hub_justification="panel 12", roles=["a", "b"]))
    principal = provider.authenticate(f"Bearer {token}")
    assert principal == Principal(
        subject="alice",
        agency="police",
        roles=frozenset({"a", "b"}),
        client_id="c-1",
        issuer=ISS,
        purpose="matac",
        justification="panel 12",
    )


@pytest.mark.parametrize(
    "alg,kty", [("ES256", ("EC", "P-256")), ("PS256", ("RSA", 2048)), ("EdDSA", ("OKP", "Ed25519"))]
)
def test_other_asymmetric_algorithms_are_accepted(alg: str, kty: tuple[str, Any]) -> None:
    key = JsonWebKey.generate_key(*kty, is_private=True)
    provider = JwtIdentityProvider([TrustedIssuer(ISS, jwks=_jwks(key))], audience=AUD)
    principal = provider.authenticate(f"Bearer {sign(key, _claims(), alg)}")
    assert principal is not None and principal.subject == "alice"


def test_no_credentials_is_anonymous(provider: JwtIdentityProvider) -> None:
    assert provider.authenticate(None) is None
    assert provider.authenticate("") is None


def _alg_none(claims: dict[str, Any]) -> str:
    header = _b64(b'{"alg":"none"}')
    return f"{header}.{_b64(json.dumps(claims).encode())}."


def _hs256_with_public_key(key: Any, claims: dict[str, Any]) -> str:
    # the classic confusion: a verifier that lets the token pick HS256 would use the public PEM as the HMAC secret
    secret = key.get_public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = {"alg": "HS256", "kid": key.thumbprint(), "typ": "JWT"}
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def bad_tokens(key: Any, alg: str = "RS256", iss: str = ISS) -> dict[str, str]:
    """Every kind of token the hub must refuse, keyed by what is wrong with it; each has exactly one fault."""
    now = int(time.time())

    def claims(**overrides: Any) -> dict[str, Any]:
        return _claims(**{"iss": iss, **overrides})

    header, _, signature = sign(key, claims(), alg).split(".")
    tampered = f"{header}.{_b64(json.dumps(claims(hub_agency='probation')).encode())}.{signature}"
    kty = {"RS256": ("RSA", 2048), "PS256": ("RSA", 2048), "ES256": ("EC", "P-256"), "EdDSA": ("OKP", "Ed25519")}
    stranger = JsonWebKey.generate_key(*kty[alg], is_private=True)
    return {
        "expired": sign(key, claims(iat=now - 600, nbf=now - 600, exp=now - 120), alg),
        "not_yet_valid": sign(key, claims(nbf=now + 600, exp=now + 900), alg),
        "issued_in_future": sign(key, claims(iat=now + 600, nbf=None, exp=now + 900), alg),
        "wrong_audience": sign(key, claims(aud="someone-else"), alg),
        "wrong_issuer": sign(key, claims(iss="https://evil.example"), alg),
        "unknown_kid": sign(stranger, claims(), alg),
        "known_kid_wrong_key": sign(stranger, claims(), alg, kid=key.thumbprint()),
        "alg_none": _alg_none(claims()),
        "hs256_public_key": _hs256_with_public_key(key, claims()),
        "tampered_payload": tampered,
        "missing_agency": sign(key, claims(hub_agency=None), alg),
        "missing_subject": sign(key, claims(sub=None), alg),
        "missing_exp": sign(key, claims(exp=None), alg),
        "garbage": "not-a-jwt",
    }


# each kind and the reason it must be refused for (so a token is not rejected by accident, for another fault)
REASONS = {
    "expired": "token expired",
    "not_yet_valid": "not valid yet",
    "issued_in_future": "not valid yet",
    "wrong_audience": "aud",
    "wrong_issuer": "untrusted issuer",
    "unknown_kid": "unknown signing key",
    "known_kid_wrong_key": "bad signature",
    "alg_none": "algorithm not allowed",
    "hs256_public_key": "algorithm not allowed",
    "tampered_payload": "bad signature",
    "missing_agency": "missing agency claim",
    "missing_subject": "'sub'",
    "missing_exp": "'exp'",
    "garbage": "malformed token",
}
BAD_KINDS = sorted(REASONS)


def test_every_bad_kind_is_tested(rsa: Any) -> None:
    assert sorted(bad_tokens(rsa)) == sorted(BAD_KINDS)


@pytest.mark.parametrize("kind", BAD_KINDS)
def test_bad_tokens_are_rejected(kind: str, rsa: Any, provider: JwtIdentityProvider) -> None:
    token = bad_tokens(rsa)[kind]
    with pytest.raises(AuthenticationFailed) as failed:
        provider.authenticate(f"Bearer {token}")
    assert REASONS[kind] in failed.value.reason
    assert token not in failed.value.reason  # the reason is safe to log


def test_clock_skew_within_leeway_is_tolerated(rsa: Any, provider: JwtIdentityProvider) -> None:
    now = int(time.time())
    token = sign(rsa, _claims(iat=now + 10, nbf=now + 10, exp=now - 10 + 300))
    assert provider.authenticate(f"Bearer {token}") is not None
    just_expired = sign(rsa, _claims(iat=now - 300, nbf=now - 300, exp=now - 10))
    assert provider.authenticate(f"Bearer {just_expired}") is not None


def test_non_bearer_schemes_are_refused(rsa: Any, provider: JwtIdentityProvider) -> None:
    with pytest.raises(AuthenticationFailed):
        provider.authenticate(f"Basic {sign(rsa, _claims())}")
    with pytest.raises(AuthenticationFailed):
        provider.authenticate("Bearer ")


def test_custom_claim_names(rsa: Any) -> None:
    trusted = TrustedIssuer(ISS, jwks=_jwks(rsa), agency_claim="org", roles_claim="scope")
    provider = JwtIdentityProvider([trusted], audience=AUD)
    principal = provider.authenticate(f"Bearer {sign(rsa, _claims(org='probation', scope='read write'))}")
    assert principal is not None and (principal.agency, principal.roles) == ("probation", frozenset({"read", "write"}))
