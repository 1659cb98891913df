"""The group-commit audit writer over a real SQLite audit log: durable positions, shared appends, failing closed.

Where a test needs events to pile up before the writer can drain them, another connection holds SQLite's write lock
(as another hub process would), so group commit is forced by the database, not by timing.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import datetime as dt
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from hub.audit import AuditEvent, AuditUnavailable, AuditWriter, SqliteAuditLog, open_audit_log
from hub.audit.signing import SigningKey

T0 = dt.datetime(2025, 1, 1, 9, 0, tzinfo=dt.UTC)
WAIT = 5.0  # seconds: a generous bound on any single wait, so a bug fails the test instead of hanging it


def event(i: int) -> AuditEvent:
    return AuditEvent(
        at=T0 + dt.timedelta(seconds=i),
        subject=f"user-{i % 7}",
        agency=("police", "probation", "health")[i % 3],
        purpose="matac",
        decision="allow" if i % 5 else "deny",
        persons=(f"P{i}",),
        trace_id=f"{i:032x}",
    )


def paths(root: Path) -> tuple[Path, Path]:
    return root / "audit" / "audit.sqlite3", root / "secrets" / "audit-signing.key"


@pytest.fixture
def log(tmp_path: Path) -> Iterator[SqliteAuditLog]:
    with open_audit_log(*paths(tmp_path), checkpoint_every=50) as opened:
        yield opened


@contextlib.contextmanager
def write_lock_held(path: Path) -> Iterator[None]:
    """Hold the audit file's write lock from another connection, as a second hub process appending would."""
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            other.execute("ROLLBACK")


def test_positions_are_the_durable_positions_of_the_submitted_events(log: SqliteAuditLog) -> None:
    events = [event(i) for i in range(10)]
    with AuditWriter(log) as writer:
        positions = [writer.record_sync(e) for e in events]
    assert positions == list(range(1, 11))
    assert log.query(limit=100) == list(zip(positions, events, strict=True))
    assert writer.events_written == 10
    assert log.verify().ok


def test_concurrent_submitters_share_appends(tmp_path: Path, log: SqliteAuditLog) -> None:
    threads, per_thread, max_batch = 32, 20, 256
    all_submitted = threading.Barrier(threads + 1, timeout=WAIT)
    results: dict[int, list[int]] = {}

    def submitter(t: int) -> None:
        futures = [writer.submit(event(t * per_thread + i)) for i in range(per_thread)]
        all_submitted.wait()
        results[t] = [f.result(WAIT) for f in futures]

    with AuditWriter(log, max_batch=max_batch) as writer:
        workers = [threading.Thread(target=submitter, args=(t,)) for t in range(threads)]
        with write_lock_held(paths(tmp_path)[0]):  # the writer's first append waits for the lock; the rest queue
            for worker in workers:
                worker.start()
            all_submitted.wait()
        for worker in workers:
            worker.join(WAIT)

    total = threads * per_thread
    positions = [p for t in range(threads) for p in results[t]]
    assert sorted(positions) == list(range(1, total + 1))
    # each thread's events were queued in order, so they were written in order
    assert all(results[t] == sorted(results[t]) for t in range(threads))
    # at most one append of what the writer took before the lock, then full batches of the 639+ queued behind it
    assert 3 <= writer.batches <= 4
    assert writer.events_written == total
    stored = dict(log.query(limit=total + 1))
    assert stored == {p: event(t * per_thread + i) for t in range(threads) for i, p in enumerate(results[t])}
    verification = log.verify()
    assert verification.ok and verification.events == total


def test_record_from_an_event_loop_with_many_concurrent_tasks(log: SqliteAuditLog) -> None:
    async def main(writer: AuditWriter) -> list[int]:
        return await asyncio.gather(*(writer.record(event(i)) for i in range(200)))

    with AuditWriter(log) as writer:
        positions = asyncio.run(main(writer))
    assert sorted(positions) == list(range(1, 201))
    assert dict(log.query(limit=300)) == {p: event(i) for i, p in enumerate(positions)}
    assert log.verify().ok


def test_a_failed_batch_fails_every_caller_and_the_next_batch_is_written(tmp_path: Path) -> None:
    path, key_path = paths(tmp_path)
    open_audit_log(path, key_path).close()  # create the file and the key
    # a real failure: the write lock stays busy longer than the log is willing to wait
    with SqliteAuditLog(path, SigningKey.load_or_create(key_path), timeout=0.05) as log, AuditWriter(log) as writer:
        with write_lock_held(path):
            futures = [writer.submit(event(i)) for i in range(10)]
            concurrent.futures.wait(futures, timeout=WAIT)
        for future in futures:
            with pytest.raises(AuditUnavailable, match="audit write failed"):
                future.result(0)
        assert writer.events_written == 0 and writer.batches >= 1

        assert writer.record_sync(event(10)) == 1  # nothing of the failed batches was written
        assert asyncio.run(writer.record(event(11))) == 2
        assert log.query() == [(1, event(10)), (2, event(11))]
        assert log.verify().ok


def test_close_writes_what_is_queued_then_refuses(tmp_path: Path, log: SqliteAuditLog) -> None:
    writer = AuditWriter(log, max_batch=16).start()
    with write_lock_held(paths(tmp_path)[0]):
        futures = [writer.submit(event(i)) for i in range(100)]
        closing = threading.Thread(target=writer.close)
        closing.start()  # close waits for the queue to drain, which waits for the lock
    closing.join(WAIT)
    assert not closing.is_alive()
    assert sorted(f.result(0) for f in futures) == list(range(1, 101))
    assert log.verify().events == 100
    with pytest.raises(AuditUnavailable):
        writer.submit(event(100))
    with pytest.raises(AuditUnavailable):
        writer.record_sync(event(101))
    writer.close()  # idempotent


class Crash(BaseException):
    """Not an Exception: the writer cannot turn it into a failed batch, so it ends the writer thread."""


class CrashingLog(SqliteAuditLog):
    """A real log whose append, once released, crashes."""

    def __init__(self, path: Path, key: SigningKey) -> None:
        super().__init__(path, key)
        self.entered, self.release = threading.Event(), threading.Event()

    def append(self, events: Sequence[AuditEvent]) -> list[int]:
        self.entered.set()
        self.release.wait(WAIT)
        raise Crash


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_dead_writer_fails_pending_and_later_submissions(tmp_path: Path) -> None:
    path, key_path = paths(tmp_path)
    path.parent.mkdir()
    with CrashingLog(path, SigningKey.load_or_create(key_path)) as log:
        writer = AuditWriter(log, max_batch=1).start()
        in_flight = writer.submit(event(0))
        assert log.entered.wait(WAIT)
        pending = [writer.submit(event(i)) for i in range(1, 5)]
        log.release.set()
        for future in [in_flight, *pending]:
            with pytest.raises(AuditUnavailable, match="stopped"):
                future.result(WAIT)
        with pytest.raises(AuditUnavailable):
            writer.submit(event(5))
        writer.close()


def test_submit_before_start_is_refused(log: SqliteAuditLog) -> None:
    with pytest.raises(AuditUnavailable):
        AuditWriter(log).submit(event(0))


def test_a_batch_whose_merkle_tree_cannot_be_written_fails_closed(tmp_path: Path, log: SqliteAuditLog) -> None:
    with AuditWriter(log) as writer:
        assert writer.record_sync(event(1)) == 1
        with contextlib.closing(sqlite3.connect(paths(tmp_path)[0], isolation_level=None)) as other:
            other.execute("CREATE TRIGGER full BEFORE INSERT ON tree_nodes BEGIN SELECT RAISE(ABORT, 'full'); END")
            with pytest.raises(AuditUnavailable):  # the caller refuses its response
                writer.record_sync(event(2), timeout=WAIT)
            other.execute("DROP TRIGGER full")
        assert writer.record_sync(event(3), timeout=WAIT) == 2
    assert [e for _, e in log.query()] == [event(1), event(3)]
    head = log.tree_head()
    assert head is not None and head.size == 2 and log.verify().ok
