"""Safety limits over HTTP: document limits, production mode, trusted documents; every refusal coded and audited.

A second `hub serve` runs in production mode with small limits and a trusted document manifest for one registered
partner client; the session server runs in development mode with the default limits.
"""

from __future__ import annotations

import json
import secrets
import statistics
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.schema.trusted import sha256
from hub.settings import QueryLimits
from tests.helpers import HUB, free_port, hub_env, run_hub, serve_log, start_serve, stop

LISTED = "query Hub { hub { version } }"
DEEP = "{ matacNominations(top: 1) { nominations { records { agency } } } }"  # 4 levels
COSTLY = "{ auditEvents(first: 60) { events { subject } } }"  # 1 page + 60 events
ALIASED = "{ a: hub { version } b: hub { version } c: hub { version } d: hub { version } }"
LARGE = "{ hub { version" + " version" * 60 + " } }"
INTROSPECTION = "{ __schema { queryType { name } } }"


@dataclass
class Production:
    base: str
    data_dir: Path
    client_id: str
    client_token: str


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Production]:
    data_dir = tmp_path_factory.mktemp("production")
    added = run_hub(data_dir, "clients", "add", "--agency", "probation", "--role", "partner", "--format", "json")
    assert added.returncode == 0, added.stderr
    client = json.loads(added.stdout)
    manifest = data_dir.parent / "manifest.json"
    operations = [{"id": sha256(LISTED), "name": "Hub", "type": "query", "body": LISTED}]
    manifest.write_text(
        json.dumps({"format": "apollo-persisted-query-manifest", "version": 1, "operations": operations})
    )
    env = {
        "HUB_MODE": "production",
        "HUB_MAX_DEPTH": "3",
        "HUB_MAX_TOKENS": "60",
        "HUB_MAX_ALIASES": "3",
        "HUB_MAX_COST": "50",
        "HUB_TRUSTED_DOCUMENTS": str(manifest),
        "HUB_TRUSTED_CLIENTS": client["client_id"],
        "HUB_GRAPH_HEAP": "512m",
        "HUB_AUDIT_SIGNING_KEY": str(audit_key(data_dir)),  # production refuses a key inside the data directory
    }
    port = free_port()
    process = start_serve(data_dir, port, **env)
    base = f"http://127.0.0.1:{port}"
    try:
        issued = httpx.post(
            f"{base}/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(client["client_id"], client["client_secret"]),
        )
        assert issued.status_code == 200, issued.text
        yield Production(base, data_dir, client["client_id"], issued.json()["access_token"])
    finally:
        stop(process)
    assert "Traceback" not in serve_log(data_dir, port).read_text()


def post(base: str, body: dict[str, Any], token: str | None = None) -> tuple[str, dict[str, Any]]:
    """Send one request under a fresh trace id; returns the trace id (to find its audit event) and the body."""
    trace = secrets.token_hex(16)
    headers = {"traceparent": f"00-{trace}-{secrets.token_hex(8)}-01"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    response = httpx.post(f"{base}/graphql", json=body, headers=headers, timeout=60)
    assert response.status_code == 200, response.text
    assert "Traceback" not in response.text and 'File "' not in response.text
    return trace, response.json()


def assert_refused(body: dict[str, Any], code: str) -> None:
    assert body.get("data") is None, body
    (error,) = body["errors"]
    assert error["extensions"] == {"code": code}, body
    assert set(error) <= {"message", "locations", "extensions"}, body  # no path, no data, no stack


def audit_key(data_dir: Path) -> Path:
    return data_dir.parent / f"{data_dir.name}-keys" / "audit-signing.key"


def audited(data_dir: Path) -> dict[str, dict[str, Any]]:
    """The audit events of the hub on ``data_dir`` by trace id; its key is outside it when it runs in production."""
    key = audit_key(data_dir)
    env = hub_env(data_dir, HUB_AUDIT_SIGNING_KEY=str(key)) if key.exists() else hub_env(data_dir)
    args = [HUB, "audit", "events", "--limit", "100000", "--format", "jsonl"]
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr
    events = (json.loads(line) for line in done.stdout.splitlines())
    return {e["trace_id"]: e for e in events}


def test_limits_refuse_with_their_codes_and_are_audited(production: Production) -> None:
    refused = {}
    for query, code in (
        (DEEP, "QUERY_TOO_DEEP"),
        (COSTLY, "QUERY_TOO_COSTLY"),
        (ALIASED, "TOO_MANY_ALIASES"),
        (LARGE, "QUERY_TOO_LARGE"),
    ):
        trace, body = post(production.base, {"query": query})
        assert_refused(body, code)
        refused[trace] = code
    _, within = post(production.base, {"query": "{ a: hub { version } b: hub { graphEngine } }"})
    assert "errors" not in within and within["data"]["a"]["version"]
    events = audited(production.data_dir)
    for trace, code in refused.items():
        assert f"error: {code}" in events[trace]["reasons"], events[trace]
        assert events[trace]["persons"] == [] and events[trace]["fields"] == []


def test_default_limits_refuse_abuse_but_not_the_suites_queries(server: str) -> None:
    aliases = " ".join(f"a{i}: hub {{ version }}" for i in range(31))
    _, body = post(server, {"query": f"{{ {aliases} }}"})
    assert_refused(body, "TOO_MANY_ALIASES")
    _, body = post(server, {"query": "{ auditEvents(first: 100000) { events { subject } } }"})
    assert_refused(body, "QUERY_TOO_COSTLY")
    _, body = post(server, {"query": "{ hub { version" + " version" * 2000 + " } }"})
    assert_refused(body, "QUERY_TOO_LARGE")
    _, body = post(server, {"query": "{ hub { version } "})
    assert_refused(body, "GRAPHQL_INVALID")


def test_production_refuses_introspection_and_serves_no_graphiql(production: Production, server: str) -> None:
    for query in (INTROSPECTION, '{ __type(name: "Person") { name } }'):
        _, body = post(production.base, {"query": query})
        assert_refused(body, "INTROSPECTION_DISABLED")
    _, service = post(production.base, {"query": "{ _service { sdl } __typename }"})  # gateways still compose
    assert "type Person" in service["data"]["_service"]["sdl"]
    page = {"accept": "text/html"}
    assert httpx.get(f"{production.base}/graphql", headers=page).status_code == 404
    development = httpx.get(f"{server}/graphql", headers=page)
    # the hub's own GraphiQL build (make ui; tests/e2e/test_web.py)
    assert development.status_code == 200 and "graphiql" in development.text.lower()
    _, body = post(server, {"query": INTROSPECTION})
    assert body["data"]["__schema"]["queryType"]["name"] == "Query"


def test_trusted_documents_for_a_listed_client(production: Production) -> None:
    by_hash = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha256(LISTED)}}}
    _, body = post(production.base, by_hash, production.client_token)
    assert "errors" not in body and body["data"]["hub"]["version"]
    _, body = post(production.base, {"query": LISTED}, production.client_token)  # the listed text itself
    assert "errors" not in body
    free, body = post(production.base, {"query": "{ hub { graphEngine } }"}, production.client_token)
    assert_refused(body, "TRUSTED_DOCUMENT_REQUIRED")
    unknown, body = post(
        production.base,
        {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}},
        production.client_token,
    )
    assert_refused(body, "PERSISTED_QUERY_NOT_FOUND")
    _, body = post(production.base, {"query": "{ hub { graphEngine } }"})  # callers not listed may still ask freely
    assert body["data"]["hub"]["graphEngine"]
    events = audited(production.data_dir)
    for trace, code in ((free, "TRUSTED_DOCUMENT_REQUIRED"), (unknown, "PERSISTED_QUERY_NOT_FOUND")):
        assert events[trace]["client"] == production.client_id
        assert f"error: {code}" in events[trace]["reasons"]


TYPOS = [  # (document, variables, the name a suggestion would give away)
    ("{ peple { totalCount } }", None, "people"),
    ("{ people(fist: 5) { totalCount } }", None, "first"),
    ("{ incidents(orderBy: OCCURED_AT_DESC) { totalCount } }", None, "OCCURRED_AT"),
    ("{ hub { versio } }", None, "version"),
    ("{ ... on Qury { hub { version } } }", None, "'Query'"),
    ("query Q($f: PeopleFilte) { people(filter: $f) { totalCount } }", None, "PeopleFilter"),
    ("{ hub }", None, "hub {"),
]  # variables that do not coerce make suggestions too: tests/unit/test_limits.py (they are INTERNAL errors today)


def test_no_suggestions_in_production(production: Production, server: str) -> None:
    suggested = 0
    for document, variables, name in TYPOS:
        _, development = post(server, {"query": document, "variables": variables})
        suggested += any("Did you mean" in e["message"] for e in development["errors"])
        _, body = post(production.base, {"query": document, "variables": variables})
        assert body.get("data") is None and body["errors"], body
        for error in body["errors"]:
            assert "Did you mean" not in error["message"] and name not in error["message"], (document, error)
    assert suggested >= 7, "development mode keeps its suggestions, for GraphiQL"


def test_a_variable_of_the_wrong_shape_is_graphql_invalid_not_internal(server: str) -> None:
    document = "query Q($f: PeopleFilter) { people(filter: $f) { totalCount } }"
    for variables in ({"f": {"familyNam": "x"}}, {"f": {"agency": 7}}, {"f": "not an object"}):
        _, body = post(server, {"query": document, "variables": variables})
        assert body.get("data") is None and body["errors"], body
        assert {e["extensions"]["code"] for e in body["errors"]} == {"GRAPHQL_INVALID"}, body


def test_introspection_counts_against_cost(server: str) -> None:
    from tests.unit.test_limits import full_introspection

    _, body = post(server, {"query": full_introspection()})  # what GraphiQL asks on opening: runs
    assert "errors" not in body and len(body["data"]["__schema"]["types"]) > 50
    started = time.perf_counter()
    _, body = post(server, {"query": full_introspection(50)})
    assert_refused(body, "TOO_MANY_ALIASES")
    _, body = post(server, {"query": full_introspection(15)})
    assert_refused(body, "QUERY_TOO_COSTLY")
    assert time.perf_counter() - started < 2, "refused before they run"


def test_healthz_stays_responsive_while_graphql_works(server: str) -> None:
    """As many copies of the schema's description as the cost limit admits (eight or nine, as the schema grows) take
    a good part of a second to put together; /healthz is answered meanwhile, not after them (the operations run off
    the server's event loop)."""
    from tests.unit.test_limits import full_introspection, measured

    copies = max(n for n in range(1, 16) if measured(full_introspection(n)).cost <= QueryLimits().cost)
    heavy = {"query": full_introspection(copies)}
    durations: list[float] = []
    done = threading.Event()

    def work() -> None:
        with httpx.Client(timeout=60) as client:
            for _ in range(3):
                started = time.perf_counter()
                assert client.post(f"{server}/graphql", json=heavy).status_code == 200
                durations.append(time.perf_counter() - started)
        done.set()

    healthz: list[float] = []
    with httpx.Client(timeout=60) as client:
        client.get(f"{server}/healthz")
        workers = [threading.Thread(target=work) for _ in range(2)]
        for worker in workers:
            worker.start()
        while not done.is_set():
            started = time.perf_counter()
            assert client.get(f"{server}/healthz").status_code == 200
            healthz.append(time.perf_counter() - started)
            time.sleep(0.01)
        for worker in workers:
            worker.join()
    assert len(healthz) > 10
    # generous, the machine is shared: a stalled loop would hold /healthz for as long as a whole heavy request
    assert statistics.median(healthz) < 0.1 and max(healthz) < 0.5 * statistics.median(durations), (healthz, durations)
