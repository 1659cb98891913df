"""The default audit log: one SQLite file in WAL mode, ``synchronous=FULL``, append-only by trigger.

Tables: ``events`` (the chain, with a few columns copied out of the body for auditors' queries), ``event_persons``
(person id -> position), ``checkpoints`` (signed every N events and on demand), ``head`` (one row: the latest
position, re-signed in every append's transaction), ``tree_nodes`` (the Merkle tree's perfect subtrees, keyed by
``(size, level)`` as :mod:`hub.audit.merkle` names them) and ``tree_head`` (one row: the latest signed tree head, also
renewed in every append's transaction). Copied columns and tree nodes are not trusted: ``verify`` recomputes them from
the hashed bodies, so editing an index cannot hide an event from a query without being reported.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from hub.audit import merkle
from hub.audit.chain import GENESIS, Row, Signed, Verification, link_hash, verify_chain
from hub.audit.events import AuditEvent, utc_text
from hub.audit.filters import query_sql
from hub.audit.heads import TreeHead
from hub.audit.port import AuditLog, AuditUnavailable
from hub.audit.signing import SigningKey, VerifyKey
from hub.audit.tree import TreeAudit, conclude, leaf_of
from hub.audit.witness import Publisher

_logger = logging.getLogger("hub.audit")

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
CREATE TABLE IF NOT EXISTS tree_nodes (size INTEGER NOT NULL, level INTEGER NOT NULL, hash BLOB NOT NULL,
    PRIMARY KEY (size, level)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tree_head (id INTEGER PRIMARY KEY CHECK (id = 1), size INTEGER NOT NULL, root BLOB NOT NULL,
    at TEXT NOT NULL, key_id TEXT NOT NULL, signature BLOB NOT NULL);
{triggers}
COMMIT;
"""
_TRIGGER = """CREATE TRIGGER IF NOT EXISTS {table}_no_{verb} BEFORE {verb} ON {table}
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;"""
# tree_head is replaced whole (INSERT OR REPLACE deletes without firing delete triggers), never updated or deleted
_APPEND_ONLY = ("events", "event_persons", "checkpoints", "tree_nodes", "tree_head")
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
_STORE_NODE = "INSERT INTO tree_nodes (size, level, hash) VALUES (?, ?, ?)"
_NODE = "SELECT hash FROM tree_nodes WHERE size = ? AND level = ?"
_STORE_TREE_HEAD = "INSERT OR REPLACE INTO tree_head (id, size, root, at, key_id, signature) VALUES (1, ?, ?, ?, ?, ?)"


@contextlib.contextmanager
def _mapped(what: str) -> Iterator[None]:
    """Storage errors become AuditUnavailable, the one error callers handle (by refusing the request)."""
    try:
        yield
    except (sqlite3.Error, OSError) as exc:
        raise AuditUnavailable(f"{what}: {type(exc).__name__}: {exc}") from exc


class SqliteAuditLog(AuditLog):
    """Thread-safe: one connection behind a lock. Processes sharing the file serialise on ``BEGIN IMMEDIATE``.

    ``publisher`` is offered each new signed tree head once it is durable (for a witness), and closed with the log.
    With ``create`` (the default), a trail written before the Merkle tree existed gets its tree built on open; a
    verifier opens with ``create=False`` and changes nothing.
    """

    def __init__(
        self,
        path: Path,
        key: SigningKey,
        *,
        checkpoint_every: int = 1000,
        timeout: float = 10.0,
        create: bool = True,
        publisher: Publisher | None = None,
    ) -> None:
        if checkpoint_every < 1:
            raise ValueError("checkpoint_every must be at least 1")
        self._path, self._key, self._every = Path(path).absolute(), key, checkpoint_every
        self._publisher = publisher
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
        if create:
            try:
                self._build_tree()
            except BaseException:
                conn.close()
                raise

    def append(self, events: Sequence[AuditEvent]) -> list[int]:
        bodies = [(event, event.to_json()) for event in events]
        if not bodies:
            return []
        with self._lock, _mapped("audit write failed"), self._transaction():
            seq, last_hash = self._last()
            first = seq + 1
            head = self._grow(seq, [leaf_of(body) for _, body in bodies])
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
        if self._publisher is not None:
            self._publisher.offer(head)  # never blocks: the witness is written from a thread of its own
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

    def verify(self, checkpoints: Sequence[tuple[str, TreeHead]] = ()) -> Verification:
        # a connection of its own, in one read snapshot: appends carry on while a long verification runs
        uri = f"{self._path.as_uri()}?mode=ro"
        key = self._key.public_key
        with (
            _mapped("cannot read the audit trail"),
            contextlib.closing(sqlite3.connect(uri, uri=True, isolation_level=None)) as conn,
        ):
            conn.execute("BEGIN")
            head = conn.execute("SELECT seq, hash, signature FROM head").fetchone()
            signed = [Signed(*row) for row in conn.execute("SELECT seq, hash, signature FROM checkpoints")]
            tree_head = _tree_head(conn)
            nodes = conn.execute("SELECT size, level, hash FROM tree_nodes ORDER BY size, level")
            sizes = [head.size for _, head in checkpoints] + ([tree_head.size] if tree_head else [])
            audit = TreeAudit(nodes, sizes)
            rows = _feeding(audit, conn.execute("SELECT seq, body, prev_hash, hash FROM events ORDER BY seq"))
            result = verify_chain(rows, signed, head and Signed(*head), key.verify)
            for _ in rows:  # the rest of the events, past a bad position: the tree is rebuilt from all of them
                pass
            below = result.first_bad or 2**62
            index_bad = [conn.execute(check, {"below": below}).fetchone()[0] for check in _INDEX_CHECKS]
            conn.execute("COMMIT")
        first = min((seq for seq in index_bad if seq is not None), default=None)
        return conclude(result, first, audit, tree_head, checkpoints, key)

    def tree_head(self) -> TreeHead | None:
        with self._lock, _mapped("cannot read the signed tree head"):
            return _tree_head(self._conn)

    @property
    def public_key(self) -> VerifyKey:
        return self._key.public_key

    def close(self) -> None:
        with self._lock:
            self._conn.close()
        if self._publisher is not None:
            self._publisher.close()

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

    def _nodes(self, keys: Iterable[merkle.Node]) -> dict[merkle.Node, bytes]:
        # one primary-key lookup each (at most about 2 log2 n): SQLite scans the table for a row-value IN list
        found = {}
        for key in keys:
            row = self._conn.execute(_NODE, key).fetchone()
            if row is not None:
                found[key] = bytes(row[0])
        return found

    def _grow(self, size: int, leaves: list[bytes]) -> TreeHead:
        """Add ``leaves`` to the tree of ``size`` leaves, in the caller's transaction; store and return the new head."""
        keys = merkle.frontier(size)
        found = self._nodes(keys)
        if len(found) != len(keys):
            raise AuditUnavailable("the Merkle tree is damaged or behind the events: run hub audit verify")
        tops = [found[key] for key in keys]
        self._conn.executemany(_STORE_NODE, merkle.append(size, tops, leaves))
        head = self._key.sign_head(size + len(leaves), merkle.fold(tops))
        self._conn.execute(_STORE_TREE_HEAD, (head.size, head.root, head.timestamp, head.key_id, head.signature))
        return head

    def _proof(self, ranges: list[merkle.Range], size: int) -> list[bytes]:
        with self._lock, _mapped("cannot read the Merkle tree"):
            stored = self._nodes(merkle.nodes_for(ranges))
        try:
            return merkle.range_hashes(ranges, stored)
        except KeyError as exc:
            raise AuditUnavailable(f"the Merkle tree has no node for size {size}: run hub audit verify") from exc

    def _build_tree(self) -> None:
        """Build the tree of a trail written before it existed (no tree head, no nodes), in one transaction."""
        with self._lock, _mapped("cannot build the Merkle tree"), self._transaction():
            if self._conn.execute("SELECT 1 FROM tree_head UNION ALL SELECT 1 FROM tree_nodes LIMIT 1").fetchone():
                return
            size, _ = self._last()
            if not size:
                return
            _logger.warning("building the Merkle tree of the %d events written before it existed", size)
            tops: list[bytes] = []
            for start in range(0, size, 10_000):
                bodies = self._conn.execute(
                    "SELECT body FROM events WHERE seq > ? ORDER BY seq LIMIT 10000", (start,)
                ).fetchall()
                self._conn.executemany(_STORE_NODE, merkle.append(start, tops, [leaf_of(b) for (b,) in bodies]))
            head = self._key.sign_head(size, merkle.fold(tops))
            self._conn.execute(_STORE_TREE_HEAD, (head.size, head.root, head.timestamp, head.key_id, head.signature))


def _tree_head(conn: sqlite3.Connection) -> TreeHead | None:
    row = conn.execute("SELECT size, root, at, key_id, signature FROM tree_head").fetchone()
    return None if row is None else TreeHead(row[0], bytes(row[1]), row[2], row[3], bytes(row[4]))


def _feeding(audit: TreeAudit, rows: Iterable[tuple[int, str, str, str]]) -> Iterator[Row]:
    for row in rows:
        audit.add(row[1])
        yield Row(*row)


def _identity(path: Path) -> tuple[int, int]:
    stat = os.stat(path)
    return stat.st_dev, stat.st_ino


def open_audit_log(
    path: Path,
    key_path: Path,
    *,
    checkpoint_every: int = 1000,
    create: bool = True,
    publisher: Publisher | None = None,
) -> SqliteAuditLog:
    """The audit log at ``path``, signing with the key at ``key_path`` (both created on first use, private)."""
    with _mapped(f"cannot create the audit directory {path.parent}"):
        if not path.parent.exists():
            path.parent.mkdir(mode=0o700, parents=True)
    key = SigningKey.load_or_create(key_path)
    return SqliteAuditLog(path, key, checkpoint_every=checkpoint_every, create=create, publisher=publisher)
