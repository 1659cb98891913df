"""The GraphQL endpoint's HTTP edge: what it accepts as a request, and how it refuses the rest.

Strawberry refuses some malformed requests in plain text and fails with a 500 on others (a JSON body that is not an
object, an operation name that is not a string: both found by ``tests/e2e/test_graphql_fuzz.py``). The hub refuses
all of them the same way: the HTTP status Strawberry chose, and a GraphQL error with the code ``BAD_REQUEST`` and
Strawberry's message, which names nothing but the request's shape.
"""

from __future__ import annotations

from typing import Any

from cross_web import HTTPException  # what Strawberry raises (its own dependency)
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send


class StrictRequests:
    """Mixed into the Strawberry ASGI view, before it."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)  # type: ignore[misc]
            return
        try:
            response = await self.run(Request(scope=scope, receive=receive))  # type: ignore[attr-defined]
        except HTTPException as exc:
            error = {"message": exc.reason, "extensions": {"code": "BAD_REQUEST"}}
            response = JSONResponse({"data": None, "errors": [error]}, status_code=exc.status_code)
        await response(scope, receive, send)

    def parse_json(self, data: str | bytes) -> Any:
        # the body, and the `variables` and `extensions` of a GET, must each be a JSON object
        parsed = super().parse_json(data)  # type: ignore[misc]
        if not isinstance(parsed, dict):
            raise HTTPException(400, "The request body must be a JSON object.")
        return parsed

    async def parse_http_body(self, request: Any) -> Any:
        data = await super().parse_http_body(request)  # type: ignore[misc]
        name = getattr(data, "operation_name", None)
        if name is not None and not isinstance(name, str):
            raise HTTPException(400, "The GraphQL operation's `operationName` must be a string or null, if provided.")
        return data
