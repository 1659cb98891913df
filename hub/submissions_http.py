"""Partner writes as a stream: ``POST /submissions`` with a JSON Lines body (``Content-Type: application/x-ndjson``).

For partner systems that export files. The body is read as it arrives and written a batch of 5,000 records at a
time through the same path as ``submitRecords`` with a submission: the Cedar ``submit`` permits, the ingest's
validation, person references checked against what earlier batches wrote, and a batch sent again recognised and not
written twice. The response has one JSON line per batch (its counts and its refusals, ``index`` counted over the whole
submission, one per non-empty line) and a last line with the submission's status. One audit event per request, made
durable before the response leaves.

The body as a whole has no cap (a partner's file may be any size); each line has one, 1 MiB or ``HUB_MAX_BODY`` if
smaller: a longer line is refused with 413 (``BODY_TOO_LARGE``) as soon as it passes the cap, the batches before it
written, and nothing after it read.

Query parameters: ``submission`` and ``offset`` continue an open submission; ``close=false`` leaves it open; ``name``
labels a new one; ``batch`` sets the batch size (1 to 10,000). A stream cut off midway has written its full batches
and left the submission open: send the rest from the ``received`` count its status reports, or the whole stream again
with the same batch size (every batch already received is recognised, and only the rest is written).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import request_response

from graph.errors import GraphUnavailable
from graph.submissions import SubmissionState
from hub.access import access_for, batches
from hub.access.context import Access, BadRequest, Forbidden
from hub.access.submissions import MAX_RECORDS, Receipt, allowed_types
from hub.audit import AuditUnavailable
from hub.audit.requests import AUDITED, event_for
from hub.auth.http import PRINCIPAL
from hub.schema.errors import GRAPH_UNAVAILABLE, RETRY_AFTER

BATCH = 5_000
MAX_LINE = 1 << 20  # bytes of one record's line; a record is a few hundred
MEDIA_TYPES = {"application/x-ndjson", "application/jsonl", "application/json-lines"}


class LineTooLong(Exception):
    """A line over the cap: the records before it went in with their batches, the rest is not read."""


async def _endpoint(request: Request) -> Response:
    app = request.app.state
    today = dt.datetime.now(dt.UTC).date()
    decider = app.policy.current()
    access = access_for(request.scope.get(PRINCIPAL), request.headers, decider, today)
    try:
        lines = await _submit(request, access, decider, today)
        body = b"".join(orjson.dumps(line) + b"\n" for line in lines)
        response: Response = Response(body, 200, media_type="application/x-ndjson")
    except Forbidden as exc:
        response = _error(access, 403, "FORBIDDEN", "forbidden", reasons=list(exc.reasons))
    except BadRequest as exc:
        response = _error(access, 400, "BAD_REQUEST", str(exc))
    except LineTooLong as exc:
        response = _error(access, 413, "BODY_TOO_LARGE", str(exc))
    except ClientDisconnect:  # nobody to answer; the batches written stand, and the event says which
        response = _error(access, 400, "BAD_REQUEST", "the client went away")
    except GraphUnavailable:  # the batches acknowledged before stand; sending the rest again is safe (by offset)
        response = _error(access, 503, GRAPH_UNAVAILABLE, "graph unavailable")
        response.headers["Retry-After"] = RETRY_AFTER
    request_data = SimpleNamespace(operation_name="POST /submissions", query=None)
    try:
        await app.audit_writer.record(event_for(access, request_data, request.headers.get("traceparent")))
    except AuditUnavailable:
        response = _error(access, 503, "AUDIT_UNAVAILABLE", "audit unavailable")  # and nothing of what was done
    request.scope[AUDITED] = True
    return response


submissions_endpoint = request_response(_endpoint)  # an ASGI app, to sit behind the bearer-token gate


async def _submit(request: Request, access: Access, decider: Any, today: dt.date) -> list[dict[str, Any]]:
    app = request.app.state
    graph, work_dir = app.graph, app.settings.data_dir / "tmp"
    await run_in_threadpool(allowed_types, access, decider, today)  # refused before a byte of the body is read
    if request.headers.get("content-type", "").split(";")[0].strip().lower() not in MEDIA_TYPES:
        raise BadRequest("send JSON Lines, one record a line, as Content-Type: application/x-ndjson")
    params = request.query_params
    submission, offset = params.get("submission"), _number(params.get("offset"), 0, "offset")
    size = _number(params.get("batch"), BATCH, "batch")
    if not 0 < size <= MAX_RECORDS:
        raise BadRequest(f"batch is a number of records from 1 to {MAX_RECORDS}")
    if submission is None:
        if offset:
            raise BadRequest("an offset continues a submission: name it with `submission`")
        opened = await run_in_threadpool(batches.open_submission, access, graph, decider, params.get("name"), today)
        submission = opened.id
    out: list[dict[str, Any]] = []
    pending: list[Any] = []

    async def flush() -> None:
        nonlocal offset, pending
        receipt = await run_in_threadpool(
            batches.submit_batch, access, graph, decider, submission, offset, pending, work_dir, today
        )
        out.append(_batch_line(receipt))
        offset, pending = offset + len(pending), []

    max_line = min(MAX_LINE, app.settings.edge.body)
    try:
        async for record in _records(request, submission, offset, max_line):
            pending.append(record)
            if len(pending) == size:
                await flush()
    except LineTooLong:
        if pending:  # every record before the long line is received, as the refusal says
            await flush()
        raise
    if pending:
        await flush()
    state: SubmissionState | None
    if params.get("close", "true").lower() != "false":
        state = await run_in_threadpool(batches.close_submission, access, graph, decider, submission, None, today)
    else:
        state = await run_in_threadpool(batches.status, access, graph, decider, submission, today)
    totals = state.totals() if state else {}
    received = sum(b.size for b in state.batches) if state else 0
    out.append({"submission": submission, "status": state.status if state else None, "received": received, **totals})
    return out


async def _records(request: Request, submission: str, offset: int, max_line: int) -> AsyncIterator[Any]:
    """Each non-empty line, decoded; a line that is not JSON stays text, and is refused as not a JSON object.

    Whatever the size of the chunks the body arrives in, no line over ``max_line`` bytes is decoded or kept.
    """
    buffer, count = b"", 0

    def too_long() -> LineTooLong:
        return LineTooLong(
            f"a line longer than {max_line} bytes after record {offset + count}: the records before it were "
            f"received in submission {submission}"
        )

    async for chunk in request.stream():
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            if len(line) > max_line:
                raise too_long()
            if line.strip():
                count += 1
                yield _decode(line)
        if len(buffer) > max_line:
            raise too_long()
    if buffer.strip():
        yield _decode(buffer)


def _decode(line: bytes) -> Any:
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        try:  # what orjson refuses and JSON allows (a lone surrogate escape: ingest refuses it with its reason)
            return json.loads(line, parse_constant=_no_constants)
        except (ValueError, UnicodeDecodeError):
            return line.decode("utf-8", "replace")


def _no_constants(name: str) -> None:
    raise ValueError(f"{name} is not a JSON value")


def _number(text: str | None, default: int, name: str) -> int:
    if text is None:
        return default
    if not text.isdigit() or len(text) > 12:
        raise BadRequest(f"{name} is a whole number, 0 or more")
    return int(text)


def _batch_line(receipt: Receipt) -> dict[str, Any]:
    refusals = [
        {"index": o.index, "type": o.type, "local_id": o.local_id, "reason": o.reason}
        for o in receipt.outcomes
        if not o.accepted
    ]
    line = {"submission": receipt.submission, "offset": receipt.offset, "size": len(receipt.outcomes)}
    return {**line, "resent": receipt.resent, **receipt.counts, "refusals": refusals}


def _error(access: Access, status: int, code: str, message: str, **extensions: Any) -> JSONResponse:
    access.refusals.append(code)  # the audit event names it, as for GraphQL errors
    return JSONResponse({"errors": [{"message": message, "extensions": {"code": code, **extensions}}]}, status)
