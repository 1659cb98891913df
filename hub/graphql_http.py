"""The GraphQL endpoint's HTTP edge: what it accepts as a request, and how it refuses the rest.

Strawberry refuses some malformed requests in plain text and fails with a 500 on others (a JSON body that is not an
object, an operation name that is not a string: both found by ``tests/e2e/test_graphql_fuzz.py``). The hub refuses
all of them the same way: the HTTP status Strawberry chose, and a GraphQL error with the code ``BAD_REQUEST`` and
Strawberry's message, which names nothing but the request's shape.

In production mode no error carries graphql-core's suggestions ("Did you mean 'people'?"): they would let a caller
map the schema field by field by guessing. Strawberry offers no switch for graphql-core's ``hide_suggestions`` and
variable and enum coercion make them too, so they are cut from every message of the response, in one place.
"""

from __future__ import annotations

import re
from typing import Any

from cross_web import HTTPException  # what Strawberry raises (its own dependency)
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

# graphql-core's did_you_mean() and its hand-written kin ("Did you mean to use an inline fragment on 'Person'?");
# GraphQL names cannot hold a question mark, so the sentence ends at the first one
SUGGESTION = re.compile(r" ?Did you mean [^?]*\?")


def without_suggestions(message: str) -> str:
    return SUGGESTION.sub("", message)


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

    async def process_result(self, request: Any, result: ExecutionResult) -> GraphQLHTTPResponse:
        response: GraphQLHTTPResponse = await super().process_result(request, result)  # type: ignore[misc]
        if request.app.state.settings.production:
            errors: list[dict[str, Any]] = response.get("errors") or []  # type: ignore[assignment]
            for error in errors:
                error["message"] = without_suggestions(error["message"])
        return response

    async def parse_http_body(self, request: Any) -> Any:
        data = await super().parse_http_body(request)  # type: ignore[misc]
        name = getattr(data, "operation_name", None)
        if name is not None and not isinstance(name, str):
            raise HTTPException(400, "The GraphQL operation's `operationName` must be a string or null, if provided.")
        return data
