"""The default audit log: one SQLite file in WAL mode, ``synchronous=FULL``, append-only by trigger.

Tables: ``events`` (the chain, with a few columns copied out of the body for auditors' queries), ``event_persons``
(person id -> position), ``checkpoints`` (signed every N events and on demand) and ``head`` (one row: the latest
position, re-signed in every append's transaction). Copied columns are not trusted: ``verify`` checks them against
the hashed body, so editing an index cannot hide an event from a query without being reported.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

from hub.audit.chain import GENESIS, Row, Signed, Verification, link_hash, verify_chain
from hub.audit.events import AuditEvent, utc_text
from hub.audit.filters import query_sql
from hub.audit.port import AuditLog, AuditUnavailable
from hub.audit.signing import SigningKey

_SCHEMA = """
BEGIN IMMEDIATE;
CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, at TEXT NOT NULL, subject TEXT NOT NULL,
    agency TEXT NOT NULL, purpose TEXT, body TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS events_at ON events (at);
CREATE INDEX IF NOT EXISTS events_subject ON events (subject, seq);
CREATE INDEX IF NOT EXISTS events_agency ON events (agency, seq);
CREATE INDEX IF NOT EXISTS events_purpose ON events (purpose, seq);
CREATE TABLE IF NOT EXISTS event_persons (person TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (person, seq))
    WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS checkpoints (seq INTEGER PRIMARY KEY, hash TEXT NOT NULL, signature BLOB NOT NULL,
    at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS head (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL,
    signature BLOB NOT NULL, at TEXT NOT NULL);
{triggers}
COMMIT;
"""
_TRIGGER = """CREATE TRIGGER IF NOT EXISTS {table}_no_{verb} BEFORE {verb} ON {table}
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;"""
_APPEND_ONLY = ("events", "event_persons", "checkpoints")
_DDL = _SCHEMA.format(
    triggers="\n".join(_TRIGGER.format(table=t, verb=v) for t in _APPEND_ONLY for v in ("UPDATE", "DELETE"))
)

# copied columns and person rows that disagree with the hashed body, below a position (:below)
_INDEX_CHECKS = (
    """SELECT min(seq) FROM events WHERE seq < :below AND (at IS NOT json_extract(body, '$.at')
        OR subject IS NOT json_extract(body, '$.subject') OR agency IS NOT json_extract(body, '$.agency')
        OR purpose IS NOT json_extract(body, '$.purpose'))""",
    """SELECT min(seq) FROM (SELECT e.seq, j.value FROM events e, json_each(e.body, '$.persons') j
        WHERE e.seq < :below EXCEPT SELECT seq, person FROM event_persons)""",
    """SELECT min(seq) FROM (SELECT seq, person FROM event_persons WHERE seq < :below
        EXCEPT SELECT e.seq, j.value FROM events e, json_each(e.body, '$.persons') j WHERE e.seq < :below)""",
)

_STORE = {
    "checkpoints": "INSERT OR IGNORE INTO checkpoints (seq, hash, signature, at) VALUES (?, ?, ?, ?)",
    # the one mutable row, replaced in the same transaction as the events it covers
    "head": "INSERT OR REPLACE INTO head (id, seq, hash, signature, at) VALUES (1, ?, ?, ?, ?)",
}


@contextlib.contextmanager
def _mapped(what: str) -> Iterator[None]:
    """Storage errors become AuditUnavailable, the one error callers handle (by refusing the request)."""
    try:
        yield
    except (sqlite3.Error, OSError) as exc:
        raise AuditUnavailable(f"{what}: {type(exc).__name__}: {exc}") from exc


class SqliteAuditLog(AuditLog):
    """Thread-safe: one connection behind a lock. Processes sharing the file serialise on ``BEGIN IMMEDIATE``."""

    def __init__(self, path: Path, key: SigningKey, *, checkpoint_every: int = 1000, timeout: float = 10.0) -> None:
        if checkpoint_every < 1:
            raise ValueError("checkpoint_every must be at least 1")
        self._path, self._key, self._every = Path(path).absolute(), key, checkpoint_every
        self._lock = threading.Lock()
        with _mapped(f"cannot open the audit trail {self._path}"):
            conn = sqlite3.connect(self._path, timeout=timeout, isolation_level=None, check_same_thread=False)
            try:
                if conn.execute("PRAGMA journal_mode=WAL").fetchone()[0] != "wal":
                    raise AuditUnavailable(f"the audit trail {self._path} cannot use a write-ahead log")
                conn.execute("PRAGMA synchronous=FULL")
                conn.executescript(_DDL)
                self._file = _identity(self._path)
            except BaseException:
                conn.close()
                raise
        self._conn = conn

    def append(self, events: Sequence[AuditEvent]) -> list[int]:
        bodies = [(event, event.to_json()) for event in events]
        if not bodies:
            return []
        with self._lock, _mapped("audit write failed"), self._transaction():
            seq, last_hash = self._last()
            first = seq + 1
            for event, body in bodies:
                seq, prev_hash = seq + 1, last_hash
                last_hash = link_hash(prev_hash, seq, body)
                self._conn.execute(
                    "INSERT INTO events (seq, at, subject, agency, purpose, body, prev_hash, hash)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (seq, utc_text(event.at), event.subject, event.agency, event.purpose, body, prev_hash, last_hash),
                )
                self._conn.executemany(
                    "INSERT INTO event_persons (person, seq) VALUES (?, ?)",
                    [(person, seq) for person in dict.fromkeys(event.persons)],
                )
                if seq % self._every == 0:
                    self._store(self._key.sign(seq, last_hash), table="checkpoints")
            self._store(self._key.sign(seq, last_hash), table="head")
            if _identity(self._path) != self._file:  # the file was replaced or removed: writes would go nowhere
                raise AuditUnavailable(f"the audit trail {self._path} was replaced or removed while open")
        return list(range(first, seq + 1))

    def checkpoint(self) -> int | None:
        with self._lock, _mapped("audit checkpoint failed"), self._transaction():
            seq, last_hash = self._last()
            if seq:
                self._store(self._key.sign(seq, last_hash), table="checkpoints")
        return seq or None

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
            "?",
            person=person,
            subject=subject,
            agency=agency,
            purpose=purpose,
            since=since,
            until=until,
            limit=limit,
            after_seq=after_seq,
        )
        with self._lock, _mapped("audit query failed"):
            rows = self._conn.execute(sql, params).fetchall()
        return [(seq, AuditEvent.from_json(body)) for seq, body in rows]

    def verify(self) -> Verification:
        # a connection of its own, in one read snapshot: appends carry on while a long verification runs
        uri = f"{self._path.as_uri()}?mode=ro"
        with (
            _mapped("cannot read the audit trail"),
            contextlib.closing(sqlite3.connect(uri, uri=True, isolation_level=None)) as conn,
        ):
            conn.execute("BEGIN")
            head = conn.execute("SELECT seq, hash, signature FROM head").fetchone()
            checkpoints = [Signed(*row) for row in conn.execute("SELECT seq, hash, signature FROM checkpoints")]
            rows = (Row(*row) for row in conn.execute("SELECT seq, body, prev_hash, hash FROM events ORDER BY seq"))
            result = verify_chain(rows, checkpoints, head and Signed(*head), self._key.public_key.verify)
            below = result.first_bad or 2**62
            index_bad = [conn.execute(check, {"below": below}).fetchone()[0] for check in _INDEX_CHECKS]
            conn.execute("COMMIT")
        first = min((seq for seq in index_bad if seq is not None), default=None)
        if first is None:
            return result
        reason = "the event's indexed columns or person ids do not match its content"
        return Verification(False, first - 1, result.checkpoints, first, reason)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        # IMMEDIATE takes the write lock before reading the last hash, so concurrent writers cannot fork the chain
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield
            self._conn.execute("COMMIT")  # synchronous=FULL: durable when this returns
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                self._conn.execute("ROLLBACK")
            raise

    def _last(self) -> tuple[int, str]:
        row = self._conn.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
        return (row[0], row[1]) if row else (0, GENESIS)

    def _store(self, signed: Signed, *, table: str) -> None:
        self._conn.execute(_STORE[table], (*signed, utc_text(dt.datetime.now(dt.UTC))))


def _identity(path: Path) -> tuple[int, int]:
    stat = os.stat(path)
    return stat.st_dev, stat.st_ino


def open_audit_log(path: Path, key_path: Path, *, checkpoint_every: int = 1000) -> SqliteAuditLog:
    """The audit log at ``path``, signing with the key at ``key_path`` (both created on first use, private)."""
    with _mapped(f"cannot create the audit directory {path.parent}"):
        if not path.parent.exists():
            path.parent.mkdir(mode=0o700, parents=True)
    return SqliteAuditLog(path, SigningKey.load_or_create(key_path), checkpoint_every=checkpoint_every)
