"""A cap on a request body: 413 as soon as it is known to be too large, and not a byte more read.

A declared ``Content-Length`` over the cap is refused before the body is read at all. Otherwise the bytes are counted
as they arrive, whatever the headers said (no ``Content-Length``, a chunked body, or a lying one): the read that
passes the cap raises inside the wrapped app, and the refusal is sent in its place. Wrapped apps that read the whole
body before answering (the GraphQL view, the token endpoint) never have a response under way when that happens.
/submissions streams and has a cap per line instead (``hub.submissions_http``).
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(Exception):
    """Raised from ``receive`` inside the wrapped app; turned into the refusal by :class:`BodyLimit`."""


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int, refusal: Callable[[int], Response]) -> None:
        self._app, self.max_bytes, self._refusal = app, max_bytes, refusal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._refusal(self.max_bytes)(scope, receive, send)
            return
        received, started = 0, False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self._app(scope, counted, watched)
        except BodyTooLarge:
            if started:  # too late to answer: the connection is dropped instead
                raise
            await self._refusal(self.max_bytes)(scope, receive, send)
