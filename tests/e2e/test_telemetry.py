"""OpenTelemetry from a real `hub serve` to a real OTLP/HTTP receiver: the spans, their links, the metrics, and no
personal data anywhere in what is exported or logged.

The receiver is a plain HTTP server in this process that decodes what the hub's OTLP exporters POST. The demo queries
run against the session household (allowed, denied, invalid, unauthenticated, over GET and POST, with variables that
hold person ids); the server is then stopped, which flushes its exporters, and everything received is checked.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from google.protobuf.message import Message
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

from tests.e2e.trust_data import POLICE, SCHOOLS, Household
from tests.helpers import HUB, free_port, hub_env, run_hub, serve_log, stop, wait_ready

_SERVICES: dict[str, tuple[type[Message], type[Message]]] = {
    "/v1/traces": (trace_service_pb2.ExportTraceServiceRequest, trace_service_pb2.ExportTraceServiceResponse),
    "/v1/metrics": (metrics_service_pb2.ExportMetricsServiceRequest, metrics_service_pb2.ExportMetricsServiceResponse),
    "/v1/logs": (logs_service_pb2.ExportLogsServiceRequest, logs_service_pb2.ExportLogsServiceResponse),
}
DEMO = """query TelemetryDemo($agency: String!, $localId: String!) {
  personByRecord(agency: $agency, localId: $localId) {
    id records { agency givenName dob postcode }
    incidents { role incident { occurredAt category people { role personId } } }
  }
}"""
NETWORK = "query Net($p: ID!) { network(personId: $p, hops: 2) { people connections { a b aRole bRole } } }"


@dataclass
class Received:
    requests: dict[str, list[Any]] = field(default_factory=lambda: {path: [] for path in _SERVICES})


def _receiver(received: Received) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            kinds = _SERVICES.get(self.path)
            if kinds is None:
                self.send_error(404)
                return
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            request, response = kinds
            received.requests[self.path].append(request.FromString(body))
            payload = response().SerializeToString()
            self.send_response(200)
            self.send_header("content-type", "application/x-protobuf")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *_: Any) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@dataclass
class Run:
    received: Received
    log: str
    household: Household
    traceparent: tuple[str, str]  # trace id, parent span id the demo request was sent with
    audit: list[dict[str, Any]]
    personal: list[str]  # every personal value the run sent or could have disclosed


@pytest.fixture(scope="module")
def run(household: Household, data_dir: Path) -> Iterator[Run]:
    received = Received()
    receiver = _receiver(received)
    port = free_port()
    env = {k: v for k, v in hub_env(data_dir).items() if not k.startswith("OTEL_")}
    env |= {
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{receiver.server_address[1]}",
        "OTEL_BSP_SCHEDULE_DELAY": "200",
        "OTEL_METRIC_EXPORT_INTERVAL": "1000",
    }
    log = serve_log(data_dir, port)
    with log.open("w") as out:  # the same session graph: this server attaches to the one the session's serve owns
        process = subprocess.Popen(
            [HUB, "serve", "--port", str(port)], env=env, stdout=out, stderr=subprocess.STDOUT, text=True
        )
    try:
        wait_ready(f"http://127.0.0.1:{port}", process, log)
        trace_id, parent = secrets.token_hex(16), secrets.token_hex(8)
        subjects, justifications = _demo(f"http://127.0.0.1:{port}", data_dir, household, f"00-{trace_id}-{parent}-01")
    finally:
        stop(process)  # (not a kill: SIGTERM, so the exporters flush)
        receiver.shutdown()
    audit = []
    for subject in subjects:
        done = run_hub(data_dir, "audit", "events", "--subject", subject, "--format", "jsonl")
        assert done.returncode == 0, done.stderr
        audit += [json.loads(line) for line in done.stdout.splitlines()]
    personal = [*subjects, *justifications, household.tag, *household.ids.values(), *_household_values()]
    yield Run(received, log.read_text(), household, (trace_id, parent), audit, personal)


def _household_values() -> list[str]:
    """What tests/e2e/trust_data.py records about the household (names are matched as words, see below)."""
    names = ["Testcase", "Dale", "Amy", "Kai", "Tom"]
    return [
        *names,
        "1985-03-02",
        "1990-06-15",
        "2016-04-01",
        "2012-01-01",
        "TS18 1AA",
        "TS18",
        "1 Example Row",
        "99/0000001X",
    ]


def _demo(base: str, data_dir: Path, household: Household, traceparent: str) -> tuple[list[str], list[str]]:
    tag = secrets.token_hex(3).upper()
    subjects = {role: f"officer.{role}.{tag.lower()}@example.test" for role in ("matac", "dvds", "school")}
    justifications = [f"MATAC-{tag}01", f"DVDS-{tag}02", f"NOT-A-CASE-{tag}03"]

    def token(agency: str, role: str, subject: str) -> str:
        done = run_hub(data_dir, "token", "--agency", agency, "--role", role, "--subject", subject)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    matac = token(POLICE, "matac-analyst", subjects["matac"])
    dvds = token(POLICE, "dvds-officer", subjects["dvds"])
    school = token(SCHOOLS, "safeguarding-lead", subjects["school"])

    def post(bearer: str | None, query: str, purpose: str | None = None, justification: str | None = None, **more: Any):
        headers = {"authorization": f"Bearer {bearer}"} if bearer else {}
        headers |= {"x-purpose": purpose} if purpose else {}
        headers |= {"x-justification": justification} if justification else {}
        headers |= more.pop("headers", {})
        response = httpx.post(f"{base}/graphql", json={"query": query, "variables": more}, headers=headers, timeout=60)
        return response.status_code, response.json()

    dale = {"agency": POLICE, "localId": household.lid("dale")}
    status, body = post(
        matac, DEMO, "matac-tasking", justifications[0], headers={"traceparent": traceparent}, **dale
    )  # allowed, sent with the caller's trace
    assert status == 200 and body["data"]["personByRecord"]["id"] == household.ids["dale"], body
    status, body = post(dvds, DEMO, "dvds-disclosure", justifications[1], **dale)
    assert status == 200 and body["data"]["personByRecord"] is not None, body
    status, body = post(matac, NETWORK, "matac-tasking", justifications[0], p=household.ids["dale"])
    assert status == 200 and household.ids["amy"] in body["data"]["network"]["people"], body
    status, body = post(school, DEMO, "operation-encompass", agency=SCHOOLS, localId=household.lid("kai-pupil"))
    assert status == 200, body
    # refusals: no purpose, a justification the agreement does not accept, no token, a bad token, a bad document
    status, body = post(matac, DEMO, **dale)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body
    status, body = post(matac, DEMO, "matac-tasking", justifications[2], **dale)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body
    status, body = post(None, DEMO, **dale)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body
    status, _ = post("not.a.token", DEMO, "matac-tasking", justifications[0], **dale)
    assert status == 401
    status, body = post(
        matac, f'{{ personByRecord(agency: "{POLICE}", localId: "{household.lid("amy")}") {{ nope }} }}'
    )
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_INVALID", body
    # over GET the document and its literals travel in the URL
    query = f'{{ personByRecord(agency: "{POLICE}", localId: "{household.lid("amy")}") {{ id }} }}'
    headers = {"authorization": f"Bearer {matac}", "x-purpose": "matac-tasking", "x-justification": justifications[0]}
    response = httpx.get(f"{base}/graphql", params={"query": query}, headers=headers, timeout=60)
    assert response.status_code == 200 and response.json()["data"]["personByRecord"]["id"] == household.ids["amy"]
    return list(subjects.values()), justifications


def _spans(run: Run) -> list[Any]:
    return [
        s
        for request in run.received.requests["/v1/traces"]
        for resource in request.resource_spans
        for scope in resource.scope_spans
        for s in scope.spans
    ]


def _attrs(item: Any) -> dict[str, Any]:
    out = {}
    for kv in item.attributes:
        value = kv.value
        out[kv.key] = getattr(value, value.WhichOneof("value")) if value.WhichOneof("value") else None
    return out


def test_one_trace_holds_http_graphql_policy_graph_and_audit_spans(run: Run) -> None:
    trace_id, parent = run.traceparent
    spans = [s for s in _spans(run) if s.trace_id.hex() == trace_id]
    by_id = {s.span_id: s for s in spans}
    (http,) = [s for s in spans if s.name == "POST /graphql"]
    assert http.parent_span_id.hex() == parent, "the request continues the caller's trace"
    assert _attrs(http) | {"url.scheme": "http"} == {
        "http.request.method": "POST",
        "http.route": "/graphql",
        "http.response.status_code": 200,
        "url.scheme": "http",
    }

    def parent_of(span: Any) -> Any:
        return by_id.get(span.parent_span_id)

    (operation,) = [s for s in spans if s.name == "query TelemetryDemo"]
    assert parent_of(operation) is http
    assert _attrs(operation)["graphql.operation.type"] == "query"
    assert _attrs(operation)["hub.graphql.document.sha256"] == hashlib.sha256(DEMO.encode()).hexdigest()
    (decision,) = [s for s in spans if s.name == "policy.decide"]
    assert parent_of(decision) is http
    assert _attrs(decision)["hub.purpose"] == "matac-tasking" and _attrs(decision)["hub.policy.decision"] == "allow"
    reads = [s for s in spans if s.name == "graph.read"]
    assert reads and all(parent_of(s) is operation for s in reads), "graph queries run inside the operation"
    assert all(_attrs(s)["db.system.name"] == "arcadedb" and _attrs(s)["db.query.hash"] for s in reads)
    (record,) = [s for s in spans if s.name == "audit.record"]
    assert parent_of(record) is http
    (append,) = [s for s in spans if s.name == "audit.append"]
    assert parent_of(append) is record and _attrs(append)["hub.audit.events"] >= 1


def test_the_audit_event_names_the_trace(run: Run) -> None:
    demo = hashlib.sha256(DEMO.encode()).hexdigest()
    sent = [
        e for e in run.audit if e["query_hash"] == demo and e["purpose"] == "matac-tasking" and e["decision"] == "allow"
    ]
    assert [e["trace_id"] for e in sent] == [run.traceparent[0]]
    # without a traceparent the event still names the request's own trace, one the exporter sent
    exported = {s.trace_id.hex() for s in _spans(run)}
    assert {e["trace_id"] for e in run.audit if e["purpose"] == "dvds-disclosure"} <= exported


def test_denials_and_errors_are_traced_and_counted(run: Run) -> None:
    decisions = [_attrs(s) for s in _spans(run) if s.name == "policy.decide"]
    assert any(d["hub.purpose"] == "matac-tasking" and d["hub.policy.decision"] == "deny" for d in decisions)
    assert {d["hub.purpose"] for d in decisions} >= {"matac-tasking", "dvds-disclosure", "none"}
    statuses = {_attrs(s).get("http.response.status_code") for s in _spans(run) if s.name.endswith("/graphql")}
    assert {200, 401} <= statuses
    points = _metric_points(run)
    assert "http.server.request.duration" in points
    routes = {(p["http.route"], p["http.response.status_code"]) for p in points["http.server.request.duration"]}
    assert {("/graphql", 200), ("/graphql", 401), ("/readyz", 200)} <= routes
    assert {p["error.type"] for p in points["hub.errors"]} >= {"FORBIDDEN", "GRAPHQL_INVALID"}
    assert {p["hub.purpose"] for p in points["hub.policy.denials"]} >= {"matac-tasking", "none"}
    assert {p["hub.audit.outcome"] for p in points["hub.audit.write.duration"]} == {"ok"}
    resources = [r.resource for req in run.received.requests["/v1/metrics"] for r in req.resource_metrics]
    assert {_attrs(r)["service.name"] for r in resources} == {"da-hub"}
    assert len({_attrs(r)["service.instance.id"] for r in resources}) == 1  # one per process: replicas stay apart


def _metric_points(run: Run) -> dict[str, list[dict[str, Any]]]:
    points: dict[str, list[dict[str, Any]]] = {}
    for request in run.received.requests["/v1/metrics"]:
        for resource in request.resource_metrics:
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    data = getattr(metric, metric.WhichOneof("data"))
                    points.setdefault(metric.name, []).extend(_attrs(p) for p in data.data_points)
    return points


def test_nothing_exported_or_logged_holds_personal_data(run: Run) -> None:
    exported: list[str] = []
    for requests in run.received.requests.values():
        for request in requests:
            _strings(request, exported)
    assert len(exported) > 100 and "policy.decide" in exported  # the scan below saw real telemetry
    text = "\n".join(exported) + "\n" + run.log
    for value in run.personal:
        pattern = rf"\b{re.escape(value)}\b" if value.isalpha() else re.escape(value)
        found = re.search(pattern, text)
        assert found is None, f"{value!r} found: ...{text[max(0, found.start() - 80) : found.end() + 80]}..."


def _strings(message: Message, out: list[str]) -> None:
    """Every string in a protobuf message: names, attribute keys and values, events, resources, log bodies."""
    for descriptor, value in message.ListFields():
        values = value if descriptor.is_repeated else [value]
        for item in values:
            if isinstance(item, Message):
                _strings(item, out)
            elif isinstance(item, str):
                out.append(item)
            elif descriptor.name == "bytes_value":  # not the random trace and span ids
                out.append(item.decode("utf-8", "replace"))
