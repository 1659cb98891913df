"""The production audit log: PostgreSQL, append-only by trigger, one chain shared by every hub process.

The same tables and guarantees as the SQLite log: ``events`` (the chain, with a few columns copied out of the body for
auditors' queries), ``event_persons``, ``checkpoints``, ``head`` (the chain's one mutable row, re-signed in every
append's transaction), ``tree_nodes`` (the Merkle tree's perfect subtrees) and ``tree_head`` (the latest signed tree
head, renewed in every append's transaction). Triggers refuse UPDATE, DELETE and TRUNCATE on the append-only tables,
and DELETE and TRUNCATE on the two heads. They stop the hub and careless hands, not the tables' owner, who can disable
them: the chain, the tree and the signatures catch that, and signed tree heads kept elsewhere catch even the owner's
rewrite. So run the hub as a role that may only SELECT and INSERT (and UPDATE ``head`` and ``tree_head``) on tables
another role owns: the schema is created only when something is missing, and a complete one is used as it is.

The tables go in the first schema on the search path; keep them apart with ``?options=-csearch_path%3Daudit`` in the
URL. Needs PostgreSQL 14 or later (``CREATE OR REPLACE TRIGGER``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import math
import threading
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from hub.audit import merkle
from hub.audit.chain import GENESIS, Row, Signed, Verification, link_hash, verify_chain
from hub.audit.events import AuditEvent, utc_text
from hub.audit.filters import query_sql
from hub.audit.heads import TreeHead
from hub.audit.port import AuditLog, AuditUnavailable
from hub.audit.signing import SigningKey, VerifyKey
from hub.audit.tree import TreeAudit, conclude, leaf_of
from hub.audit.witness import Publisher

SCHEMES = ("postgresql://", "postgres://")
_logger = logging.getLogger("hub.audit")

# ``at`` is the event's canonical UTC text, as in SQLite; the "C" collation makes text order time order
_DDL = """
CREATE TABLE IF NOT EXISTS events (seq bigint PRIMARY KEY, at text COLLATE "C" NOT NULL, subject text NOT NULL,
    agency text NOT NULL, purpose text, body text NOT NULL, prev_hash text NOT NULL, hash text NOT NULL);
CREATE INDEX IF NOT EXISTS events_at ON events (at);
CREATE INDEX IF NOT EXISTS events_subject ON events (subject, seq);
CREATE INDEX IF NOT EXISTS events_agency ON events (agency, seq);
CREATE INDEX IF NOT EXISTS events_purpose ON events (purpose, seq);
CREATE TABLE IF NOT EXISTS event_persons (seq bigint NOT NULL, person text NOT NULL, PRIMARY KEY (seq, person));
CREATE INDEX IF NOT EXISTS event_persons_person ON event_persons (person, seq);
CREATE TABLE IF NOT EXISTS checkpoints (seq bigint PRIMARY KEY, hash text NOT NULL, signature bytea NOT NULL,
    at timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS head (id int PRIMARY KEY CHECK (id = 1), seq bigint NOT NULL, hash text NOT NULL,
    signature bytea NOT NULL, at timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS tree_nodes (size bigint NOT NULL, level int NOT NULL, hash bytea NOT NULL,
    PRIMARY KEY (size, level));
CREATE TABLE IF NOT EXISTS tree_head (id int PRIMARY KEY CHECK (id = 1), size bigint NOT NULL, root bytea NOT NULL,
    at text NOT NULL, key_id text NOT NULL, signature bytea NOT NULL);
CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'the audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME; END $$;
""" + "".join(
    f"CREATE OR REPLACE TRIGGER append_only BEFORE {verbs} ON {table} FOR EACH STATEMENT"
    " EXECUTE FUNCTION audit_append_only();\n"
    for table, verbs in (
        ("events", "UPDATE OR DELETE OR TRUNCATE"),
        ("event_persons", "UPDATE OR DELETE OR TRUNCATE"),
        ("checkpoints", "UPDATE OR DELETE OR TRUNCATE"),
        ("head", "DELETE OR TRUNCATE"),  # re-signed in place on every append
        ("tree_nodes", "UPDATE OR DELETE OR TRUNCATE"),
        ("tree_head", "DELETE OR TRUNCATE"),  # re-signed in place on every append
    )
)
_CHAIN_TABLES = ("events", "event_persons", "checkpoints", "head")
_TABLES = (*_CHAIN_TABLES, "tree_nodes", "tree_head")
# how many of the tables exist, and how many of them carry the append-only trigger
_PRESENT = """SELECT count(t), count(*) FILTER (WHERE EXISTS (SELECT FROM pg_trigger g
    WHERE g.tgrelid = t AND g.tgname = 'append_only')) FROM unnest(%s::text[]) AS name, to_regclass(name) AS t"""
# transaction-scoped advisory locks, the same in every hub process: one for creating the schema, one for appending
_SCHEMA_LOCK, _APPEND_LOCK = 0x6875_6261_7564_0001, 0x6875_6261_7564_0002
_INSERT_EVENT = """INSERT INTO events (seq, at, subject, agency, purpose, body, prev_hash, hash)
    VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"""
_INSERT_PERSON = "INSERT INTO event_persons (seq, person) VALUES (%s, %s)"
_STORE_CHECKPOINT = "INSERT INTO checkpoints (seq, hash, signature) VALUES (%s, %s, %s) ON CONFLICT (seq) DO NOTHING"
_STORE_HEAD = """INSERT INTO head (id, seq, hash, signature) VALUES (1, %s, %s, %s) ON CONFLICT (id)
    DO UPDATE SET seq = excluded.seq, hash = excluded.hash, signature = excluded.signature, at = now()"""
_STORE_NODE = "INSERT INTO tree_nodes (size, level, hash) VALUES (%s, %s, %s)"
_STORE_TREE_HEAD = """INSERT INTO tree_head (id, size, root, at, key_id, signature) VALUES (1, %s, %s, %s, %s, %s)
    ON CONFLICT (id) DO UPDATE SET size = excluded.size, root = excluded.root, at = excluded.at,
    key_id = excluded.key_id, signature = excluded.signature"""
_NODES = """SELECT n.size, n.level, n.hash FROM tree_nodes n
    JOIN unnest(%s::bigint[], %s::int[]) AS k(size, level) ON n.size = k.size AND n.level = k.level"""
# the chain in order, with the copied columns and person ids that ``verify`` checks against each body
_CHAIN = """SELECT e.seq, e.body, e.prev_hash, e.hash, e.at, e.subject, e.agency, e.purpose,
    ARRAY(SELECT p.person FROM event_persons p WHERE p.seq = e.seq) FROM events e ORDER BY e.seq"""


@contextlib.contextmanager
def _mapped(what: str, *, connecting: bool = False) -> Iterator[None]:
    """Driver errors become AuditUnavailable. A server's message can quote a statement's values, so only the error's
    class and SQLSTATE are kept; a failed connection's message says where and why, and quotes no event."""
    try:
        yield
    except psycopg.Error as exc:
        detail = type(exc).__name__ + (f" ({exc.sqlstate})" if exc.sqlstate else "")
        if connecting and isinstance(exc, psycopg.OperationalError):
            detail += ": " + " ".join(str(exc).split())
        raise AuditUnavailable(f"{what}: {detail}") from exc


class PostgresAuditLog(AuditLog):
    """Thread-safe: one connection behind a lock. Processes sharing the database serialise on an advisory lock.

    ``create=False`` opens only an existing trail (for verifying: an empty database would verify as intact) and
    changes nothing; with ``create`` a trail written before the Merkle tree existed gets its tree built on open.
    ``timeout`` bounds each wait for the connection and for the append lock: past it, the append fails closed.
    ``publisher`` is offered each new signed tree head once it is durable (for a witness), and closed with the log.
    """

    def __init__(
        self,
        url: str,
        key: SigningKey,
        *,
        checkpoint_every: int = 1000,
        timeout: float = 10.0,
        create: bool = True,
        publisher: Publisher | None = None,
    ) -> None:
        if checkpoint_every < 1:
            raise ValueError("checkpoint_every must be at least 1")
        self._key, self._every, self._timeout = key, checkpoint_every, timeout
        self._publisher = publisher
        self._lock = threading.Lock()
        self._closed = False
        with _mapped("cannot open the PostgreSQL audit trail", connecting=True):
            wait = {} if "connect_timeout" in conninfo_to_dict(url) else {"connect_timeout": max(2, math.ceil(timeout))}
            self._conninfo = make_conninfo(url, **wait)
            conn = self._connect()
        with contextlib.ExitStack() as on_error, _mapped("cannot set up the PostgreSQL audit trail"):
            on_error.callback(conn.close)
            tables, guarded = _fetch(conn, _PRESENT, (list(_TABLES),))
            if tables < len(_TABLES) and not create:
                chain, _ = _fetch(conn, _PRESENT, (list(_CHAIN_TABLES),))
                if chain == len(_CHAIN_TABLES):
                    raise AuditUnavailable("this trail has no Merkle tree yet: start the hub once to build it")
                raise AuditUnavailable("there is no audit trail in this database: its tables are missing")
            if guarded < len(_TABLES) and create:
                with conn.transaction():  # hub processes starting together would race to create the same tables
                    conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
                    conn.execute(_DDL)  # no parameters: several statements in one go
            if create:
                self._build_tree(conn)
            on_error.pop_all()
        self._conn = conn

    def append(self, events: Sequence[AuditEvent]) -> list[int]:
        bodies = [(event, event.to_json()) for event in events]
        if not bodies:
            return []
        with self._lock, _mapped("audit write failed"), self._session() as conn, conn.transaction():
            # every writer queues here, so each reads the last hash only after the previous append committed. Not
            # SELECT ... FROM head FOR UPDATE: there is no head row to lock before the first append. Not LOCK TABLE
            # head IN EXCLUSIVE MODE: that also waits for autovacuum, which is often busy with the one hot row
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_APPEND_LOCK,))
            last = conn.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
            seq, last_hash = (last[0], last[1]) if last else (0, GENESIS)
            first = seq + 1
            tops = _tops(conn, seq)
            nodes = list(merkle.append(seq, tops, [leaf_of(body) for _, body in bodies]))
            head = self._key.sign_head(seq + len(bodies), merkle.fold(tops))
            rows: list[tuple[Any, ...]] = []
            persons: list[tuple[int, str]] = []
            checkpoints: list[Signed] = []
            for event, body in bodies:
                seq, prev_hash = seq + 1, last_hash
                last_hash = link_hash(prev_hash, seq, body)
                copied = (utc_text(event.at), event.subject, event.agency, event.purpose)
                rows.append((seq, *copied, body, prev_hash, last_hash))
                persons += [(seq, person) for person in dict.fromkeys(event.persons)]
                if seq % self._every == 0:
                    checkpoints.append(self._key.sign(seq, last_hash))
            with conn.cursor() as cursor:  # executemany pipelines its rows: one round trip per statement, not per row
                cursor.executemany(_INSERT_EVENT, rows)
                cursor.executemany(_INSERT_PERSON, persons)
                cursor.executemany(_STORE_CHECKPOINT, checkpoints)
                cursor.execute(_STORE_HEAD, self._key.sign(seq, last_hash))
                cursor.executemany(_STORE_NODE, nodes)
                cursor.execute(_STORE_TREE_HEAD, _head_row(head))
        # the transaction committed on leaving the block: with synchronous_commit on, the events are on disk
        if self._publisher is not None:
            self._publisher.offer(head)  # never blocks: the witness is written from a thread of its own
        return list(range(first, seq + 1))

    def checkpoint(self) -> int | None:
        with self._lock, _mapped("audit checkpoint failed"), self._session() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_APPEND_LOCK,))
            last = conn.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
            if last:
                conn.execute(_STORE_CHECKPOINT, self._key.sign(last[0], last[1]))
        return last[0] if last else None

    def query(
        self,
        *,
        person: str | None = None,
        subject: str | None = None,
        agency: str | None = None,
        purpose: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        limit: int = 100,
        after_seq: int | None = None,
    ) -> list[tuple[int, AuditEvent]]:
        sql, params = query_sql(
            "%s",
            person=person,
            subject=subject,
            agency=agency,
            purpose=purpose,
            since=since,
            until=until,
            limit=limit,
            after_seq=after_seq,
        )
        with self._lock, _mapped("audit query failed"), self._session() as conn:
            rows = conn.execute(sql, params).fetchall()
        return [(seq, AuditEvent.from_json(body)) for seq, body in rows]

    def verify(self, checkpoints: Sequence[tuple[str, TreeHead]] = ()) -> Verification:
        # a connection of its own, in one read-only snapshot: appends carry on while a long verification runs
        key = self._key.public_key
        with _mapped("cannot read the audit trail", connecting=True):
            conn = self._connect(autocommit=False)
        with _mapped("cannot read the audit trail"), conn:
            conn.isolation_level, conn.read_only = psycopg.IsolationLevel.REPEATABLE_READ, True
            head = conn.execute("SELECT seq, hash, signature FROM head").fetchone()
            signed = [Signed(*row) for row in conn.execute("SELECT seq, hash, signature FROM checkpoints")]
            tree_head = _tree_head(conn)
            index_bad: list[int] = []
            # server-side cursors: the chain and the tree stream, whatever their length
            with conn.cursor(name="audit_chain") as chain, conn.cursor(name="audit_tree") as nodes:
                chain.itersize = nodes.itersize = 2000
                nodes.execute("SELECT size, level, hash FROM tree_nodes ORDER BY size, level")
                sizes = [head.size for _, head in checkpoints] + ([tree_head.size] if tree_head else [])
                audit = TreeAudit(nodes, sizes)
                chain.execute(_CHAIN)
                rows = _checked(chain, index_bad, audit)
                result = verify_chain(rows, signed, head and Signed(*head), key.verify)
                for _ in rows:  # the rest of the events, past a bad position: the tree is rebuilt from all of them
                    pass
        first = next((seq for seq in index_bad if seq < (result.first_bad or 2**62)), None)
        return conclude(result, first, audit, tree_head, checkpoints, key)

    def tree_head(self) -> TreeHead | None:
        with self._lock, _mapped("cannot read the signed tree head"), self._session() as conn:
            return _tree_head(conn)

    @property
    def public_key(self) -> VerifyKey:
        return self._key.public_key

    def _proof(self, ranges: list[merkle.Range], size: int) -> list[bytes]:
        with self._lock, _mapped("cannot read the Merkle tree"), self._session() as conn:
            stored = _nodes(conn, merkle.nodes_for(ranges))
        try:
            return merkle.range_hashes(ranges, stored)
        except KeyError as exc:
            raise AuditUnavailable(f"the Merkle tree has no node for size {size}: run hub audit verify") from exc

    def _build_tree(self, conn: psycopg.Connection[Any]) -> None:
        """Build the tree of a trail written before it existed (no tree head, no nodes), in one transaction."""
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_APPEND_LOCK,))
            if conn.execute("SELECT 1 FROM tree_head UNION ALL SELECT 1 FROM tree_nodes LIMIT 1").fetchone():
                return
            last = conn.execute("SELECT max(seq) FROM events").fetchone()
            size = int(last[0] or 0) if last else 0
            if not size:
                return
            _logger.warning("building the Merkle tree of the %d events written before it existed", size)
            tops: list[bytes] = []
            with conn.cursor() as cursor:
                for start in range(0, size, 10_000):
                    bodies = conn.execute(
                        "SELECT body FROM events WHERE seq > %s ORDER BY seq LIMIT 10000", (start,)
                    ).fetchall()
                    cursor.executemany(_STORE_NODE, list(merkle.append(start, tops, [leaf_of(b) for (b,) in bodies])))
                cursor.execute(_STORE_TREE_HEAD, _head_row(self._key.sign_head(size, merkle.fold(tops))))

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._conn.close()
        if self._publisher is not None:
            self._publisher.close()

    def _connect(self, *, autocommit: bool = True) -> psycopg.Connection[Any]:
        conn = psycopg.connect(self._conninfo, autocommit=autocommit)
        if autocommit:  # the writing connection; the verifier's must not start its transaction here
            with contextlib.ExitStack() as on_error:
                on_error.callback(conn.close)
                conn.execute("SELECT set_config('lock_timeout', %s, false)", (f"{math.ceil(self._timeout * 1000)}ms",))
                if _fetch(conn, "SHOW synchronous_commit") == ("off",):  # the others flush before COMMIT returns
                    conn.execute("SET synchronous_commit = on")
                on_error.pop_all()
        return conn

    @contextlib.contextmanager
    def _session(self) -> Iterator[psycopg.Connection[Any]]:
        if self._closed:
            raise AuditUnavailable("the audit trail is closed")
        if self._conn.closed:  # lost to a restart or a failover: this call reconnects instead of failing for good
            with _mapped("cannot reconnect to the PostgreSQL audit trail", connecting=True):
                self._conn = self._connect()
        yield self._conn


def _fetch(conn: psycopg.Connection[Any], sql: str, params: Sequence[object] = ()) -> tuple[Any, ...]:
    row = conn.execute(sql, params).fetchone()
    assert row is not None, "the statement returns one row"
    return tuple(row)


def _nodes(conn: psycopg.Connection[Any], keys: Iterable[merkle.Node]) -> dict[merkle.Node, bytes]:
    keys = list(keys)
    if not keys:
        return {}
    rows = conn.execute(_NODES, ([size for size, _ in keys], [level for _, level in keys])).fetchall()
    return {(size, level): bytes(value) for size, level, value in rows}


def _tops(conn: psycopg.Connection[Any], size: int) -> list[bytes]:
    keys = merkle.frontier(size)
    found = _nodes(conn, keys)
    if len(found) != len(keys):
        raise AuditUnavailable("the Merkle tree is damaged or behind the events: run hub audit verify")
    return [found[key] for key in keys]


def _head_row(head: TreeHead) -> tuple[object, ...]:
    return head.size, head.root, head.timestamp, head.key_id, head.signature


def _tree_head(conn: psycopg.Connection[Any]) -> TreeHead | None:
    row = conn.execute("SELECT size, root, at, key_id, signature FROM tree_head").fetchone()
    return None if row is None else TreeHead(row[0], bytes(row[1]), row[2], row[3], bytes(row[4]))


def _checked(rows: Iterable[tuple[Any, ...]], index_bad: list[int], audit: TreeAudit) -> Iterator[Row]:
    """The chain's rows, noting the first whose copied columns or person ids disagree with its body, and feeding each
    body to the rebuilt Merkle tree.

    Checked here rather than with jsonb in SQL: PostgreSQL's JSON types refuse ``\\u0000`` anywhere in a document,
    and a client can put one in an event (its operation name), which would make an intact trail look tampered with.
    """
    for seq, body, prev_hash, hash_, at, subject, agency, purpose, persons in rows:
        if not index_bad and _copied(body) != (at, subject, agency, purpose, set(persons)):
            index_bad.append(seq)
        audit.add(body)
        yield Row(seq, body, prev_hash, hash_)


def _copied(body: str) -> tuple[object, ...] | None:
    try:
        data = json.loads(body)
        return data["at"], data["subject"], data["agency"], data["purpose"], set(data["persons"])
    except (TypeError, ValueError, KeyError, RecursionError):  # not an event's body: it matches no columns
        return None
