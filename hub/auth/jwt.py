"""Bearer JWTs verified against trusted issuers' public keys (authlib), mapped to a :class:`Principal`.

Only asymmetric algorithms are accepted, so ``alg: none`` and the HS/RS confusion (an HMAC keyed with a public key)
fail before any key is used. The unverified ``iss`` only selects which issuer's keys to try; it is then verified.

Whatever arrives is refused with :class:`AuthenticationFailed`, never another exception: the token's size is bounded
before it is decoded (``MAX_TOKEN`` characters, ``MAX_NESTING`` levels of JSON), its header and payload must be JSON
objects in UTF-8 with no lone surrogates, and every registered header parameter and claim must have its registered
type before authlib sees it. A token lives at most ``max_ttl`` seconds whatever its ``exp``: it must carry ``iat``,
and ``exp - iat`` may not exceed the cap (with ``exp`` checked, its age cannot either).
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Callable, Iterable
from typing import Any

from hub.auth._jose import JoseError, JsonWebToken
from hub.auth.jwks import RemoteKeys, StaticKeys
from hub.auth.port import AuthenticationFailed, IdentityProvider
from hub.auth.principal import Principal
from hub.auth.trust import TrustedIssuer

ALGORITHMS = ("RS256", "PS256", "ES256", "EdDSA")
MAX_TOKEN = 16 * 1024  # characters; uvicorn refuses request headers larger than this anyway
MAX_NESTING = 16  # levels of JSON arrays and objects in the header or the payload
_COMPACT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")  # JWS compact serialization, base64url
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKET = re.compile(r"[\[\]{}]")
_HEADER_TEXT = ("alg", "kid", "typ", "cty")  # header parameters that must be strings when present
_CLAIM_TEXT = ("iss", "sub", "jti")
_CLAIM_TIME = ("exp", "nbf", "iat")
_EXACT = 2**53

__all__ = ["ALGORITHMS", "JwtIdentityProvider", "TrustedIssuer"]


class JwtIdentityProvider(IdentityProvider):
    def __init__(
        self,
        issuers: Iterable[TrustedIssuer],
        audience: str,
        leeway: int = 30,
        *,
        max_ttl: int = 3600,
        jwks_ttl: float = 300,
        jwks_min_refetch: float = 30,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._issuers = {i.issuer: i for i in issuers}

        def source(i: TrustedIssuer) -> StaticKeys | RemoteKeys:
            if i.jwks is not None:
                return StaticKeys(i.jwks)
            return RemoteKeys(str(i.jwks_uri), ttl=jwks_ttl, min_refetch=jwks_min_refetch, clock=clock)

        self._keys = {name: source(i) for name, i in self._issuers.items()}
        self._audience, self._leeway, self._max_ttl = audience, leeway, max_ttl
        self._jwt = JsonWebToken(list(ALGORITHMS))

    def authenticate(self, authorization_header: str | None) -> Principal | None:
        if authorization_header is None or not authorization_header.strip():
            return None
        scheme, _, token = authorization_header.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationFailed("not a bearer token")
        return self.verify(token.strip())

    def verify(self, token: str) -> Principal:
        header, payload = _peek(token)
        if header.get("alg") not in ALGORITHMS:
            raise AuthenticationFailed("algorithm not allowed")
        trusted = self._issuers.get(payload.get("iss", ""))
        if trusted is None:
            raise AuthenticationFailed("untrusted issuer")
        key = self._keys[trusted.issuer].find(header.get("kid"))
        if key is None:
            raise AuthenticationFailed("unknown signing key")
        options = {
            "iss": {"essential": True, "value": trusted.issuer},
            "aud": {"essential": True, "value": self._audience},
            "exp": {"essential": True},
            "sub": {"essential": True},
        }
        try:
            claims = self._jwt.decode(token, key, claims_options=options)
            claims.validate(now=int(time.time()), leeway=self._leeway)
        except JoseError as exc:
            raise AuthenticationFailed(_reason(exc)) from exc
        except (ValueError, TypeError) as exc:  # malformed keys or segments surface as plain errors in authlib
            raise AuthenticationFailed("malformed token") from exc
        self._check_lifetime(claims)
        return _principal(dict(claims), trusted)

    def _check_lifetime(self, claims: Any) -> None:
        issued = claims.get("iat")
        if issued is None:
            raise AuthenticationFailed("token has no iat: its age cannot be bounded")
        if claims["exp"] - issued > self._max_ttl:
            raise AuthenticationFailed(f"token lifetime over {self._max_ttl} s")


def _peek(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and payload before verification, each of a bounded size and of the registered shape: they only choose
    the issuer and key, and authlib then reads the same bytes again."""
    if len(token) > MAX_TOKEN:
        raise AuthenticationFailed("token too large")
    if not _COMPACT.fullmatch(token):  # five parts would be an encrypted token (JWE), which the hub does not accept
        raise AuthenticationFailed("malformed token")
    header, payload = (_json_object(part) for part in token.split(".")[:2])
    for name in _HEADER_TEXT:
        if name in header and not isinstance(header[name], str):
            raise AuthenticationFailed(f"malformed header parameter {name!r}")
    for name in _CLAIM_TEXT:
        if name in payload and not isinstance(payload[name], str):
            raise AuthenticationFailed(f"malformed claim {name!r}")
    for name in _CLAIM_TIME:
        if name in payload and not _numeric_date(payload[name]):
            raise AuthenticationFailed(f"malformed claim {name!r}")
    audience = payload.get("aud", "")
    if not isinstance(audience, str) and not (isinstance(audience, list) and all(isinstance(a, str) for a in audience)):
        raise AuthenticationFailed("malformed claim 'aud'")
    return header, payload


def _json_object(segment: str) -> dict[str, Any]:
    try:
        text = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)).decode("utf-8")
        if _nesting(text) > MAX_NESTING:
            raise AuthenticationFailed("malformed token: nested too deeply")
        value = json.loads(text, parse_constant=_no_constant)
        json.dumps(value, ensure_ascii=False).encode("utf-8")  # a lone surrogate escape cannot be stored or logged
    except (ValueError, RecursionError) as exc:  # binascii, UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise AuthenticationFailed("malformed token") from exc
    if not isinstance(value, dict):
        raise AuthenticationFailed("malformed token")
    return value


def _nesting(text: str) -> int:
    """How deep arrays and objects nest, brackets inside strings aside; counted before the parser recurses."""
    depth = deepest = 0
    for bracket in _BRACKET.findall(_STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _numeric_date(value: Any) -> bool:
    """Seconds since the epoch, as JSON numbers go: no booleans, NaN or infinities, nothing an exact double cannot
    hold (which also keeps later arithmetic and comparisons with floats from overflowing)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and -_EXACT <= value <= _EXACT


def _reason(exc: JoseError) -> str:
    error = getattr(exc, "error", "") or type(exc).__name__
    return {
        "expired_token": "token expired",
        "invalid_token": "token not valid yet",
        "bad_signature": "bad signature",
        "unsupported_algorithm": "algorithm not allowed",
    }.get(error, f"{error}: {exc.description}" if "claim" in error else "invalid token")


def _principal(claims: dict[str, Any], trusted: TrustedIssuer) -> Principal:
    agency = claims.get(trusted.agency_claim)
    if not isinstance(agency, str) or not agency:
        raise AuthenticationFailed("missing agency claim")
    subject = claims["sub"]
    if not isinstance(subject, str) or not subject:
        raise AuthenticationFailed("invalid subject")
    roles = claims.get(trusted.roles_claim, [])
    if isinstance(roles, str):  # some providers send a space-separated string
        roles = roles.split()
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise AuthenticationFailed("invalid roles claim")
    purpose, justification = claims.get("hub_purpose"), claims.get("hub_justification")
    purposes = claims.get("hub_purposes", [])
    if not isinstance(purposes, list) or not all(isinstance(p, str) for p in purposes):
        raise AuthenticationFailed("invalid purposes claim")
    client_id = claims.get("client_id", claims.get("azp"))
    return Principal(
        subject=subject,
        agency=agency,
        roles=frozenset(roles),
        client_id=client_id if isinstance(client_id, str) else None,
        issuer=trusted.issuer,
        purpose=purpose if isinstance(purpose, str) else None,
        justification=justification if isinstance(justification, str) else None,
        purposes=frozenset(purposes),
    )
