"""Authentication over HTTP against a real `hub serve`: dev tokens, client credentials, and every bad token refused."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.auth._jose import JsonWebKey
from hub.auth.issuer import EMBEDDED_ISSUER, signing_key_path
from tests.helpers import run_hub
from tests.unit.test_auth_jwt import REASONS, _claims, bad_tokens, sign

QUERY = {"query": "{ hub { version graphEngine } }"}


def _graphql(server: str, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return httpx.post(f"{server}/graphql", json=QUERY, headers=headers, timeout=30)


@pytest.fixture(scope="module")
def server_key(server: str, data_dir: Path) -> Any:
    """The running hub's embedded signing key, read from its data directory to forge single-fault tokens."""
    return JsonWebKey.import_key(signing_key_path(data_dir).read_bytes(), {"kty": "EC"})


def test_dev_token_from_the_cli_is_accepted(server: str, data_dir: Path) -> None:
    result = run_hub(data_dir, "token", "--agency", "police", "--role", "analyst", "--purpose", "matac")
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert result.stdout == token + "\n" and token.count(".") == 2  # the token alone on stdout
    response = _graphql(server, token)
    assert response.status_code == 200
    assert response.json()["data"]["hub"]["graphEngine"] == "arcadedb"


def test_signing_key_file_is_private(server: str, data_dir: Path) -> None:
    path = signing_key_path(data_dir)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_jwks_is_published(server: str, server_key: Any) -> None:
    keys = httpx.get(f"{server}/.well-known/jwks.json").json()["keys"]
    assert [k["kid"] for k in keys] == [server_key.thumbprint()] and "d" not in keys[0]


def test_anonymous_metadata_stays_allowed(server: str) -> None:
    response = _graphql(server, None)
    assert response.status_code == 200 and "data" in response.json()


def test_forged_good_token_is_accepted(server: str, server_key: Any) -> None:
    # the control for the next test: tokens forged the same way but without a fault do work
    assert _graphql(server, sign(server_key, _claims(iss=EMBEDDED_ISSUER), "ES256")).status_code == 200


@pytest.mark.parametrize("kind", sorted(REASONS))
def test_bad_tokens_get_401_and_no_data(server: str, server_key: Any, kind: str) -> None:
    token = bad_tokens(server_key, "ES256", EMBEDDED_ISSUER)[kind]
    response = _graphql(server, token)
    assert response.status_code == 401
    assert response.json() == {"error": "invalid_token"}
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


def test_health_stays_open_even_with_a_bad_token(server: str) -> None:
    headers = {"Authorization": "Bearer not-a-jwt"}
    assert httpx.get(f"{server}/healthz", headers=headers).status_code == 200
    assert httpx.get(f"{server}/readyz", headers=headers).status_code == 200


def _add_client(data_dir: Path) -> tuple[str, str]:
    result = run_hub(data_dir, "clients", "add", "--agency", "probation", "--role", "partner", "--format", "json")
    assert result.returncode == 0, result.stderr
    created = json.loads(result.stdout)
    return created["client_id"], created["client_secret"]


def test_client_credentials_flow(server: str, data_dir: Path) -> None:
    client_id, secret = _add_client(data_dir)
    for request in (
        {"data": {"grant_type": "client_credentials"}, "auth": (client_id, secret)},
        {"data": {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}},
    ):
        response = httpx.post(f"{server}/oauth/token", **request)  # type: ignore[arg-type]
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["token_type"] == "Bearer" and 0 < body["expires_in"] <= 900
        assert response.headers["cache-control"] == "no-store"
        graphql = _graphql(server, body["access_token"])
        assert graphql.status_code == 200 and graphql.json()["data"]["hub"]["version"]


def test_client_credentials_errors(server: str, data_dir: Path) -> None:
    client_id, secret = _add_client(data_dir)
    wrong = httpx.post(f"{server}/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, "nope"))
    assert wrong.status_code == 401 and wrong.json() == {"error": "invalid_client"}
    assert "access_token" not in wrong.text
    unknown = httpx.post(f"{server}/oauth/token", data={"grant_type": "client_credentials"}, auth=("c-none", secret))
    assert unknown.status_code == 401 and unknown.json() == {"error": "invalid_client"}
    anonymous = httpx.post(f"{server}/oauth/token", data={"grant_type": "client_credentials"})
    assert anonymous.status_code == 401
    grant = httpx.post(f"{server}/oauth/token", data={"grant_type": "password"}, auth=(client_id, secret))
    assert grant.status_code == 400 and grant.json() == {"error": "unsupported_grant_type"}
    as_json = httpx.post(f"{server}/oauth/token", json={"grant_type": "client_credentials"}, auth=(client_id, secret))
    assert as_json.status_code == 400 and as_json.json() == {"error": "invalid_request"}
    stored = (data_dir / "secrets" / "clients.json").read_text()
    assert secret not in stored
    assert stat.S_IMODE((data_dir / "secrets" / "clients.json").stat().st_mode) == 0o600
