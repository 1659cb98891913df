"""Where an issuer's public keys come from: a static set, or a JWKS URL fetched, cached and refetched on rotation."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from hub.auth._jose import JoseError, JsonWebKey, KeySet
from hub.auth.port import AuthenticationFailed


def _key_set(document: Mapping[str, Any]) -> dict[str, Any]:
    """kid -> public key; keys without a kid get "" (usable only when the set holds exactly one key)."""
    try:
        keys: KeySet = JsonWebKey.import_key_set(dict(document))
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise AuthenticationFailed("issuer key set is malformed") from exc
    return {str(key.kid or ""): key for key in keys.keys}


class StaticKeys:
    def __init__(self, document: Mapping[str, Any]) -> None:
        self._keys = _key_set(document)

    def find(self, kid: str | None) -> Any | None:
        return _pick(self._keys, kid)


class RemoteKeys:
    """A JWKS URL, cached for ``ttl`` seconds; an unknown kid triggers one refetch at most every ``min_refetch``."""

    def __init__(
        self,
        uri: str,
        *,
        ttl: float = 300,
        min_refetch: float = 30,
        timeout: float = 5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._uri, self._ttl, self._min_refetch, self._timeout, self._clock = uri, ttl, min_refetch, timeout, clock
        self._keys: dict[str, Any] = {}
        self._fetched_at: float | None = None
        self._lock = threading.Lock()

    def find(self, kid: str | None) -> Any | None:
        with self._lock:
            now = self._clock()
            if self._fetched_at is None or now - self._fetched_at >= self._ttl:
                self._refresh(now)
            key = _pick(self._keys, kid)
            # an unknown kid may be a freshly rotated key; refetching is rate-limited so that tokens with made-up
            # kids cannot turn the hub into a load generator against the identity provider
            if key is None and self._fetched_at is not None and now - self._fetched_at >= self._min_refetch:
                self._refresh(now)
                key = _pick(self._keys, kid)
            return key

    def _refresh(self, now: float) -> None:
        try:
            response = httpx.get(self._uri, timeout=self._timeout, follow_redirects=False)
            response.raise_for_status()
            document = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            if self._fetched_at is None:
                raise AuthenticationFailed("issuer keys are unavailable") from exc
            # keep serving the last good set, and try again after the rate limit rather than on every request
            self._fetched_at = now - self._ttl + self._min_refetch
            return
        self._keys = _key_set(document)
        self._fetched_at = now


def _pick(keys: dict[str, Any], kid: str | None) -> Any | None:
    if kid:
        return keys.get(kid)
    return next(iter(keys.values())) if len(keys) == 1 else None
