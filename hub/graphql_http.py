"""The GraphQL endpoint's HTTP edge: what it accepts as a request, and how it refuses the rest.

Strawberry refuses some malformed requests in plain text and fails with a 500 on others (a JSON body that is not an
object, an operation name that is not a string: both found by ``tests/e2e/test_graphql_fuzz.py``). The hub refuses
all of them the same way: the HTTP status Strawberry chose, and a GraphQL error with the code ``BAD_REQUEST`` and
Strawberry's message, which names nothing but the request's shape.

Operations run on an event loop of their own, in a thread of its own (``ExecutionLoop``): putting a large result
together (a page of people with their records, a whole introspection) is CPU work between awaits, and on the
server's loop it would hold up every other request, /healthz included, until it was done. The server's loop keeps
the HTTP work (reading the body, the audit event, writing the response); the interpreter switches between the two
threads every few milliseconds.

In production mode no error carries graphql-core's suggestions ("Did you mean 'people'?"): they would let a caller
map the schema field by field by guessing. Strawberry offers no switch for graphql-core's ``hide_suggestions`` and
variable and enum coercion make them too, so they are cut from every message of the response, in one place.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import re
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from cross_web import HTTPException  # what Strawberry raises (its own dependency)
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

# graphql-core's did_you_mean() and its hand-written kin ("Did you mean to use an inline fragment on 'Person'?");
# GraphQL names cannot hold a question mark, so the sentence ends at the first one
SUGGESTION = re.compile(r" ?Did you mean [^?]*\?")


T = TypeVar("T")


def without_suggestions(message: str) -> str:
    return SUGGESTION.sub("", message)


class ExecutionLoop:
    """An event loop in a daemon thread, started on first use; coroutines run there in the caller's context (so
    that spans and other context variables carry over), and cancelling the caller cancels them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stopped: asyncio.Future[None]

    async def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        loop = self._started()
        outcome: concurrent.futures.Future[T] = concurrent.futures.Future()
        context = contextvars.copy_context()

        def start() -> None:
            task = loop.create_task(coroutine, context=context)

            def settle(done: asyncio.Task[T]) -> None:
                if outcome.done():
                    return
                if done.cancelled():
                    outcome.cancel()
                elif (error := done.exception()) is not None:
                    outcome.set_exception(error)
                else:
                    outcome.set_result(done.result())

            task.add_done_callback(settle)
            outcome.add_done_callback(lambda f: loop.call_soon_threadsafe(task.cancel) if f.cancelled() else None)

        loop.call_soon_threadsafe(start)
        return await asyncio.wrap_future(outcome)

    def _started(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                self._stopped = loop.create_future()
                self._loop = loop
                # run_until_complete, not run_forever: anyio takes the task it runs as the loop's root task, and keeps
                # its worker threads (where resolvers read the graph) for as long as that task lives; under
                # run_forever each operation's task counts as a root, and every graph read would start a new thread
                self._thread = threading.Thread(
                    target=loop.run_until_complete, args=(self._until_stopped(),), name="hub-graphql", daemon=True
                )
                self._thread.start()
            return self._loop

    async def _until_stopped(self) -> None:
        await self._stopped

    def close(self) -> None:
        with self._lock:
            loop, thread, self._loop, self._thread = self._loop, self._thread, None, None
        if loop is not None and thread is not None:
            loop.call_soon_threadsafe(self._stopped.set_result, None)
            thread.join(timeout=10)
            loop.close()


class StrictRequests:
    """Mixed into the Strawberry ASGI view, before it."""

    execution: ExecutionLoop  # where this view's operations run; the app closes it when it stops

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.execution = ExecutionLoop()

    async def execute_single(self, *args: Any, **kwargs: Any) -> Any:
        return await self.execution.run(super().execute_single(*args, **kwargs))  # type: ignore[misc]

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
