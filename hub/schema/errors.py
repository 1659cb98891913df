"""The error model: every error a client sees carries a stable ``extensions.code``, and nothing else leaks.

    FORBIDDEN               the grant does not cover what was asked; ``extensions.reasons`` says why in words
    BAD_REQUEST             the arguments ask for something that cannot be answered (the message says what)
    GRAPHQL_INVALID         the document does not parse or validate against the schema
    QUERY_TOO_LARGE         more tokens than HUB_MAX_TOKENS               } refused before anything runs, data null,
    QUERY_TOO_DEEP          fields nested deeper than HUB_MAX_DEPTH       } the message names only the limit
    TOO_MANY_ALIASES        more aliases than HUB_MAX_ALIASES             } (``hub.schema.limits``)
    QUERY_TOO_COSTLY        estimated cost over HUB_MAX_COST              }
    INTROSPECTION_DISABLED  ``__schema``/``__type`` in production mode    }
    PERSISTED_QUERY_NOT_FOUND   a trusted-document hash that is not listed (``hub.schema.trusted``)
    TRUSTED_DOCUMENT_REQUIRED   a free-form document from a client held to the trusted documents
    BODY_TOO_LARGE          the request body is over HUB_MAX_BODY (HTTP 413, ``hub.body_limit``)
    AUDIT_UNAVAILABLE       the audit trail could not record the request, so nothing is disclosed (HTTP 503)
    GRAPH_UNAVAILABLE       the graph server cannot be reached; try again later (HTTP 503, ``Retry-After``)
    INTERNAL                anything unexpected; the message is generic and the details stay in the server log

Reasons never mention a record: "not found" and "not allowed to see" are the same answer (null), not an error.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from hub.audit import AuditUnavailable
from hub.exceptions import BadRequest, Forbidden, GraphUnavailable
from hub.schema.limits import limit_code

log = logging.getLogger("hub.graphql")
GRAPH_UNAVAILABLE = "GRAPH_UNAVAILABLE"
RETRY_AFTER = "5"  # seconds: the driver reconnects by itself once the graph is back


def _classified(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    if isinstance(original, Forbidden):
        extensions = {"code": "FORBIDDEN", "reasons": list(original.reasons)}
        return GraphQLError("forbidden", path=error.path, extensions=extensions)
    if isinstance(original, AuditUnavailable):
        return GraphQLError("audit unavailable", path=error.path, extensions={"code": "AUDIT_UNAVAILABLE"})
    if isinstance(original, GraphUnavailable):  # the driver's message stays in the log: it names hosts
        log.warning("graph unavailable in %s: %s", ".".join(map(str, error.path or [])), original)
        return GraphQLError("graph unavailable", path=error.path, extensions={"code": GRAPH_UNAVAILABLE})
    if isinstance(original, BadRequest):
        return GraphQLError(str(original), path=error.path, extensions={"code": "BAD_REQUEST"})
    if original is None or error.path is None:  # no path: the document or its variables, before any resolver ran
        code = limit_code(error) or "GRAPHQL_INVALID"
        return GraphQLError(error.message, nodes=error.nodes, extensions={"code": code})
    log.error("unexpected error in %s", ".".join(map(str, error.path or [])), exc_info=original)
    return GraphQLError("internal error", path=error.path, extensions={"code": "INTERNAL"})


class ErrorCodes(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            result.errors = [_classified(e) for e in result.errors]
            access = self.execution_context.context.get("access")
            if access is not None:
                for error in result.errors:
                    code = (error.extensions or {}).get("code")
                    access.refusals.append(str(code))
