"""Registered OAuth2 clients: secrets hashed, compared in constant time, the file private."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from hub.auth.clients import Client, ClientRegistry, clients_path
from hub.settings import Settings, SettingsError


def test_register_and_authenticate(tmp_path: Path) -> None:
    registry = ClientRegistry(clients_path(tmp_path))
    client_id, secret = registry.register("police", ["partner", "analyst"], ["matac"])
    other_id, other_secret = registry.register("health", ["partner"])
    assert registry.authenticate_client(client_id, secret) == Client(
        client_id, "police", ("analyst", "partner"), ("matac",)
    )
    assert registry.authenticate_client(other_id, other_secret) is not None
    assert registry.authenticate_client(client_id, other_secret) is None
    assert registry.authenticate_client(client_id, secret + "x") is None
    assert registry.authenticate_client("c-unknown", secret) is None


def test_secret_is_stored_only_as_a_salted_hash(tmp_path: Path) -> None:
    path = clients_path(tmp_path)
    registry = ClientRegistry(path)
    _, secret = registry.register("police", ["partner"])
    _, secret2 = registry.register("police", ["partner"])
    text = path.read_text()
    assert secret not in text and secret2 not in text
    hashes = [c["secret_hash"] for c in json.loads(text)["clients"].values()]
    assert all(h.startswith("scrypt$") for h in hashes) and len(set(hashes)) == 2
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_issuers_file_is_read_into_settings(tmp_path: Path) -> None:
    path = tmp_path / "issuers.json"
    path.write_text(json.dumps([{"issuer": "https://idp.example", "jwks_uri": "https://idp.example/jwks"}]))
    settings = Settings.from_env({"HUB_AUTH_ISSUERS": str(path), "HUB_AUTH_EMBEDDED": "false"})
    assert [i.issuer for i in settings.auth_issuers] == ["https://idp.example"]
    assert settings.auth_embedded is False and settings.auth_audience == "hub"
    defaults = Settings.from_env({})
    assert defaults.auth_issuers == () and defaults.auth_embedded is True


@pytest.mark.parametrize(
    "content,message",
    [
        ("{not json", "not valid JSON"),
        ("[]", "non-empty JSON list"),
        ('[{"issuer": "x"}]', "exactly one of"),
        ('[{"issuer": "x", "jwks_uri": "ftp://x"}]', "http(s)"),
        ('[{"issuer": "x", "jwks_uri": "https://x", "colour": 1}]', "unknown keys"),
    ],
)
def test_bad_issuers_file_is_refused_with_advice(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "issuers.json"
    path.write_text(content)
    with pytest.raises(SettingsError, match="HUB_AUTH_ISSUERS") as refused:
        Settings.from_env({"HUB_AUTH_ISSUERS": str(path)})
    assert message in str(refused.value)


def test_missing_issuers_file_and_bad_flags_are_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="cannot read"):
        Settings.from_env({"HUB_AUTH_ISSUERS": str(tmp_path / "absent.json")})
    with pytest.raises(SettingsError, match="HUB_AUTH_EMBEDDED"):
        Settings.from_env({"HUB_AUTH_EMBEDDED": "maybe"})
    with pytest.raises(SettingsError, match="no token would verify"):
        Settings.from_env({"HUB_AUTH_EMBEDDED": "false"})
