"""The Starlette application: health, readiness, the GraphQL endpoint and the OAuth2 token endpoints.

The graph and the identity provider are set up in the lifespan (never at import), so the app can be built and
inspected without a database. /graphql sits behind the bearer-token gate; health and readiness stay open.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from strawberry.asgi import GraphQL

from graph.store import Graph, open_graph
from hub.auth.http import PRINCIPAL, BearerAuth, jwks_endpoint, token_endpoint
from hub.auth.services import build_auth
from hub.schema import build_schema
from hub.settings import Settings

log = logging.getLogger("hub")


class _GraphQL(GraphQL[dict[str, Any], None]):
    async def get_context(self, request: Any, response: Any) -> dict[str, Any]:
        # None for anonymous callers; the gate has already refused bad tokens
        principal = request.scope.get(PRINCIPAL)
        return {"request": request, "response": response, "graph": request.app.state.graph, "principal": principal}


def create_app(settings: Settings, *, on_ready: Callable[[Graph], None] | None = None) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.auth = build_auth(settings)  # before the graph: a bad key file fails fast
        with open_graph(settings.graph_config(), role="serve", notify=log.warning) as graph:
            app.state.graph = graph
            if on_ready is not None:
                on_ready(graph)
            yield

    async def healthz(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> JSONResponse:
        graph: Graph = request.app.state.graph
        if await run_in_threadpool(graph.ping):
            return JSONResponse({"status": "ok", "graph": graph.engine})
        return JSONResponse({"status": "unavailable", "graph": graph.engine}, status_code=503)

    graphql = _GraphQL(build_schema())
    return Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/graphql", BearerAuth(graphql), methods=["GET", "POST"]),
            Route("/oauth/token", token_endpoint, methods=["POST"]),
            Route("/.well-known/jwks.json", jwks_endpoint, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
