"""What graph access guarantees on any Bolt server: causal reads, a named database, retry-safe writes, routing URIs.

A cluster's routing of reads to followers cannot be seen on one server; what can be checked here is that every
statement carries the process's bookmarks, that nothing runs against a database that was not named, and that the
ingest's transaction work, run again, writes nothing twice.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import neo4j
import pytest

from graph import embedded, records
from graph.errors import GraphUnavailable
from graph.ingest import build_row
from graph.records import Row
from graph.store import Graph, GraphConfig, open_graph
from graph.validation import default_validator
from hub.settings import Settings
from tests.helpers import new_agency

pytestmark = pytest.mark.contract


@pytest.fixture(scope="module")
def served(graph: Graph, data_dir: Path) -> Iterator[GraphConfig]:
    """How to reach the suite's graph server by URI: NEO4J_URI, or the embedded server the suite's hub owns."""
    settings = dataclasses.replace(Settings.from_env(os.environ), data_dir=data_dir)
    if settings.neo4j_uri:
        yield settings.graph_config()
        return
    with embedded.embedded_server(data_dir, role="test") as server:  # attaches: `hub serve` owns it
        assert not server.owned
        yield GraphConfig(
            data_dir=data_dir,
            uri=server.info.uri,
            user=embedded.USER,
            password=server.password,
            database=graph.database,
        )


def test_a_write_in_a_transaction_is_visible_to_the_next_read(graph: Graph) -> None:
    key = uuid.uuid4().hex
    before = graph.bookmarks
    graph.transaction(lambda tx: tx.run("CREATE (:ContractProbe {key: $key})", key=key).consume())
    after = graph.bookmarks
    assert after and after != before  # the transaction's session handed its bookmark to the shared manager
    assert graph.read("MATCH (n:ContractProbe {key: $key}) RETURN count(n) AS n", key=key) == [{"n": 1}]
    graph.write("MATCH (n:ContractProbe {key: $key}) DELETE n", key=key)
    assert graph.bookmarks not in (before, after)  # write() chains through the same manager
    assert graph.read("MATCH (n:ContractProbe {key: $key}) RETURN count(n) AS n", key=key) == [{"n": 0}]


def test_a_database_that_does_not_exist_fails_clearly(served: GraphConfig) -> None:
    missing = dataclasses.replace(served, database=f"nodb{uuid.uuid4().hex[:8]}")
    with pytest.raises(GraphUnavailable, match=f"no database '{missing.database}'"), open_graph(missing):
        pass  # the migrations are the first statements: they must not land in some default database


def test_a_routing_uri_reaches_the_same_graph(graph: Graph, served: GraphConfig) -> None:
    """neo4j:// asks the server for a routing table first (ArcadeDB answers with itself as router, reader, writer)."""
    assert served.uri is not None
    scheme, rest = served.uri.split("://", 1)
    routed = dataclasses.replace(served, uri=f"{scheme.replace('bolt', 'neo4j')}://{rest}")
    key = uuid.uuid4().hex
    with open_graph(routed) as other:
        assert other.ping()
        other.transaction(lambda tx: tx.run("CREATE (:ContractProbe {key: $key})", key=key).consume())
        assert other.read("MATCH (n:ContractProbe {key: $key}) RETURN count(n) AS n", key=key) == [{"n": 1}]
    assert graph.read("MATCH (n:ContractProbe {key: $key}) RETURN count(n) AS n", key=key) == [{"n": 1}]
    graph.write("MATCH (n:ContractProbe {key: $key}) DELETE n", key=key)


def _rows(agency: str) -> tuple[list[Row], list[Row]]:
    validator = default_validator()
    persons = [
        {"type": "person", "agency": agency, "local_id": name, "given_name": name.title(), "family_name": "Kay"}
        for name in ("p1", "p2", "p3")
    ]
    incidents = [
        {
            "type": "incident",
            "agency": agency,
            "local_id": f"i{n}",
            "occurred_at": "2025-03-01T22:10:00Z",
            "category": "physical",
            "perpetrators": ["p1"],
            "victims": [f"p{n}"],
        }
        for n in (2, 3)
    ]
    return [build_row(r, agency, validator) for r in persons], [build_row(r, agency, validator) for r in incidents]


def _counts(graph: Graph, agency: str) -> dict[str, Any]:
    [row] = graph.read(
        "MATCH (n) WHERE n.agency = $agency AND (n:PersonRecord OR n:Incident) "
        "OPTIONAL MATCH (n)-[e]->(:PersonRecord) RETURN count(DISTINCT n) AS nodes, count(e) AS edges",
        agency=agency,
    )
    [subs] = graph.read("MATCH (s:Submission) WHERE s.agency = $agency RETURN count(s) AS n", agency=agency)
    return {**row, "submissions": subs["n"]}


def test_a_retried_transaction_writes_nothing_twice(graph: Graph) -> None:
    """The driver runs a transaction function again after a lost connection: the first attempt rolled back."""
    agency = new_agency()
    persons, _ = _rows(agency)
    now = dt.datetime.now(dt.UTC)
    attempts = []

    def flaky(tx: neo4j.ManagedTransaction) -> records.WriteCounts:
        counts = records._write(tx, persons, submission="s", now=now)
        attempts.append(counts)
        if len(attempts) == 1:  # as if the connection dropped before the commit was sent
            raise neo4j.exceptions.SessionExpired("connection lost (simulated)")
        return counts

    assert graph.transaction(flaky).created == 3
    assert len(attempts) == 2
    assert _counts(graph, agency)["nodes"] == 3


def test_ingest_work_sent_again_after_a_lost_commit_writes_nothing_twice(graph: Graph) -> None:
    """A commit whose answer was lost is not retried by the driver: the ingest's re-run sends the same work again."""
    agency = new_agency()
    persons, incidents = _rows(agency)
    now = dt.datetime.now(dt.UTC)
    once: dict[str, Any] = {}
    for attempt in range(2):
        records.open_submission(graph, submission=f"{agency}-sub", agency=agency, file="f.jsonl", now=now)
        for rows in (persons, incidents):  # assume_new as the first run saw it: nothing was held then
            counts = records.write_batch(graph, rows, submission=f"{agency}-sub", now=now, assume_new=True)
            assert (counts.created, counts.unchanged) == ((len(rows), 0) if attempt == 0 else (0, len(rows)))
        if attempt == 0:
            once = _counts(graph, agency)
    assert once == {"nodes": 5, "edges": 4, "submissions": 1}
    assert _counts(graph, agency) == once


def test_ping_is_false_for_a_database_that_does_not_exist(served: GraphConfig) -> None:
    missing = dataclasses.replace(served, database=f"nodb{uuid.uuid4().hex[:8]}")
    assert missing.uri is not None
    with contextlib.closing(neo4j.GraphDatabase.driver(missing.uri, auth=(missing.user, missing.password))) as driver:
        assert not Graph(driver, missing.database, engine="test").ping()
