"""The bearer-token gate in a tiny app: the principal reaches the wrapped app, a bad token never does."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from hub.auth.clients import ClientRegistry, clients_path
from hub.auth.guard import ClientGuard
from hub.auth.http import PRINCIPAL, BearerAuth
from hub.auth.issuer import EmbeddedIssuer, signing_key_path
from hub.auth.jwt import JwtIdentityProvider
from hub.auth.services import AuthServices


def _app(tmp_path: Path) -> tuple[Starlette, EmbeddedIssuer, list[Scope]]:
    issuer = EmbeddedIssuer(signing_key_path(tmp_path))
    reached: list[Scope] = []

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        reached.append(scope)
        principal = scope[PRINCIPAL]
        body = None if principal is None else {"subject": principal.subject, "agency": principal.agency}
        await JSONResponse({"principal": body})(scope, receive, send)

    app = Starlette(routes=[Route("/gated", BearerAuth(inner), methods=["POST"])])
    provider = JwtIdentityProvider([issuer.trusted()], audience="hub")
    clients = ClientRegistry(clients_path(tmp_path))
    app.state.auth = AuthServices(provider=provider, issuer=issuer, clients=clients, guard=ClientGuard(clients))
    return app, issuer, reached


def _post(app: Starlette, headers: dict[str, str] | None = None) -> httpx.Response:
    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub") as client:
            return await client.post("/gated", headers=headers or {})

    return asyncio.run(go())


def test_principal_reaches_the_wrapped_app(tmp_path: Path) -> None:
    app, issuer, reached = _app(tmp_path)
    token = issuer.issue("alice", "police", ["analyst"])
    response = _post(app, {"Authorization": f"Bearer {token}"})
    assert response.json() == {"principal": {"subject": "alice", "agency": "police"}}
    assert _post(app).json() == {"principal": None}
    assert len(reached) == 2


def test_bad_token_is_stopped_before_the_wrapped_app(tmp_path: Path) -> None:
    app, issuer, reached = _app(tmp_path)
    token = issuer.issue("alice", "police", ["analyst"])
    for header in (f"Bearer {token}x", "Bearer not-a-jwt", f"Basic {token}"):
        response = _post(app, {"Authorization": header})
        assert response.status_code == 401 and response.json() == {"error": "invalid_token"}
        assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert reached == []
