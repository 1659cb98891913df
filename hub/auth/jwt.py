"""Bearer JWTs verified against trusted issuers' public keys (authlib), mapped to a :class:`Principal`.

Only asymmetric algorithms are accepted, so ``alg: none`` and the HS/RS confusion (an HMAC keyed with a public key)
fail before any key is used. The unverified ``iss`` only selects which issuer's keys to try; it is then verified.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Iterable
from typing import Any

from hub.auth._jose import JoseError, JsonWebToken
from hub.auth.jwks import RemoteKeys, StaticKeys
from hub.auth.port import AuthenticationFailed, IdentityProvider
from hub.auth.principal import Principal
from hub.auth.trust import TrustedIssuer

ALGORITHMS = ("RS256", "PS256", "ES256", "EdDSA")

__all__ = ["ALGORITHMS", "JwtIdentityProvider", "TrustedIssuer"]


class JwtIdentityProvider(IdentityProvider):
    def __init__(
        self,
        issuers: Iterable[TrustedIssuer],
        audience: str,
        leeway: int = 30,
        *,
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
        self._audience, self._leeway = audience, leeway
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
        trusted = self._issuers.get(payload.get("iss"))  # type: ignore[arg-type]
        if trusted is None:
            raise AuthenticationFailed("untrusted issuer")
        kid = header.get("kid")
        key = self._keys[trusted.issuer].find(kid if isinstance(kid, str) else None)
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
        return _principal(dict(claims), trusted)


def _peek(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and payload before verification: used only to choose the issuer and key."""
    parts = token.split(".")
    if len(parts) != 3:  # five parts would be an encrypted token (JWE), which the hub does not accept
        raise AuthenticationFailed("malformed token")
    try:
        header, payload = (json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4))) for p in parts[:2])
    except ValueError as exc:
        raise AuthenticationFailed("malformed token") from exc
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise AuthenticationFailed("malformed token")
    return header, payload


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
