"""The one code path to the graph: the official neo4j driver over Bolt, to Neo4j or the embedded ArcadeDB.

``open_graph`` decides which server to talk to, runs the migrations before anything else can write,
and hands out a ``Graph``. Only the ``graph`` package speaks Cypher; driver exceptions are translated
to ``graph.errors`` here.

Cluster-ready (a Neo4j cluster behind a ``neo4j://`` routing URI, or one server on ``bolt://``):

- every statement names its database, so no server-side default or home database is ever assumed;
- reads are routed to readers as auto-commit queries, retried here on transient errors (a read is idempotent);
  writes go to the leader as managed transactions the driver retries on transient errors (a leader switch, a lost
  connection before commit): transaction functions must be safe to run again;
- all reads, writes and transactions share one bookmark manager (the driver's ``execute_query`` one), so a read
  always sees every write this process made before it, whichever cluster member serves it.

Each statement is an OpenTelemetry span (the API alone: whoever runs the graph installs the SDK, or nothing is
recorded) naming the engine, the database and a hash of the Cypher text, never its parameters: they hold the data.
Failures are recorded by exception type only, as driver messages can quote a key or value.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import neo4j
from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind

from graph import embedded, tracing
from graph.errors import GraphUnavailable

T = TypeVar("T")
READ_ATTEMPTS = 3  # a read that meets a transient error is sent again, at most this many times in all
_NO_DATABASE = "Neo.ClientError.Database.DatabaseNotFound"
_tracer = trace.get_tracer("graph")


@dataclass(frozen=True)
class GraphConfig:
    """Where the graph lives. With no ``uri`` the embedded ArcadeDB under ``data_dir`` is used."""

    data_dir: Path
    uri: str | None = None
    user: str = "neo4j"
    password: str | None = field(default=None, repr=False)
    database: str = "neo4j"
    heap: str = "2g"
    # how long the driver keeps retrying a transaction on transient errors: a leader election takes seconds,
    # but a hub request should get its 503 rather than wait the driver's default 30 s
    max_retry_time: float = 15.0


class Graph:
    """A connected graph. Every query names its database (ArcadeDB reuses the last one otherwise)."""

    def __init__(self, driver: neo4j.Driver, database: str, engine: str) -> None:
        self._driver = driver
        # causal chaining: execute_query uses this one by default; sessions are given it explicitly
        self._bookmarks = driver.execute_query_bookmark_manager
        self.database = database
        self.engine = engine
        self.round_trips = 0  # Cypher statements sent by read() and write(): how tests catch N+1 reads

    def read(self, cypher: str, **params: Any) -> list[dict[str, Any]]:
        """One auto-commit query in a read session. An explicit transaction (what ``execute_query`` opens) costs a
        BEGIN and a COMMIT more: on the embedded ArcadeDB that tripled the graph's CPU per network request. The
        session shares the write path's bookmarks, so a read still sees this process's earlier writes behind a
        cluster, and is routed to a reader. The driver retries only transactions: a read is retried here."""
        self.round_trips += 1
        with self._span("read", cypher) as span, _mapped_errors(self.database):
            for attempt in range(READ_ATTEMPTS):
                try:
                    with self._driver.session(
                        database=self.database,
                        default_access_mode=neo4j.READ_ACCESS,
                        bookmark_manager=self._bookmarks,
                    ) as session:
                        rows = [record.data() for record in session.run(cypher, params)]
                    break
                except (neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError) as exc:
                    if attempt + 1 == READ_ATTEMPTS or not exc.is_retryable():
                        raise
                    time.sleep(0.05 * 4**attempt)  # a leader election or a busy server: 50 ms, then 200 ms
            span.set_attribute("db.response.returned_rows", len(rows))
        return rows

    def write(self, cypher: str, **params: Any) -> list[dict[str, Any]]:
        self.round_trips += 1
        with self._span("write", cypher) as span, _mapped_errors(self.database):
            records, _, _ = self._driver.execute_query(
                cypher,
                params,
                database_=self.database,
                routing_=neo4j.RoutingControl.WRITE,
                bookmark_manager_=self._bookmarks,
            )
            span.set_attribute("db.response.returned_rows", len(records))
        return [record.data() for record in records]

    def transaction(self, work: Callable[[neo4j.ManagedTransaction], T]) -> T:
        """Run ``work`` in one write transaction, retried by the driver on transient errors.

        A retry runs ``work`` again from the start in a new transaction (the failed one rolled back), so it must
        touch nothing outside ``tx``. A commit whose answer was lost is not retried (``IncompleteCommit``, raised
        as ``GraphUnavailable``): the caller's re-run must then find what was written (records are keyed)."""
        with (
            self._span("transaction"),
            _mapped_errors(self.database),
            self._driver.session(database=self.database, bookmark_manager=self._bookmarks) as session,
        ):
            return session.execute_write(work)

    @property
    def bookmarks(self) -> frozenset[str]:
        """The bookmarks every next statement waits for: the latest write this process made (tests check them)."""
        return frozenset(self._bookmarks.get_bookmarks())

    def _span(self, operation: str, cypher: str | None = None) -> contextlib.AbstractContextManager[Span]:
        attributes = {"db.system.name": self.engine, "db.namespace": self.database, "db.operation.name": operation}
        if cypher is not None:  # the statement by hash: the same query has the same hash across requests and runs
            attributes["db.query.hash"] = _digest(cypher)
        return tracing.span(_tracer, f"graph.{operation}", attributes, kind=SpanKind.CLIENT)

    def ping(self) -> bool:
        """One auto-commit query to a reader, never retried: readiness must answer fast when the graph is gone.

        Without bookmarks on purpose: it reads no data, and must not wait for a lagging reader to catch up."""
        try:
            with (
                _mapped_errors(self.database),
                self._driver.session(
                    database=self.database, default_access_mode=neo4j.READ_ACCESS, bookmark_manager=None
                ) as session,
            ):
                session.run("RETURN 1 AS ok").consume()
        except (GraphUnavailable, neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError):
            return False
        return True

    def close(self) -> None:
        self._driver.close()


@contextlib.contextmanager
def open_graph(
    config: GraphConfig, *, role: str = "cli", notify: Callable[[str], None] = lambda _m: None
) -> Iterator[Graph]:
    """Connect (starting or attaching to the embedded server if needed) and migrate."""
    from graph.migrations import migrate  # migrations use Graph; imported here to keep the cycle out

    with contextlib.ExitStack() as stack:
        if config.uri:  # bolt:// (one server), neo4j:// (routing), with +s / +ssc for TLS
            driver = neo4j.GraphDatabase.driver(
                config.uri,
                auth=(config.user, config.password or ""),
                connection_timeout=5,
                max_transaction_retry_time=config.max_retry_time,
            )
            graph = Graph(driver, config.database, engine="neo4j")
        else:
            server = stack.enter_context(
                embedded.embedded_server(config.data_dir, role=role, heap=config.heap, notify=notify)
            )
            driver = neo4j.GraphDatabase.driver(
                server.info.uri,
                auth=(embedded.USER, server.password),
                connection_timeout=5,
                max_transaction_retry_time=config.max_retry_time,
            )
            graph = Graph(driver, embedded.DATABASE, engine="arcadedb")
        stack.callback(graph.close)
        migrate(graph)
        yield graph


@functools.lru_cache(maxsize=1024)
def _digest(cypher: str) -> str:
    return hashlib.sha256(cypher.encode()).hexdigest()[:16]


@contextlib.contextmanager
def _mapped_errors(database: str) -> Iterator[None]:
    try:
        yield
    except neo4j.exceptions.IncompleteCommit as exc:
        raise GraphUnavailable("the graph went away while committing: run the same work again") from exc
    except (neo4j.exceptions.ServiceUnavailable, neo4j.exceptions.SessionExpired, OSError) as exc:
        raise GraphUnavailable(f"the graph is unreachable: {exc.__class__.__name__}") from exc
    except neo4j.exceptions.AuthError as exc:
        raise GraphUnavailable("the graph refused the credentials") from exc
    except neo4j.exceptions.ClientError as exc:
        if exc.code == _NO_DATABASE:  # never fall back to another database: say which one is missing
            raise GraphUnavailable(f"the graph has no database {database!r} (NEO4J_DATABASE)") from exc
        raise
