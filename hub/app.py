"""The Starlette application: health, readiness, the GraphQL endpoint and the OAuth2 token endpoints.

Everything with state is set up in the lifespan (never at import): the identity provider, the agreements, the audit
trail and its group-commit writer, then the graph. /graphql sits behind the bearer-token gate; every GraphQL request
is decided once (principal, purpose, justification -> grant) and audited before its response leaves: if the audit
event cannot be made durable, the client gets 503 and no data.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, request_response
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

from graph.store import Graph, open_graph
from hub.access import access_for
from hub.api import build_schema
from hub.audit import AuditUnavailable, AuditWriter, open_settings_trail
from hub.audit.requests import AUDITED, AuditRefusals, event_for, safe_text
from hub.auth.http import MAX_FORM, PRINCIPAL, BearerAuth, jwks_endpoint, token_endpoint
from hub.auth.services import build_auth
from hub.body_limit import BodyLimit
from hub.graphql_http import StrictRequests
from hub.policy.reload import LivePolicy
from hub.schema.errors import GRAPH_UNAVAILABLE, RETRY_AFTER
from hub.schema.trusted import TrustedDocuments, admit, load_trusted
from hub.settings import Settings
from hub.submissions_http import submissions_endpoint
from hub.telemetry import RequestTelemetry, Telemetry, errors
from hub.web import GRAPHIQL, page_response, ui_routes

log = logging.getLogger("hub")


class _GraphQL(StrictRequests, GraphQL[dict[str, Any], None]):  # malformed requests: 400 with a code, never 500
    trusted: TrustedDocuments | None = None  # HUB_TRUSTED_DOCUMENTS

    async def get_context(self, request: Any, response: Any) -> dict[str, Any]:
        state = request.app.state
        principal = request.scope.get(PRINCIPAL)  # None for anonymous callers; the gate refused bad tokens
        today = dt.datetime.now(dt.UTC).date()
        decider = state.policy.current()  # one agreement set for the whole request, even if a reload lands
        access = access_for(principal, request.headers, decider, today)
        context = {
            "request": request,
            "response": response,
            "graph": state.graph,
            "access": access,
            "audit_log": state.audit_log,
            "decider": decider,
            "settings": state.settings,
        }
        request.state.hub_context = context
        return context

    async def render_graphql_ide(self, request: Any) -> Response:
        return page_response(request.app.state.settings.ui_dir, GRAPHIQL)  # our own build: nothing from a CDN

    async def execute_single(self, request: Any, *args: Any, **kwargs: Any) -> ExecutionResult:
        data = kwargs["request_data"]
        if data.operation_name is not None and safe_text(data.operation_name) != data.operation_name:
            # a name that cannot be encoded would break the error response that echoes it: it matches nothing anyway
            data = kwargs["request_data"] = dataclasses.replace(data, operation_name=safe_text(data.operation_name))
        kwargs["context"]["request_data"] = data  # for the audit event's operation and hash
        access = kwargs["context"]["access"]
        client_id = access.principal.client_id if access.principal else None
        admitted = admit(self.trusted, data, client_id, access.refusals)
        if isinstance(admitted, ExecutionResult):
            return admitted  # refused before GraphQL runs; the audit event carries the code
        kwargs["context"]["request_data"] = kwargs["request_data"] = admitted
        return await super().execute_single(request, *args, **kwargs)

    async def process_result(self, request: Any, result: ExecutionResult) -> GraphQLHTTPResponse:
        context = request.state.hub_context
        event = event_for(context["access"], context.get("request_data"), request.headers.get("traceparent"))
        try:
            await request.app.state.audit_writer.record(event)
            request.scope[AUDITED] = True
        except AuditUnavailable:
            request.scope[AUDITED] = True  # refused for want of an audit trail: nothing to add
            log.error("audit trail unavailable: request refused")
            errors.add(1, {"error.type": "AUDIT_UNAVAILABLE"})
            context["response"].status_code = 503
            error = {"message": "audit unavailable", "extensions": {"code": "AUDIT_UNAVAILABLE"}}
            return {"data": None, "errors": [error]}
        response = await super().process_result(request, result)
        if any((e.extensions or {}).get("code") == GRAPH_UNAVAILABLE for e in result.errors or ()):
            context["response"].status_code = 503  # not the client's fault, and worth asking again shortly
            context["response"].headers["Retry-After"] = RETRY_AFTER
        grant = context["access"].grant
        if grant.agreement is not None:  # the caller can see, and cite, what its data came under
            hub = {"agreement": grant.agreement.id, "version": grant.agreement.version, "purpose": grant.purpose}
            if grant.warnings:
                hub["warnings"] = list(grant.warnings)
            response["extensions"] = {**(response.get("extensions") or {}), "hub": hub}
        return response


def _graphql_too_large(limit: int) -> Response:
    message = (
        f"the request body is over {limit} bytes (HUB_MAX_BODY): send large batches of records to /submissions"
        " as JSON Lines, or in smaller batches"
    )
    return JSONResponse({"data": None, "errors": [{"message": message, "extensions": {"code": "BODY_TOO_LARGE"}}]}, 413)


def _form_too_large(limit: int) -> Response:
    body = {"error": "invalid_request", "error_description": f"a token request is at most {limit} bytes"}
    return JSONResponse(body, 413, headers={"Cache-Control": "no-store"})


def create_app(
    settings: Settings, *, on_ready: Callable[[Graph], None] | None = None, telemetry: Telemetry | None = None
) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.auth = build_auth(settings)  # before the graph: a bad key or agreement fails fast
        app.state.policy = LivePolicy(settings.agreements_dir, archive=settings.data_dir / "agreements-archive")
        with (
            telemetry or Telemetry(),  # first in, last out: flushed after the audit writer's last appends
            open_settings_trail(settings) as audit_log,
            AuditWriter(audit_log) as writer,
            open_graph(settings.graph_config(), role="serve", notify=log.warning) as graph,
        ):
            app.state.audit_log, app.state.audit_writer, app.state.graph = audit_log, writer, graph
            if on_ready is not None:
                on_ready(graph)
            try:
                yield
            finally:
                graphql.execution.close()  # the thread GraphQL operations run in (hub.graphql_http)

    async def healthz(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> JSONResponse:
        graph: Graph = request.app.state.graph
        if await run_in_threadpool(graph.ping):
            return JSONResponse({"status": "ok", "graph": graph.engine})
        body = {"status": "unavailable", "graph": graph.engine, "code": GRAPH_UNAVAILABLE}
        return JSONResponse(body, status_code=503, headers={"Retry-After": RETRY_AFTER})

    # production: no introspection and no GraphiQL page (hub.schema.limits)
    graphql = _GraphQL(
        build_schema(settings.limits, production=settings.production),
        graphql_ide=None if settings.production else "graphiql",
    )
    graphql.trusted = load_trusted(settings)  # here, not in the lifespan: a bad manifest stops `hub serve` with advice
    # bodies are capped inside the token gate, so that a refused body is audited under the caller's name
    graphql_edge = BearerAuth(BodyLimit(graphql, settings.edge.body, _graphql_too_large))
    token_edge = BodyLimit(request_response(token_endpoint), min(MAX_FORM, settings.edge.body), _form_too_large)
    return Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/graphql", AuditRefusals(graphql_edge), methods=["GET", "POST"]),
            # JSON Lines, streamed batch by batch: a cap per line (hub.submissions_http), not on the whole body
            Route("/submissions", AuditRefusals(BearerAuth(submissions_endpoint)), methods=["POST"]),
            Route("/oauth/token", AuditRefusals(token_edge), methods=["POST"]),
            Route("/.well-known/jwks.json", jwks_endpoint, methods=["GET"]),
            *ui_routes(settings),
        ],
        middleware=[Middleware(RequestTelemetry)],
        lifespan=lifespan,
    )
