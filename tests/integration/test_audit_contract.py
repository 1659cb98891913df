"""One contract for every audit log: the SQLite file and a real PostgreSQL server (pgserver's wheel).

Each test gets a store of its own: a SQLite file in its tmp_path, or a schema of its own on the module's server.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
import threading
import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.audit import AuditEvent, AuditLog, AuditUnavailable, merkle, open_trail
from hub.audit.heads import load_heads
from hub.audit.witness import DirectoryWitness, Publisher
from tests.unit.test_audit_merkle import ref_mth, ref_path, ref_proof

T0 = dt.datetime(2025, 1, 1, 9, 0, tzinfo=dt.UTC)
REFUSED = (sqlite3.IntegrityError, psycopg.errors.RaiseException)  # what each database raises from its triggers


def event(i: int = 0, **changes: Any) -> AuditEvent:
    fields: dict[str, Any] = {
        "at": T0 + dt.timedelta(hours=i),
        "subject": f"user-{i % 3}",
        "agency": ("police", "probation")[i % 2],
        "client": "rms",
        "roles": ("analyst",),
        "purpose": ("matac", "marac")[i % 2],
        "agreement": "dsa-north-east",
        "agreement_version": "3",
        "justification": f"MATAC-{i}",
        "operation": "Perpetrator",
        "query_hash": "ab" * 32,
        "decision": "allow" if i % 4 else "deny",
        "reasons": () if i % 4 else ("purpose not in agreement",),
        "persons": (f"P{i}", "P-common"),
        "fields": ("name", "incidents"),
        "trace_id": f"{i:032x}",
    }
    return AuditEvent(**{**fields, **changes})


def filled(log: AuditLog, n: int = 10) -> AuditLog:
    assert log.append([event(i) for i in range(1, n + 1)]) == list(range(1, n + 1))
    return log


@contextlib.contextmanager
def running_postgres(pgdata: Path) -> Iterator[Any]:
    """A real PostgreSQL 16 server with its data in ``pgdata``, stopped on leaving."""
    with warnings.catch_warnings():  # platformdirs warns once, on import, that XDG_RUNTIME_DIR is unset
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR", category=UserWarning)
        import pgserver
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    try:
        yield server
    finally:
        server.cleanup()


def schema_url(server: Any) -> str:
    """A URL for a fresh, empty schema on ``server``: the trail's tables go in the first schema on the search path."""
    name = f"audit_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server.get_uri(), autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {name}")
    uri = server.get_uri()
    return f"{uri}{'&' if '?' in uri else '?'}options=-csearch_path%3D{name}"


@dataclass(frozen=True)
class Store:
    """Where one test's trail lives, and a way to run SQL against it behind the log's back."""

    location: str | Path
    key: Path
    execute: Callable[[str], object]

    def open(self) -> AuditLog:
        return open_trail(self.location, self.key, checkpoint_every=4)


@pytest.fixture(scope="module")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with running_postgres(tmp_path_factory.mktemp("postgres") / "data") as server:
        yield server


def _sqlite_store(root: Path) -> Store:
    path = root / "audit" / "audit.sqlite3"

    def execute(sql: str) -> None:
        with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as db:
            db.execute(sql)

    return Store(path, root / "secrets" / "audit-signing.key", execute)


def _postgres_store(root: Path, server: Any) -> Store:
    url = schema_url(server)

    def execute(sql: str) -> None:
        with psycopg.connect(url, autocommit=True) as db:
            db.execute(sql.encode())

    return Store(url, root / "secrets" / "audit-signing.key", execute)


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    if request.param == "sqlite":
        return _sqlite_store(tmp_path)
    return _postgres_store(tmp_path, request.getfixturevalue("postgres"))


@pytest.fixture
def log(store: Store) -> Iterator[AuditLog]:
    with store.open() as opened:
        yield opened


def test_appends_return_increasing_positions_and_are_committed(log: AuditLog, store: Store) -> None:
    assert log.append([event(1)]) == [1]
    assert log.append([event(2), event(3)]) == [2, 3]
    assert log.append([]) == []
    expected = [(1, event(1)), (2, event(2)), (3, event(3))]
    assert log.query() == expected
    with store.open() as other:  # visible to another connection: committed, not just buffered
        assert other.query() == expected
    result = log.verify()
    assert (result.ok, result.events, result.checkpoints) == (True, 3, 0)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
        ({"person": "P3"}, [3]),
        ({"person": "P-common", "limit": 3}, [1, 2, 3]),
        ({"person": "nobody"}, []),
        ({"subject": "user-1"}, [1, 4, 7, 10]),
        ({"agency": "probation"}, [1, 3, 5, 7, 9]),
        ({"purpose": "matac", "subject": "user-2"}, [2, 8]),
        ({"since": T0 + dt.timedelta(hours=3), "until": T0 + dt.timedelta(hours=6)}, [3, 4, 5]),
        ({"since": (T0 + dt.timedelta(hours=9)).astimezone(dt.timezone(dt.timedelta(hours=-5)))}, [9, 10]),
        ({"until": T0 + dt.timedelta(hours=1)}, []),
        ({"after_seq": 6, "limit": 2}, [7, 8]),
        ({"agency": "police", "after_seq": 8}, [10]),
        ({"person": "P-common", "after_seq": 9}, [10]),
        ({"limit": 0}, []),
    ],
)
def test_auditors_query_by_each_filter(log: AuditLog, filters: dict[str, Any], expected: list[int]) -> None:
    found = filled(log).query(**filters)
    assert [seq for seq, _ in found] == expected
    assert all(found_event == event(seq) for seq, found_event in found)


def test_paging_with_after_seq_visits_every_match_once(log: AuditLog) -> None:
    filled(log)
    pages, cursor = [], None
    while page := log.query(agency="probation", limit=2, after_seq=cursor):
        pages.append([seq for seq, _ in page])
        cursor = page[-1][0]
    assert pages == [[1, 3], [5, 7], [9]]


def test_checkpoints_are_signed_every_n_events_and_on_demand(log: AuditLog) -> None:
    assert log.checkpoint() is None  # an empty trail has nothing to sign
    result = filled(log).verify()
    assert (result.ok, result.events, result.checkpoints) == (True, 10, 2)  # at 4 and 8
    assert log.checkpoint() == 10
    assert log.checkpoint() == 10  # signing the same position again changes nothing
    result = log.verify()
    assert (result.ok, result.events, result.checkpoints) == (True, 10, 3)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE events SET subject = 'someone-else' WHERE seq = 2",
        "DELETE FROM events WHERE seq = 10",
        "UPDATE event_persons SET person = 'P99' WHERE seq = 3",
        "DELETE FROM event_persons",
        "UPDATE checkpoints SET hash = 'x'",
        "DELETE FROM checkpoints WHERE seq = 4",
    ],
)
def test_the_database_refuses_updates_and_deletes(log: AuditLog, store: Store, statement: str) -> None:
    filled(log)
    with pytest.raises(REFUSED, match="append-only"):
        store.execute(statement)
    assert log.verify().ok
    assert len(log.query()) == 10


def test_a_reopened_trail_continues_the_same_chain(log: AuditLog, store: Store) -> None:
    filled(log, 6)
    log.close()
    with store.open() as reopened:
        assert reopened.append([event(7), event(8)]) == [7, 8]
        assert [seq for seq, _ in reopened.query()] == list(range(1, 9))
        result = reopened.verify()
        assert (result.ok, result.events, result.checkpoints) == (True, 8, 2)


def test_a_closed_trail_refuses_appends(log: AuditLog) -> None:
    log.close()
    with pytest.raises(AuditUnavailable):
        log.append([event(1)])


def test_unusual_text_reads_back_and_verifies(log: AuditLog) -> None:
    # client-chosen text (an operation name) lands in the hashed body: escapes, quotes, NUL and non-ASCII included
    odd = event(1, operation='\x00 "quoted" \\u0000 ☃ \U0001f600', justification="line\nbreak\ttab")
    assert log.append([odd, event(2)]) == [1, 2]
    assert log.query() == [(1, odd), (2, event(2))]
    assert log.verify().ok


def test_appends_from_threads_and_from_two_logs_keep_one_chain(log: AuditLog, store: Store) -> None:
    # the second log is what a second hub process holds: its own connection to the same store
    with store.open() as second:

        def worker(t: int) -> None:
            target = (log, second)[t % 2]
            for i in range(25):
                target.append([event(i, subject=f"thread-{t}") for _ in range(1 + i % 3)])

        threads = [threading.Thread(target=worker, args=(t,)) for t in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        result = second.verify()
    assert (result.ok, result.events) == (True, 4 * 49)
    positions = [seq for seq, _ in log.query(limit=1000)]
    assert positions == list(range(1, 4 * 49 + 1))  # distinct, with no gaps
    assert [len(log.query(subject=f"thread-{t}", limit=1000)) for t in range(4)] == [49] * 4


def _bodies(n: int, start: int = 1) -> list[bytes]:
    return [event(i).to_json().encode() for i in range(start, start + n)]


def test_every_append_signs_a_tree_head_over_the_events_merkle_root(log: AuditLog) -> None:
    assert log.tree_head() is None
    appended = 0
    for batch in (1, 2, 3, 1, 7, 4):  # uneven batches, as the group-commit writer makes them
        log.append([event(i) for i in range(appended + 1, appended + batch + 1)])
        appended += batch
        head = log.tree_head()
        assert head is not None
        assert (head.size, head.root) == (appended, ref_mth(_bodies(appended)))
        assert head.key_id == log.public_key.key_id and log.public_key.verify_head(head)
    assert log.verify().ok


def test_proofs_from_the_store_match_a_naive_tree_for_every_size_and_pair(log: AuditLog) -> None:
    n = 70
    for start in range(1, n + 1, 9):
        log.append([event(i) for i in range(start, min(n, start + 8) + 1)])
    bodies = _bodies(n)
    for size in range(1, n + 1):
        for position in range(1, size + 1):
            assert log.inclusion_proof(position, size) == ref_path(position - 1, bodies[:size]), (position, size)
        for old in range(0, size + 1):
            assert log.consistency_proof(old, size) == ref_proof(old, bodies[:size]), (old, size)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_proofs_verify_against_the_heads_the_store_signed(store: Store, data: st.DataObject) -> None:
    # one trail grows across examples: each draws batches to append, then two of the heads it saw and a position
    with store.open() as log:
        current = log.tree_head()
        heads = [(0, merkle.EMPTY_ROOT)] if current is None else [(current.size, current.root)]
        size = heads[0][0]
        batches = data.draw(st.lists(st.integers(1, 6), min_size=1, max_size=4))
        for batch in batches:
            log.append([event(size + i) for i in range(1, batch + 1)])
            size += batch
            head = log.tree_head()
            assert head is not None and head.size == size
            heads.append((size, head.root))
        j = data.draw(st.integers(1, len(batches)))
        i = data.draw(st.integers(0, j))
        (old, old_root), (new, new_root) = heads[i], heads[j]
        proof = log.consistency_proof(old, new)
        assert merkle.verify_consistency(old, new, old_root, new_root, proof)
        if old < new:
            assert not merkle.verify_consistency(old, new, new_root, new_root, proof)
        position = 1 + data.draw(st.integers(0, 2**20)) % new
        body = log.query(after_seq=position - 1, limit=1)[0][1].to_json().encode()
        path = log.inclusion_proof(position, new)
        assert merkle.verify_inclusion(merkle.leaf_hash(body), position - 1, new, path, new_root)
        assert not merkle.verify_inclusion(merkle.leaf_hash(body + b" "), position - 1, new, path, new_root)


def test_a_trail_written_before_the_tree_gets_it_on_open_and_verifies(log: AuditLog, store: Store) -> None:
    filled(log, 9)
    log.close()
    for table in ("tree_nodes", "tree_head"):  # what a trail written by an older hub looks like
        store.execute(f"DROP TABLE {table}")
    with store.open() as upgraded:
        head = upgraded.tree_head()
        assert head is not None and (head.size, head.root) == (9, ref_mth(_bodies(9)))
        assert upgraded.append([event(10)]) == [10]
        assert upgraded.verify().ok
        assert upgraded.inclusion_proof(3, 10) == ref_path(2, _bodies(10))


def test_each_new_head_reaches_a_directory_witness(store: Store, tmp_path: Path) -> None:
    witness = tmp_path / "witness"
    log = open_trail(store.location, store.key, publisher=Publisher(DirectoryWitness(witness)))
    filled(log, 3)
    log.append([event(4)])
    last = log.tree_head()
    log.close()  # publishes what is left
    heads = load_heads(witness)
    assert [head.size for _, head in heads] == [3, 4]
    assert heads[-1][1] == last
    with store.open() as reopened:
        assert reopened.verify(heads).ok
