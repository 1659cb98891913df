"""OpenTelemetry: providers from the standard ``OTEL_*`` variables, the HTTP request span, and log redaction.

One rule for every span, attribute, metric label and log line: no personal data. Telemetry says what kind of thing
happened (route, status, operation type, purpose and agency codes the agreements define, statement hashes), never whom
it was about: no token subject, person id, name, local id, justification, query text, variables or client address.
Text a client chooses is reduced to a known code or ``other`` (``known``) before it is recorded, and exceptions are
recorded by type only (``span``), as a message can quote the value that failed.

Nothing is exported unless asked. ``OTEL_TRACES_EXPORTER`` and ``OTEL_METRICS_EXPORTER`` choose ``otlp`` (OTLP over
HTTP/protobuf, configured by the standard ``OTEL_EXPORTER_OTLP_*`` variables), ``console`` or ``none``; unset, they
mean ``otlp`` when an OTLP endpoint is set and ``none`` otherwise. Spans are made even when none are exported, so
the audit trail's trace id is always the request's.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import os
import time
import traceback
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from opentelemetry import metrics, propagate, trace
from opentelemetry.context import Context
from opentelemetry.trace import Link, Span, SpanKind, StatusCode
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graph import tracing

SERVICE_NAME = "da-hub"
SECONDS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)  # latency buckets
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

tracer = trace.get_tracer("hub")
meter = metrics.get_meter("hub")
_request_duration = meter.create_histogram(
    "http.server.request.duration",
    unit="s",
    description="HTTP request latency",
    explicit_bucket_boundaries_advisory=SECONDS,
)
errors = meter.create_counter("hub.errors", unit="{error}", description="Errors returned to clients, by stable code")


class TelemetryError(ValueError):
    """An ``OTEL_*`` variable asks for something the hub cannot do; the message says which."""


@dataclass(frozen=True)
class Telemetry:
    """The process's providers; ``shutdown`` exports what is still buffered."""

    tracer_provider: Any = None
    meter_provider: Any = None

    def shutdown(self) -> None:
        for provider in (self.tracer_provider, self.meter_provider):
            if provider is not None:
                provider.shutdown()

    def __enter__(self) -> Telemetry:
        return self

    def __exit__(self, *_: object) -> None:
        self.shutdown()


def configure(env: Mapping[str, str] = os.environ) -> Telemetry:
    """Install the global tracer and meter providers. Call once per process (``hub serve``)."""
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return Telemetry()
    # the SDK is imported here, not at module level: CLI commands that never serve do not pay for it
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import ConsoleMetricExporter, PeriodicExportingMetricReader
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

    named = env.get("OTEL_SERVICE_NAME") or "service.name=" in env.get("OTEL_RESOURCE_ATTRIBUTES", "")
    attributes = {} if named else {"service.name": SERVICE_NAME}
    if "service.instance.id=" not in env.get("OTEL_RESOURCE_ATTRIBUTES", ""):
        # one per process: replicas' cumulative metrics would otherwise merge into one series and contradict it
        attributes["service.instance.id"] = str(uuid.uuid4())
    resource = Resource.create(attributes)  # also reads OTEL_RESOURCE_ATTRIBUTES
    span_exporters = _exporters(env, "traces")
    # with nowhere to send spans, keep the API's no-op tracer: building spans only to drop them costs about 1 ms a
    # request (the audit trail then takes the trace id from the caller's traceparent, as it would anyway)
    tracer_provider = TracerProvider(resource=resource) if span_exporters else None
    for name in span_exporters:
        exporter = OTLPSpanExporter() if name == "otlp" else ConsoleSpanExporter()
        tracer_provider.add_span_processor(BatchSpanProcessor(exporter))  # type: ignore[union-attr]  # OTEL_BSP_*
    readers = [  # OTEL_METRIC_EXPORT_INTERVAL sets how often
        PeriodicExportingMetricReader(OTLPMetricExporter() if name == "otlp" else ConsoleMetricExporter())
        for name in _exporters(env, "metrics")
    ]
    meter_provider = MeterProvider(resource=resource, metric_readers=readers)
    if tracer_provider is not None:
        trace.set_tracer_provider(tracer_provider)
    metrics.set_meter_provider(meter_provider)
    return Telemetry(tracer_provider, meter_provider)


def _exporters(env: Mapping[str, str], signal: str) -> list[str]:
    variable = f"OTEL_{signal.upper()}_EXPORTER"
    endpoint = env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or env.get(f"OTEL_EXPORTER_OTLP_{signal.upper()}_ENDPOINT")
    names = [n.strip() for n in env.get(variable, "otlp" if endpoint else "none").split(",") if n.strip()]
    if unknown := set(names) - {"otlp", "console", "none"}:
        raise TelemetryError(f"{variable}: {', '.join(sorted(unknown))} is not supported: use otlp, console or none")
    protocol = env.get(f"OTEL_EXPORTER_OTLP_{signal.upper()}_PROTOCOL") or env.get("OTEL_EXPORTER_OTLP_PROTOCOL")
    if "otlp" in names and protocol not in (None, "", "http/protobuf"):
        raise TelemetryError(f"OTEL_EXPORTER_OTLP_PROTOCOL: the hub exports http/protobuf only, not {protocol}")
    return [n for n in names if n != "none"]


def known(value: str | None, codes: Collection[str]) -> str:
    """Client-chosen text as a telemetry value: one of ``codes``, ``none`` or ``other``, never the text itself."""
    if not value:
        return "none"
    return value if value in codes else "other"


def span(
    name: str,
    attributes: Mapping[str, Any] | None = None,
    *,
    kind: SpanKind = SpanKind.INTERNAL,
    context: Context | None = None,
    links: Sequence[Link] = (),
) -> contextlib.AbstractContextManager[Span]:
    """A current span of the hub's tracer that records a failure by exception type alone."""
    return tracing.span(tracer, name, attributes, kind=kind, context=context, links=links)


class RequestTelemetry:
    """ASGI middleware: a server span per HTTP request, continuing the caller's W3C trace, and its latency.

    Only the method, the route template and the status are recorded: never the URL (a GET's query string holds the
    GraphQL document and its variables), the headers, or the client's address.
    """

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        method = scope["method"] if scope["method"] in _METHODS else "_OTHER"
        status = 500  # what the server sends if the app fails before it responds

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        started = time.perf_counter()
        attributes = {"http.request.method": method, "url.scheme": scope.get("scheme", "http")}
        with span(method, attributes, kind=SpanKind.SERVER, context=propagate.extract(headers)) as current:
            try:
                await self._app(scope, receive, watch)
            finally:
                route = getattr(scope.get("route"), "path", None) or "other"  # the template, never the path asked
                current.update_name(f"{method} {route}")
                current.set_attributes({"http.route": route, "http.response.status_code": status})
                if status >= 500:
                    current.set_status(StatusCode.ERROR)
                labels = {"http.request.method": method, "http.route": route, "http.response.status_code": status}
                _request_duration.record(time.perf_counter() - started, labels)


class RedactExceptions(logging.Filter):
    """For log handlers: keep a logged exception's type and frames, drop its message and its causes' messages."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = _stack_only(record.exc_info[1])
            record.exc_info = None
        return True


def _stack_only(exc: BaseException | None) -> str:
    parts, seen = [], set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        name = f"{type(exc).__module__}.{type(exc).__qualname__}"
        frames = "".join(
            f'  File "{f.filename}", line {f.lineno}, in {f.name}\n' for f in traceback.extract_tb(exc.__traceback__)
        )
        parts.append(f"{frames}{name} (message withheld)\n")  # no source lines: one can hold a literal
        exc = exc.__cause__ or exc.__context__
    return "Traceback (most recent call last):\n" + "\nwhile handling:\n".join(reversed(parts))


def log_config() -> dict[str, Any]:
    """uvicorn's logging, with exception messages withheld on every handler and the hub's loggers on stderr.

    Strawberry's own error log is off: it repeats every client error, some quoting the client's values; the hub logs
    its unexpected errors itself (``hub.schema.errors``).
    """
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"redact": {"()": RedactExceptions}}
    for handler in config["handlers"].values():
        handler["filters"] = ["redact"]
    config["root"] = {"handlers": ["default"], "level": "WARNING"}
    config["loggers"]["strawberry.execution"] = {"level": "CRITICAL"}
    return config
