"""The embedded issuer: a private key generated once into the data directory, tokens its own verifier accepts."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from hub.auth import AuthenticationFailed
from hub.auth.issuer import EmbeddedIssuer, SigningKeyUnusable, signing_key_path
from hub.auth.jwt import JwtIdentityProvider


def test_key_is_generated_private_and_reused(tmp_path: Path) -> None:
    path = signing_key_path(tmp_path)
    first = EmbeddedIssuer(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    second = EmbeddedIssuer(path)
    assert first.kid == second.kid
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary files left behind
    assert "PRIVATE" not in repr(first) and path.read_bytes().decode() not in repr(first)


def test_jwks_publishes_only_the_public_key(tmp_path: Path) -> None:
    issuer = EmbeddedIssuer(signing_key_path(tmp_path))
    (key,) = issuer.jwks()["keys"]
    assert key["kid"] == issuer.kid and key["alg"] == "ES256" and key["crv"] == "P-256"
    assert set(key) == {"kty", "crv", "x", "y", "kid", "use", "alg"}  # no private "d"


def test_issued_token_verifies_and_carries_claims(tmp_path: Path) -> None:
    issuer = EmbeddedIssuer(signing_key_path(tmp_path), audience="hub")
    provider = JwtIdentityProvider([issuer.trusted()], audience="hub")
    token = issuer.issue("bob", "probation", ["analyst", "reader"], client_id="c-9", purposes=["marac"])
    principal = provider.authenticate(f"Bearer {token}")
    assert principal is not None
    assert (principal.subject, principal.agency, principal.client_id) == ("bob", "probation", "c-9")
    assert principal.roles == {"analyst", "reader"} and principal.purpose == "marac"
    assert principal.issuer == "hub:local"


def test_tokens_from_another_data_dir_are_refused(tmp_path: Path) -> None:
    mine = EmbeddedIssuer(signing_key_path(tmp_path / "a"))
    theirs = EmbeddedIssuer(signing_key_path(tmp_path / "b"))
    provider = JwtIdentityProvider([mine.trusted()], audience="hub")
    with pytest.raises(AuthenticationFailed, match="unknown signing key"):
        provider.authenticate(f"Bearer {theirs.issue('eve', 'police', ['analyst'])}")


def test_other_audience_is_refused(tmp_path: Path) -> None:
    issuer = EmbeddedIssuer(signing_key_path(tmp_path), audience="other")
    provider = JwtIdentityProvider([issuer.trusted()], audience="hub")
    with pytest.raises(AuthenticationFailed):
        provider.authenticate(f"Bearer {issuer.issue('a', 'police', ['r'])}")


def test_unusable_key_fails_closed_and_is_not_replaced(tmp_path: Path) -> None:
    path = signing_key_path(tmp_path)
    path.parent.mkdir(mode=0o700)
    path.write_bytes(b"not a key")
    with pytest.raises(SigningKeyUnusable):
        EmbeddedIssuer(path)
    assert path.read_bytes() == b"not a key"
