"""Audit events for HTTP requests to /graphql: one per request, allowed or denied.

GraphQL requests are recorded by the view before their response leaves (``event_for``). Requests refused before any
GraphQL runs (a bad token, a body that is not JSON or too large, a mutation over GET) disclose nothing;
``AuditRefusals`` records them after the refusal, so the trail still shows every attempt. It also records failed
client authentication at /oauth/token: the client id attempted (never the secret), the reason and the address.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import secrets
from typing import Any

from opentelemetry import trace
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.access import Access
from hub.audit.events import AuditEvent
from hub.audit.port import AuditUnavailable
from hub.auth.http import AUTH_FAILURE, CLIENT_ATTEMPT, PRINCIPAL

AUDITED = "hub.audited"  # set in the ASGI scope once a request's event is durable
_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$")
log = logging.getLogger("hub.audit")


def trace_id(traceparent: str | None) -> str:
    current = trace.get_current_span().get_span_context()
    if current.is_valid:  # the request's span, which continues the caller's traceparent: the trail names its trace
        return format(current.trace_id, "032x")
    match = _TRACEPARENT.match(traceparent or "")
    return match.group(1) if match else secrets.token_hex(16)


def safe_text(text: str | None) -> str | None:
    """Client-chosen text (the operation name) as the trail can store and hash it: no lone surrogates, no NULs."""
    if text is None:
        return None
    return text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")[:200]


def intent_event(access: Access, reason: str, traceparent: str | None) -> AuditEvent | None:
    """The event a write makes durable before it takes effect (no trail, no change), saying what was asked; none
    without a principal, whom every write refuses anyway."""
    principal = access.principal
    if principal is None:
        return None
    return AuditEvent(
        at=dt.datetime.now(dt.UTC),
        subject=principal.subject,
        agency=principal.agency,
        client=principal.client_id,
        roles=tuple(sorted(principal.roles)),
        purpose=access.purpose,
        decision="allow",
        reasons=(reason,),
        trace_id=trace_id(traceparent),
    )


def event_for(access: Access, request_data: Any, traceparent: str | None) -> AuditEvent:
    principal, grant = access.principal, access.grant
    query = getattr(request_data, "query", None)
    errors = (f"error: {code}" for code in sorted(set(access.refusals)))
    return AuditEvent(
        at=dt.datetime.now(dt.UTC),
        subject=principal.subject if principal else "anonymous",
        agency=principal.agency if principal else "none",
        client=principal.client_id if principal else None,
        roles=tuple(sorted(principal.roles)) if principal else (),
        purpose=access.purpose,
        agreement=grant.agreement.id if grant.agreement else None,
        agreement_version=str(grant.agreement.version) if grant.agreement else None,
        justification=access.justification,
        operation=safe_text(getattr(request_data, "operation_name", None)),
        query_hash=hashlib.sha256(query.encode()).hexdigest() if query else None,
        decision="allow" if (grant.allowed or access.notes) and "FORBIDDEN" not in access.refusals else "deny",
        reasons=(*grant.reasons, *grant.warnings, *access.notes, *errors),
        persons=tuple(sorted(access.persons)),
        fields=tuple(sorted(access.fields)),
        trace_id=trace_id(traceparent),
    )


class AuditRefusals:
    """Record requests that ended in an HTTP error before GraphQL could record them itself."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        status = 0

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self._app(scope, receive, watch)
        if status >= 400 and not scope.get(AUDITED):
            await self._record(scope, status)

    async def _record(self, scope: Scope, status: int) -> None:
        principal = scope.get(PRINCIPAL)
        failure = scope.get(AUTH_FAILURE)
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])}
        client = principal.client_id if principal else None
        reasons = [f"refused with HTTP {status}" + (f": {failure}" if failure else "")]
        operation = None
        if CLIENT_ATTEMPT in scope:  # /oauth/token: who was tried, why it failed, and from where
            attempted, why = scope[CLIENT_ATTEMPT]
            client = safe_text(attempted)
            address = (scope.get("client") or ("unknown",))[0]
            reasons = [f"refused with HTTP {status}: client authentication failed: {why}", f"address {address}"]
            operation = f"{scope.get('method', 'POST')} {scope.get('path', '')}"
        event = AuditEvent(
            at=dt.datetime.now(dt.UTC),
            subject=principal.subject if principal else "unauthenticated",
            agency=principal.agency if principal else "none",
            client=client,
            roles=tuple(sorted(principal.roles)) if principal else (),
            operation=operation,
            decision="deny",
            reasons=tuple(reasons),
            trace_id=trace_id(headers.get("traceparent")),
        )
        try:
            await scope["app"].state.audit_writer.record(event)
        except AuditUnavailable:
            log.error("audit trail unavailable: a refused request went unrecorded")
