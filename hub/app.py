"""The Starlette application: health, readiness and the GraphQL endpoint.

The graph is opened in the lifespan (never at import), so the app can be built and inspected
without a database.
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
from hub.schema import build_schema
from hub.settings import Settings

log = logging.getLogger("hub")


class _GraphQL(GraphQL[dict[str, Any], None]):
    async def get_context(self, request: Any, response: Any) -> dict[str, Any]:
        return {"request": request, "response": response, "graph": request.app.state.graph}


def create_app(settings: Settings, *, on_ready: Callable[[Graph], None] | None = None) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
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
            Route("/graphql", graphql, methods=["GET", "POST"]),
        ],
        lifespan=lifespan,
    )
