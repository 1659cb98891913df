"""JWKS over real HTTP: keys are cached, and a token signed with a rotated-in key is accepted after one refetch."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from hub.auth import AuthenticationFailed, TrustedIssuer
from hub.auth._jose import JsonWebKey
from hub.auth.jwt import JwtIdentityProvider
from tests.unit.test_auth_jwt import AUD, ISS, _claims, _jwks, sign


class _Jwks:
    """A tiny identity provider's JWKS endpoint whose key set the test can change."""

    def __init__(self) -> None:
        self.document: dict[str, Any] = {"keys": []}
        self.hits = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.hits += 1
                body = json.dumps(owner.document).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.uri = f"http://127.0.0.1:{self.server.server_address[1]}/jwks.json"


@pytest.fixture()
def jwks() -> Iterator[_Jwks]:
    served = _Jwks()
    thread = threading.Thread(target=served.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        served.server.shutdown()
        served.server.server_close()
        thread.join()


def _provider(uri: str, now: list[float], ttl: float = 300, min_refetch: float = 30) -> JwtIdentityProvider:
    return JwtIdentityProvider(
        [TrustedIssuer(ISS, jwks_uri=uri)],
        audience=AUD,
        jwks_ttl=ttl,
        jwks_min_refetch=min_refetch,
        clock=lambda: now[0],
    )


def test_rotation_is_followed_after_one_refetch(jwks: _Jwks) -> None:
    old = JsonWebKey.generate_key("EC", "P-256", is_private=True)
    new = JsonWebKey.generate_key("EC", "P-256", is_private=True)
    jwks.document = _jwks(old)
    provider = JwtIdentityProvider([TrustedIssuer(ISS, jwks_uri=jwks.uri)], audience=AUD, jwks_min_refetch=0)

    assert provider.authenticate(f"Bearer {sign(old, _claims(), 'ES256')}") is not None
    assert provider.authenticate(f"Bearer {sign(old, _claims(), 'ES256')}") is not None
    assert jwks.hits == 1  # cached

    jwks.document = _jwks(new)  # the identity provider rotates its key
    assert provider.authenticate(f"Bearer {sign(new, _claims(), 'ES256')}") is not None
    assert jwks.hits == 2


def test_unknown_kid_refetches_at_most_once_per_interval(jwks: _Jwks) -> None:
    old = JsonWebKey.generate_key("EC", "P-256", is_private=True)
    new = JsonWebKey.generate_key("EC", "P-256", is_private=True)
    jwks.document = _jwks(old)
    now = [1000.0]
    provider = _provider(jwks.uri, now)
    assert provider.authenticate(f"Bearer {sign(old, _claims(), 'ES256')}") is not None
    assert jwks.hits == 1

    jwks.document = _jwks(old, new)
    new_token = f"Bearer {sign(new, _claims(), 'ES256')}"
    # within the rate limit an unknown kid is refused without calling the identity provider again
    with pytest.raises(AuthenticationFailed, match="unknown signing key"):
        provider.authenticate(new_token)
    assert jwks.hits == 1

    now[0] += 31  # past the rate limit, before the TTL: the unknown kid triggers exactly one refetch
    assert provider.authenticate(new_token) is not None
    assert jwks.hits == 2
    assert provider.authenticate(f"Bearer {sign(old, _claims(), 'ES256')}") is not None
    assert jwks.hits == 2

    stranger = JsonWebKey.generate_key("EC", "P-256", is_private=True)
    for _ in range(5):  # made-up kids do not hammer the identity provider
        with pytest.raises(AuthenticationFailed):
            provider.authenticate(f"Bearer {sign(stranger, _claims(), 'ES256')}")
    assert jwks.hits == 2


def test_ttl_expiry_refreshes_and_drops_retired_keys(jwks: _Jwks) -> None:
    old = JsonWebKey.generate_key("EC", "P-256", is_private=True)
    new = JsonWebKey.generate_key("EC", "P-256", is_private=True)
    jwks.document = _jwks(old)
    now = [0.0]
    provider = _provider(jwks.uri, now, ttl=60)
    assert provider.authenticate(f"Bearer {sign(old, _claims(), 'ES256')}") is not None
    jwks.document = _jwks(new)
    now[0] += 61
    with pytest.raises(AuthenticationFailed, match="unknown signing key"):
        provider.authenticate(f"Bearer {sign(old, _claims(), 'ES256')}")
    assert jwks.hits == 2


def test_unreachable_jwks_fails_closed() -> None:
    provider = JwtIdentityProvider([TrustedIssuer(ISS, jwks_uri="http://127.0.0.1:9/jwks.json")], audience=AUD)
    key = JsonWebKey.generate_key("EC", "P-256", is_private=True)
    with pytest.raises(AuthenticationFailed, match="unavailable"):
        provider.authenticate(f"Bearer {sign(key, _claims(), 'ES256')}")
