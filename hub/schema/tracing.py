"""A span per GraphQL operation, and the errors it returned counted by code.

Strawberry's own ``OpenTelemetryExtension`` records the document and the resolvers' arguments, whose literals and
variables can be a name or a local id. This one records the operation type, the operation name when it is a plain
GraphQL name, and the SHA-256 of the document (the audit event's ``query_hash``, so the two can be matched).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

from hub.telemetry import errors, span

_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")


class OperationTracing(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        with span("graphql") as current:
            yield  # listed first, this runs last: the errors here are already classified by ErrorCodes
            try:
                kind = context.operation_type.value
            except Exception:  # the document did not parse, or names no operation it holds
                kind = "unknown"
            name = context.operation_name or ""
            name = name if _NAME.fullmatch(name) else ""
            current.update_name(f"{kind} {name}".strip())
            current.set_attributes({"graphql.operation.type": kind, "graphql.operation.name": name})
            if context.query:
                current.set_attribute("hub.graphql.document.sha256", hashlib.sha256(context.query.encode()).hexdigest())
            found = context.result.errors if context.result is not None else None
            codes = [str((error.extensions or {}).get("code", "INTERNAL")) for error in found or []]
            for code in codes:
                errors.add(1, {"error.type": code})
            if codes:
                current.set_attribute("error.type", codes[0])
