"""The SQLite audit log against real files: durable appends, auditors' queries, tamper detection, failing closed."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import stat
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from hub.audit import AuditEvent, AuditUnavailable, SqliteAuditLog, open_audit_log
from hub.audit.chain import link_hash
from hub.audit.signing import SigningKey
from tests.helpers import HUB, REPO, hub_env, run_hub

T0 = dt.datetime(2025, 1, 1, 9, 0, tzinfo=dt.UTC)


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


def paths(root: Path) -> tuple[Path, Path]:
    return root / "audit" / "audit.sqlite3", root / "secrets" / "audit-signing.key"


@pytest.fixture
def log(tmp_path: Path) -> Iterator[SqliteAuditLog]:
    with open_audit_log(*paths(tmp_path), checkpoint_every=4) as opened:
        yield opened


def filled(log: SqliteAuditLog, n: int = 10) -> SqliteAuditLog:
    assert log.append([event(i) for i in range(1, n + 1)]) == list(range(1, n + 1))
    return log


def raw(root: Path) -> sqlite3.Connection:
    return sqlite3.connect(paths(root)[0], isolation_level=None)


def test_appended_events_read_back_oldest_first_and_are_committed(log: SqliteAuditLog, tmp_path: Path) -> None:
    assert log.append([event(1)]) == [1]
    assert log.append([event(2), event(3)]) == [2, 3]
    assert log.query() == [(1, event(1)), (2, event(2)), (3, event(3))]
    with raw(tmp_path) as other:  # visible to another connection: committed, not just buffered
        assert other.execute("SELECT count(*) FROM events").fetchone() == (3,)
    result = log.verify()
    assert (result.ok, result.events, result.checkpoints) == (True, 3, 0)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"person": "P3"}, [3]),
        ({"person": "P-common", "limit": 3}, [1, 2, 3]),
        ({"person": "nobody"}, []),
        ({"subject": "user-1"}, [1, 4, 7, 10]),
        ({"agency": "probation"}, [1, 3, 5, 7, 9]),
        ({"purpose": "matac", "subject": "user-2"}, [2, 8]),
        ({"since": T0 + dt.timedelta(hours=3), "until": T0 + dt.timedelta(hours=6)}, [3, 4, 5]),
        ({"since": (T0 + dt.timedelta(hours=9)).astimezone(dt.timezone(dt.timedelta(hours=-5)))}, [9, 10]),
        ({"after_seq": 6, "limit": 2}, [7, 8]),
        ({"agency": "police", "after_seq": 8}, [10]),
    ],
)
def test_auditors_query_by_each_filter(log: SqliteAuditLog, filters: dict[str, Any], expected: list[int]) -> None:
    found = filled(log).query(**filters)
    assert [seq for seq, _ in found] == expected
    assert all(found_event == event(seq) for seq, found_event in found)


def test_a_group_is_written_in_one_transaction(log: SqliteAuditLog, tmp_path: Path) -> None:
    with raw(tmp_path) as other:  # make the second event of the group fail inside the database
        other.execute(
            "CREATE TRIGGER boom BEFORE INSERT ON events WHEN NEW.subject = 'boom' BEGIN SELECT RAISE(ABORT, 'x'); END"
        )
    with pytest.raises(AuditUnavailable):
        log.append([event(1), event(2, subject="boom"), event(3)])
    assert log.query() == []
    assert log.append([event(1)]) == [1]
    assert log.verify().ok


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
def test_sql_updates_and_deletes_are_refused(log: SqliteAuditLog, tmp_path: Path, statement: str) -> None:
    filled(log)
    with raw(tmp_path) as other, pytest.raises(sqlite3.IntegrityError, match="append-only"):
        other.execute(statement)
    assert log.verify().ok


def _forge_at(db: sqlite3.Connection, seq: int, body: str) -> None:
    prev = db.execute("SELECT hash FROM events WHERE seq = ?", (seq - 1,)).fetchone()[0]
    db.execute(
        "INSERT INTO events SELECT ?, at, subject, agency, purpose, ?, ?, ? FROM events WHERE seq = ?",
        (seq, body, prev, link_hash(prev, seq, body), seq - 1),
    )


def _insert_forged(db: sqlite3.Connection) -> None:
    db.execute("UPDATE events SET seq = seq + 1000 WHERE seq >= 5")
    db.execute("UPDATE events SET seq = seq - 999 WHERE seq >= 1000")
    _forge_at(db, 5, event(4).to_json())


def _replace_forged(db: sqlite3.Connection) -> None:
    db.execute("DELETE FROM events WHERE seq = 5")
    _forge_at(db, 5, event(5, justification="nothing to see").to_json())


def _swap_bodies(db: sqlite3.Connection) -> None:
    five, seven = (db.execute("SELECT body FROM events WHERE seq = ?", (s,)).fetchone()[0] for s in (5, 7))
    db.execute("UPDATE events SET body = ? WHERE seq = 5", (seven,))
    db.execute("UPDATE events SET body = ? WHERE seq = 7", (five,))


def _forged_checkpoint(db: sqlite3.Connection) -> None:
    signed = SigningKey.generate().sign(8, db.execute("SELECT hash FROM events WHERE seq = 8").fetchone()[0])
    db.execute("UPDATE checkpoints SET signature = ? WHERE seq = 8", (signed.signature,))


TAMPERING: dict[str, tuple[Callable[[sqlite3.Connection], object], int, str]] = {
    "edited body": (
        lambda db: db.execute("UPDATE events SET body = replace(body, 'MATAC-5', 'MATAC-6') WHERE seq = 5"),
        5,
        "event hash does not match its content",
    ),
    "deleted row": (lambda db: db.execute("DELETE FROM events WHERE seq = 5"), 5, "event missing"),
    "inserted forged row": (_insert_forged, 5, "event inserted"),
    "replaced by a forged row": (_replace_forged, 5, "event replaced"),
    "appended forged row": (lambda db: _forge_at(db, 11, event(11).to_json()), 11, "after the signed head"),
    "swapped bodies": (_swap_bodies, 5, "event hash does not match its content"),
    "truncated tail": (lambda db: db.execute("DELETE FROM events WHERE seq > 8"), 9, "events missing from"),
    "deleted head": (lambda db: db.execute("DELETE FROM head"), 9, "signed head is missing"),
    "forged checkpoint": (_forged_checkpoint, 8, "signature on the checkpoint at position 8"),
    "hidden from a person query": (
        lambda db: db.execute("DELETE FROM event_persons WHERE seq = 6 AND person = 'P6'"),
        6,
        "person ids do not match",
    ),
    "indexed column edited": (
        lambda db: db.execute("UPDATE events SET agency = 'health' WHERE seq = 3"),
        3,
        "indexed columns",
    ),
}


@pytest.mark.parametrize("case", TAMPERING)
def test_tampering_below_the_triggers_is_named(log: SqliteAuditLog, tmp_path: Path, case: str) -> None:
    tamper, position, reason = TAMPERING[case]
    filled(log)
    with raw(tmp_path) as db:
        for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
            db.execute(f"DROP TRIGGER {name}")
        tamper(db)
    result = log.verify()
    assert (result.ok, result.first_bad) == (False, position), result.reason
    assert reason in str(result.reason)


def test_threads_appending_at_once_keep_one_chain(log: SqliteAuditLog) -> None:
    def worker(t: int) -> None:
        for i in range(25):
            log.append([event(i, subject=f"thread-{t}") for _ in range(1 + i % 3)])

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result = log.verify()
    assert (result.ok, result.events) == (True, 6 * 49)
    assert all(len(log.query(subject=f"thread-{t}", limit=1000)) == 49 for t in range(6))


APPENDER = """
import datetime as dt, sys
from pathlib import Path
from hub.audit import AuditEvent, open_audit_log
root, name = Path(sys.argv[1]), sys.argv[2]
with open_audit_log(root / "audit" / "audit.sqlite3", root / "secrets" / "audit-signing.key") as log:
    for i in range(60):
        at = dt.datetime.now(dt.UTC)
        log.append([AuditEvent(at=at, subject=name, agency="police", decision="allow")] * (1 + i % 2))
"""


def test_processes_appending_to_one_file_keep_one_chain(log: SqliteAuditLog, tmp_path: Path) -> None:
    processes = [
        subprocess.Popen([sys.executable, "-c", APPENDER, str(tmp_path), f"process-{p}"], cwd=REPO) for p in range(2)
    ]
    for i in range(30):
        log.append([event(i, subject="parent")])
    assert [process.wait(timeout=120) for process in processes] == [0, 0]
    result = log.verify()
    assert (result.ok, result.events) == (True, 30 + 2 * 90)
    assert [len(log.query(subject=s, limit=1000)) for s in ("parent", "process-0", "process-1")] == [30, 90, 90]


def test_a_directory_replaced_by_a_file_fails_closed(log: SqliteAuditLog, tmp_path: Path) -> None:
    filled(log, 2)
    shutil.rmtree(tmp_path / "audit")
    (tmp_path / "audit").write_text("not a directory")
    with pytest.raises(AuditUnavailable):
        log.append([event(3)])
    with pytest.raises(AuditUnavailable):
        open_audit_log(*paths(tmp_path))


def test_a_file_of_garbage_fails_closed(tmp_path: Path) -> None:
    db, key = paths(tmp_path)
    filled(open_audit_log(db, key), 2).close()
    for leftover in db.parent.iterdir():
        leftover.unlink()
    db.write_bytes(b"\x00garbage\xff" * 1000)
    with pytest.raises(AuditUnavailable):
        open_audit_log(db, key).append([event(3)])


def test_a_missing_directory_fails_closed(tmp_path: Path) -> None:
    with pytest.raises(AuditUnavailable):
        SqliteAuditLog(tmp_path / "absent" / "audit.sqlite3", SigningKey.generate())


def test_a_lock_held_past_the_timeout_fails_closed(tmp_path: Path) -> None:
    db, key = paths(tmp_path)
    with open_audit_log(db, key) as log, raw(tmp_path) as other:
        impatient = SqliteAuditLog(db, SigningKey.load_or_create(key), timeout=0.2)
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(AuditUnavailable, match="locked"):
            impatient.append([event(1)])
        other.execute("ROLLBACK")
        assert impatient.append([event(1)]) == [1]
        impatient.close()
        assert log.verify().ok


def test_a_closed_log_refuses_appends(tmp_path: Path) -> None:
    log = open_audit_log(*paths(tmp_path))
    log.close()
    with pytest.raises(AuditUnavailable):
        log.append([event(1)])


def test_the_signing_key_is_private_and_reused(tmp_path: Path) -> None:
    db, key_path = paths(tmp_path)
    filled(open_audit_log(db, key_path), 5).close()
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_path.parent.stat().st_mode) == 0o700
    before = key_path.read_bytes()
    with open_audit_log(db, key_path) as reopened:
        assert reopened.checkpoint() == 5
        assert reopened.verify().ok
    assert key_path.read_bytes() == before
    with SqliteAuditLog(db, SigningKey.generate()) as wrong_key:  # signatures made with another key do not count
        assert wrong_key.verify().first_bad == 5


def _hub_verify(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_hub(root, "audit", "verify", *args, timeout=60)


def test_hub_audit_verify_reports_an_intact_trail(log: SqliteAuditLog, tmp_path: Path) -> None:
    filled(log)
    done = _hub_verify(tmp_path)
    assert (done.returncode, done.stdout) == (0, "audit trail ok: 10 events, 2 checkpoints\n"), done.stderr
    done = _hub_verify(tmp_path, "--format", "json")
    assert done.returncode == 0
    assert '"ok": true' in done.stdout


def test_hub_audit_verify_names_the_tampered_position(log: SqliteAuditLog, tmp_path: Path) -> None:
    filled(log)
    with raw(tmp_path) as db:
        db.execute("DROP TRIGGER events_no_update")
        db.execute("UPDATE events SET body = replace(body, 'MATAC-7', 'MATAC-1') WHERE seq = 7")
    done = _hub_verify(tmp_path)
    assert done.returncode == 1, done.stderr
    assert done.stdout == "audit trail TAMPERED at position 7: event hash does not match its content\n"


def test_hub_audit_verify_exits_2_when_there_is_no_trail_to_open(tmp_path: Path) -> None:
    assert _hub_verify(tmp_path).returncode == 2
    db, key = paths(tmp_path)
    open_audit_log(db, key).close()
    for leftover in db.parent.iterdir():
        leftover.unlink()
    db.write_bytes(b"garbage" * 100)
    done = _hub_verify(tmp_path)
    assert done.returncode == 2
    assert "cannot verify the audit trail" in done.stderr


def test_an_append_whose_tree_update_fails_is_refused_whole(log: SqliteAuditLog, tmp_path: Path) -> None:
    filled(log, 3)
    with raw(tmp_path) as other:  # the Merkle tree's part of the append fails inside the database
        other.execute("CREATE TRIGGER boom BEFORE INSERT ON tree_head BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    with pytest.raises(AuditUnavailable, match="audit write failed"):
        log.append([event(4)])
    assert [seq for seq, _ in log.query()] == [1, 2, 3]  # no event without its tree
    with raw(tmp_path) as other:
        other.execute("DROP TRIGGER boom")
    assert log.append([event(4)]) == [4]
    assert log.verify().ok


def test_a_damaged_tree_fails_closed_and_verify_names_it(log: SqliteAuditLog, tmp_path: Path) -> None:
    filled(log, 6)  # the frontier of 6 events: the nodes (4, 2) and (6, 1)
    with raw(tmp_path) as db:
        db.execute("DROP TRIGGER tree_nodes_no_delete")
        db.execute("DELETE FROM tree_nodes WHERE size = 6 AND level = 1")
    with pytest.raises(AuditUnavailable, match="Merkle tree is damaged"):
        log.append([event(7)])
    result = log.verify()
    assert (result.ok, result.first_bad, result.reason) == (
        False,
        6,
        "the stored Merkle tree does not match the events",
    )


def test_hub_serve_refuses_to_start_in_production_with_the_signing_key_in_the_data_dir(tmp_path: Path) -> None:
    env = hub_env(tmp_path / "data", HUB_MODE="production")
    done = subprocess.run([HUB, "serve"], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert done.stderr.startswith("hub: HUB_AUDIT_SIGNING_KEY must name a key outside HUB_DATA_DIR in production")
    assert done.stderr.count("\n") == 1
    assert not (tmp_path / "data").exists()  # refused before anything was created


def test_a_trail_from_before_the_tree_is_named_by_verify_until_a_writer_builds_it(tmp_path: Path) -> None:
    db, key = paths(tmp_path)
    filled(open_audit_log(db, key), 5).close()
    with raw(tmp_path) as other:  # what a trail written by an older hub looks like
        other.execute("DROP TABLE tree_nodes")
        other.execute("DROP TABLE tree_head")
    with open_audit_log(db, key, create=False) as verifier:
        result = verifier.verify()
        assert (result.ok, result.first_bad) == (False, 1)
        assert str(result.reason).startswith("the Merkle tree and its signed head are missing")
        assert verifier.tree_head() is None  # verifying built nothing
    with open_audit_log(db, key) as writer:
        assert writer.verify().ok and writer.tree_head() is not None


def test_tree_node_reads_are_primary_key_searches(log: SqliteAuditLog, tmp_path: Path) -> None:
    from hub.audit.sqlite import _NODE

    with raw(tmp_path) as db:  # O(log n) rows an append or a proof: never a scan of the tree
        plan = " ".join(row[-1] for row in db.execute(f"EXPLAIN QUERY PLAN {_NODE}", (4, 2)))
    assert "USING PRIMARY KEY" in plan and "SCAN" not in plan
