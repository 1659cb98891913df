"""The body cap in a tiny app, driven message by message: whatever the headers say, no byte past the cap is read."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import Message

from hub.body_limit import BodyLimit

CAP = 1000


async def echo_size(scope: Any, receive: Any, send: Any) -> None:
    body = await Request(scope, receive).body()
    await PlainTextResponse(str(len(body)))(scope, receive, send)


def refusal(limit: int) -> Response:
    return JSONResponse({"limit": limit}, 413)


def call(chunks: list[bytes], content_length: int | None) -> tuple[int, bytes, int]:
    """Run one request through BodyLimit; returns the status, the response body and how many chunks were read."""
    headers = [(b"content-length", str(content_length).encode())] if content_length is not None else []
    scope = {"type": "http", "method": "POST", "path": "/", "headers": headers, "query_string": b""}
    read, sent = 0, []

    async def receive() -> Message:
        nonlocal read
        read += 1
        if read > len(chunks):
            return {"type": "http.disconnect"}
        return {"type": "http.request", "body": chunks[read - 1], "more_body": read < len(chunks)}

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(BodyLimit(echo_size, CAP, refusal)(scope, receive, send))
    status = sent[0]["status"]
    return status, b"".join(m.get("body", b"") for m in sent[1:]), read


def test_a_body_within_the_cap_passes() -> None:
    assert call([b"x" * 600, b"x" * 400], 1000) == (200, b"1000", 2)
    assert call([b"x" * 600, b"x" * 400], None) == (200, b"1000", 2)


def test_body_over_max_is_413_before_a_byte_when_declared() -> None:
    assert call([b"x" * 5000], 5000) == (413, b'{"limit":1000}', 0)


def test_body_over_max_is_413_as_it_streams_without_a_content_length() -> None:
    status, body, read = call([b"x" * 400] * 100, None)
    assert (status, body, read) == (413, b'{"limit":1000}', 3)  # the third chunk passed the cap: nothing more read


def test_body_over_max_is_413_whatever_a_lying_content_length_says() -> None:
    status, _, read = call([b"x" * 400] * 100, 10)
    assert (status, read) == (413, 3)
