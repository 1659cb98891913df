"""The production audit log: PostgreSQL, append-only by trigger, one chain shared by every hub process.

The same tables and guarantees as the SQLite log: ``events`` (the chain, with a few columns copied out of the body for
auditors' queries), ``event_persons``, ``checkpoints`` and ``head`` (the one mutable row, re-signed in every append's
transaction). Triggers refuse UPDATE, DELETE and TRUNCATE on the first three, and DELETE and TRUNCATE on ``head``. They
stop the hub and careless hands, not the tables' owner, who can disable them: the chain and the signatures catch that.
So run the hub as a role that may only SELECT and INSERT (and UPDATE ``head``) on tables another role owns: the schema
is created only when something is missing, and a complete one is used as it is.

The tables go in the first schema on the search path; keep them apart with ``?options=-csearch_path%3Daudit`` in the
URL. Needs PostgreSQL 14 or later (``CREATE OR REPLACE TRIGGER``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import threading
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from hub.audit.chain import GENESIS, Row, Signed, Verification, link_hash, verify_chain
from hub.audit.events import AuditEvent, utc_text
from hub.audit.filters import query_sql
from hub.audit.port import AuditLog, AuditUnavailable
from hub.audit.signing import SigningKey

SCHEMES = ("postgresql://", "postgres://")

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
    )
)
_TABLES = ("events", "event_persons", "checkpoints", "head")
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

    ``create=False`` opens only an existing trail (for verifying: an empty database would verify as intact).
    ``timeout`` bounds each wait for the connection and for the append lock: past it, the append fails closed.
    """

    def __init__(
        self,
        url: str,
        key: SigningKey,
        *,
        checkpoint_every: int = 1000,
        timeout: float = 10.0,
        create: bool = True,
    ) -> None:
        if checkpoint_every < 1:
            raise ValueError("checkpoint_every must be at least 1")
        self._key, self._every, self._timeout = key, checkpoint_every, timeout
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
                raise AuditUnavailable("there is no audit trail in this database: its tables are missing")
            if guarded < len(_TABLES) and create:
                with conn.transaction():  # hub processes starting together would race to create the same tables
                    conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
                    conn.execute(_DDL)  # no parameters: several statements in one go
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
        # the transaction committed on leaving the block: with synchronous_commit on, the events are on disk
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

    def verify(self) -> Verification:
        # a connection of its own, in one read-only snapshot: appends carry on while a long verification runs
        with _mapped("cannot read the audit trail", connecting=True):
            conn = self._connect(autocommit=False)
        with _mapped("cannot read the audit trail"), conn:
            conn.isolation_level, conn.read_only = psycopg.IsolationLevel.REPEATABLE_READ, True
            head = conn.execute("SELECT seq, hash, signature FROM head").fetchone()
            checkpoints = [Signed(*row) for row in conn.execute("SELECT seq, hash, signature FROM checkpoints")]
            index_bad: list[int] = []
            with conn.cursor(name="audit_chain") as chain:  # server-side: the chain streams, whatever its length
                chain.itersize = 2000
                chain.execute(_CHAIN)
                rows = _checked(chain, index_bad)
                result = verify_chain(rows, checkpoints, head and Signed(*head), self._key.public_key.verify)
        first = next((seq for seq in index_bad if seq < (result.first_bad or 2**62)), None)
        if first is None:
            return result
        reason = "the event's indexed columns or person ids do not match its content"
        return Verification(False, first - 1, result.checkpoints, first, reason)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._conn.close()

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


def _checked(rows: Iterable[tuple[Any, ...]], index_bad: list[int]) -> Iterator[Row]:
    """The chain's rows, noting the first whose copied columns or person ids disagree with its body.

    Checked here rather than with jsonb in SQL: PostgreSQL's JSON types refuse ``\\u0000`` anywhere in a document,
    and a client can put one in an event (its operation name), which would make an intact trail look tampered with.
    """
    for seq, body, prev_hash, hash_, at, subject, agency, purpose, persons in rows:
        if not index_bad and _copied(body) != (at, subject, agency, purpose, set(persons)):
            index_bad.append(seq)
        yield Row(seq, body, prev_hash, hash_)


def _copied(body: str) -> tuple[object, ...] | None:
    try:
        data = json.loads(body)
        return data["at"], data["subject"], data["agency"], data["purpose"], set(data["persons"])
    except (TypeError, ValueError, KeyError, RecursionError):  # not an event's body: it matches no columns
        return None
