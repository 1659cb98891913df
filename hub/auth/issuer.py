"""The embedded token issuer: an ES256 key generated into the data directory on first use, and the tokens it signs.

Production deployments point ``HUB_AUTH_ISSUERS`` at the partnership's identity provider instead; this issuer
serves development (``hub token``) and the built-in client-credentials endpoint.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from hub import secret_file
from hub.auth._jose import JoseError, JsonWebKey, JsonWebToken
from hub.auth.trust import TrustedIssuer

EMBEDDED_ISSUER = "hub:local"
ALGORITHM = "ES256"


class SigningKeyUnusable(RuntimeError):
    """The key file exists but cannot be used; the hub will not silently replace it."""


def signing_key_path(data_dir: Path) -> Path:
    return data_dir / "secrets" / "token-signing.key"


class EmbeddedIssuer:
    def __init__(
        self, key_path: Path, *, issuer: str = EMBEDDED_ISSUER, audience: str = "hub", max_ttl: int = 3600
    ) -> None:
        try:
            if not key_path.exists():
                pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
                    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
                )
                secret_file.create_once(key_path, pem)
            self._key = JsonWebKey.import_key(key_path.read_bytes(), {"kty": "EC"})
            usable = self._key.as_dict().get("crv") == "P-256" and bool(self._key.as_dict(is_private=True).get("d"))
        except (OSError, ValueError, TypeError, JoseError) as exc:
            raise SigningKeyUnusable(f"token signing key {key_path} is unusable: {type(exc).__name__}") from exc
        if not usable:  # fail closed rather than sign with whatever the file holds
            raise SigningKeyUnusable(f"token signing key {key_path} is not a P-256 private key")
        self.kid: str = self._key.thumbprint()
        self.issuer, self.audience, self.max_ttl = issuer, audience, max_ttl
        self._jwt = JsonWebToken([ALGORITHM])

    def __repr__(self) -> str:  # never the secret
        return f"EmbeddedIssuer(issuer={self.issuer!r}, kid={self.kid!r})"

    def jwks(self) -> dict[str, Any]:
        public = self._key.as_dict(is_private=False)
        return {"keys": [{**public, "kid": self.kid, "use": "sig", "alg": ALGORITHM}]}

    def trusted(self) -> TrustedIssuer:
        return TrustedIssuer(issuer=self.issuer, jwks=self.jwks())

    def issue(
        self,
        subject: str,
        agency: str,
        roles: Iterable[str],
        client_id: str | None = None,
        purposes: Iterable[str] | None = None,
        ttl: int = 900,
        justification: str | None = None,
    ) -> str:
        if not 0 < ttl <= self.max_ttl:  # the hub refuses tokens that live longer (HUB_MAX_TOKEN_TTL)
            raise ValueError(f"ttl must be from 1 to {self.max_ttl} seconds (HUB_MAX_TOKEN_TTL)")
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "hub_agency": agency,
            "roles": sorted(set(roles)),
            "iat": now,
            "nbf": now,
            "exp": now + ttl,
            "jti": secrets.token_urlsafe(16),
        }
        if client_id is not None:
            claims["client_id"] = client_id
        allowed = sorted(set(purposes or ()))
        if allowed:
            claims["hub_purposes"] = allowed
        if len(allowed) == 1:  # one purpose only: it is the declared one
            claims["hub_purpose"] = allowed[0]
        if justification:
            claims["hub_justification"] = justification
        header = {"alg": ALGORITHM, "kid": self.kid, "typ": "JWT"}
        token: bytes = self._jwt.encode(header, claims, self._key)
        return token.decode("ascii")
