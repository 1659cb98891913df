"""Spans that never carry a failure's message: the SDK copies an exception's text onto the span, and text can quote
a key or a value. Shared by the graph layer and the hub (``hub.telemetry``), as ``graph`` must not import ``hub``."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import INVALID_SPAN, Link, ProxyTracerProvider, Span, SpanKind, StatusCode, Tracer


@contextlib.contextmanager
def span(
    tracer: Tracer,
    name: str,
    attributes: Mapping[str, Any] | None = None,
    *,
    kind: SpanKind = SpanKind.INTERNAL,
    context: Context | None = None,
    links: Sequence[Link] = (),
) -> Iterator[Span]:
    """A current span that records a failure by exception type alone.

    Until an SDK is installed (``hub.telemetry.configure`` installs one only when spans have somewhere to go), the
    API's spans are no-ops that still cost a context switch each: about 5% of a request's CPU. Then nothing is made,
    and the current span stays what it was."""
    if isinstance(trace.get_tracer_provider(), ProxyTracerProvider):
        yield INVALID_SPAN
        return
    with tracer.start_as_current_span(
        name,
        context=context,
        kind=kind,
        attributes=attributes,
        links=links,
        record_exception=False,
        set_status_on_exception=False,
    ) as current:
        try:
            yield current
        except BaseException as exc:
            current.set_attribute("error.type", type(exc).__qualname__)
            current.set_status(StatusCode.ERROR)
            raise
