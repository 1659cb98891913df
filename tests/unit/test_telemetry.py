"""Telemetry configuration and log redaction, without a server (the exported telemetry is tested end to end)."""

from __future__ import annotations

import io
import logging

import pytest

from hub.telemetry import RedactExceptions, TelemetryError, _exporters, known


def test_nothing_is_exported_unless_an_endpoint_or_exporter_is_named() -> None:
    assert _exporters({}, "traces") == []
    assert _exporters({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, "traces") == ["otlp"]
    assert _exporters({"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "http://c:4318/v1/metrics"}, "metrics") == ["otlp"]
    assert _exporters({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_TRACES_EXPORTER": "none"}, "traces") == []
    assert _exporters({"OTEL_METRICS_EXPORTER": "console"}, "metrics") == ["console"]


def test_what_the_hub_cannot_export_is_refused_with_the_variable_named() -> None:
    with pytest.raises(TelemetryError, match="OTEL_TRACES_EXPORTER: zipkin"):
        _exporters({"OTEL_TRACES_EXPORTER": "zipkin"}, "traces")
    with pytest.raises(TelemetryError, match="http/protobuf only"):
        _exporters({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4317", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, "traces")


def test_client_text_becomes_a_known_code_or_other() -> None:
    assert known("matac-tasking", {"matac-tasking"}) == "matac-tasking"
    assert known("Amy Testcase", {"matac-tasking"}) == "other"
    assert known(None, {"matac-tasking"}) == "none"


def test_a_logged_exception_keeps_its_type_and_stack_but_not_its_messages() -> None:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(RedactExceptions())
    logger = logging.getLogger("tests.telemetry.redact")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        try:
            raise KeyError("TM-amy")
        except KeyError as cause:
            raise ValueError("no person Amy Testcase born 1990-06-15") from cause
    except ValueError:
        logger.exception("unexpected error in person.records")
    finally:
        logger.removeHandler(handler)
    text = out.getvalue()
    assert "unexpected error in person.records" in text and "Traceback" in text
    assert "builtins.ValueError" in text and "builtins.KeyError" in text and "test_telemetry.py" in text
    assert "Amy" not in text and "1990-06-15" not in text and "TM-amy" not in text
