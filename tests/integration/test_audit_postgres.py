"""The PostgreSQL audit log against a real server: tampering below the triggers, failing closed, least privilege."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from hub.audit import AuditUnavailable, PostgresAuditLog, open_trail
from hub.audit.chain import link_hash
from hub.audit.signing import SigningKey
from tests.helpers import HUB, hub_env
from tests.integration.test_audit_contract import event, filled, running_postgres, schema_url

Db = psycopg.Connection[Any]


@pytest.fixture(scope="module")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with running_postgres(tmp_path_factory.mktemp("postgres") / "data") as server:
        yield server


@pytest.fixture
def url(postgres: Any) -> str:
    return schema_url(postgres)


@pytest.fixture
def key_path(tmp_path: Path) -> Path:
    return tmp_path / "secrets" / "audit-signing.key"


@pytest.fixture
def log(url: str, key_path: Path) -> Iterator[PostgresAuditLog]:
    with PostgresAuditLog(url, SigningKey.load_or_create(key_path), checkpoint_every=4) as opened:
        yield opened


def superuser(url: str) -> Db:
    """A connection as the server's superuser, who can switch the triggers off."""
    return psycopg.connect(url, autocommit=True)


def _one(db: Db, sql: str, *params: object) -> Any:
    row = db.execute(sql.encode(), params).fetchone()
    assert row is not None
    return row[0]


def _forge_at(db: Db, seq: int, body: str) -> None:
    prev = _one(db, "SELECT hash FROM events WHERE seq = %s", seq - 1)
    db.execute(
        "INSERT INTO events SELECT %s, at, subject, agency, purpose, %s, %s, %s FROM events WHERE seq = %s",
        (seq, body, prev, link_hash(prev, seq, body), seq - 1),
    )


def _insert_forged(db: Db) -> None:
    db.execute("UPDATE events SET seq = seq + 1000 WHERE seq >= 5")
    db.execute("UPDATE events SET seq = seq - 999 WHERE seq >= 1000")
    _forge_at(db, 5, event(4).to_json())


def _replace_forged(db: Db) -> None:
    db.execute("DELETE FROM events WHERE seq = 5")
    _forge_at(db, 5, event(5, justification="nothing to see").to_json())


def _swap_positions(db: Db) -> None:  # the unique key is checked row by row, so through a free position
    for old, new in ((5, 1005), (7, 5), (1005, 7)):
        db.execute("UPDATE events SET seq = %s WHERE seq = %s", (new, old))


def _forged_checkpoint(db: Db) -> None:
    signed = SigningKey.generate().sign(8, _one(db, "SELECT hash FROM events WHERE seq = 8"))
    db.execute("UPDATE checkpoints SET signature = %s WHERE seq = 8", (signed.signature,))


TAMPERING: dict[str, tuple[Callable[[Db], object], int, str]] = {
    "edited body": (
        lambda db: db.execute("UPDATE events SET body = replace(body, 'MATAC-5', 'MATAC-6') WHERE seq = 5"),
        5,
        "event hash does not match its content",
    ),
    "deleted row": (lambda db: db.execute("DELETE FROM events WHERE seq = 5"), 5, "event missing"),
    "inserted forged row": (_insert_forged, 5, "event inserted"),
    "replaced by a forged row": (_replace_forged, 5, "event replaced"),
    "appended forged row": (lambda db: _forge_at(db, 11, event(11).to_json()), 11, "after the signed head"),
    "swapped positions": (_swap_positions, 5, "event hash does not match its content"),
    "truncated tail": (lambda db: db.execute("DELETE FROM events WHERE seq > 8"), 9, "events missing from"),
    "truncated table": (lambda db: db.execute("TRUNCATE events"), 1, "events missing from position 1"),
    "deleted head": (lambda db: db.execute("DELETE FROM head"), 9, "signed head is missing"),
    "forged checkpoint": (_forged_checkpoint, 8, "signature on the checkpoint at position 8"),
    "hidden from a person query": (
        lambda db: db.execute("DELETE FROM event_persons WHERE seq = 6 AND person = 'P6'"),
        6,
        "person ids do not match",
    ),
    "person added to an event": (
        lambda db: db.execute("INSERT INTO event_persons VALUES (4, 'P-someone')"),
        4,
        "person ids do not match",
    ),
    "indexed column edited": (
        lambda db: db.execute("UPDATE events SET agency = 'health' WHERE seq = 3"),
        3,
        "indexed columns",
    ),
}


@pytest.mark.parametrize("case", TAMPERING)
def test_tampering_below_the_triggers_is_named(log: PostgresAuditLog, url: str, case: str) -> None:
    tamper, position, reason = TAMPERING[case]
    filled(log)
    with superuser(url) as db:
        for table in ("events", "event_persons", "checkpoints", "head"):
            db.execute(f"ALTER TABLE {table} DISABLE TRIGGER ALL".encode())
        tamper(db)
    result = log.verify()
    assert (result.ok, result.first_bad) == (False, position), result.reason
    assert reason in str(result.reason)


@pytest.mark.parametrize(
    "statement",
    [
        "TRUNCATE events",
        "TRUNCATE event_persons",
        "TRUNCATE checkpoints",
        "TRUNCATE head",
        "DELETE FROM head",
        "UPDATE events SET seq = seq WHERE false",  # statement triggers: refused even when no row would change
    ],
)
def test_truncating_and_deleting_the_head_are_refused(log: PostgresAuditLog, url: str, statement: str) -> None:
    filled(log)
    with superuser(url) as db, pytest.raises(psycopg.errors.RaiseException, match="append-only"):
        db.execute(statement.encode())
    assert log.verify().ok


def test_a_group_is_one_transaction_and_errors_quote_no_event(log: PostgresAuditLog, url: str) -> None:
    with superuser(url) as db:  # the second event of the group fails inside the database, quoting its content
        db.execute(
            "CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.subject = 'boom' THEN"
            " RAISE EXCEPTION 'boom: %', NEW.body; END IF; RETURN NEW; END $$"
        )
        db.execute("CREATE TRIGGER boom BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION boom()")
    with pytest.raises(AuditUnavailable) as failed:
        log.append([event(1), event(2, subject="boom", justification="SECRET-CONTENT"), event(3)])
    assert "SECRET-CONTENT" not in str(failed.value)
    assert isinstance(failed.value.__cause__, psycopg.Error)
    assert log.query() == []
    assert log.append([event(1)]) == [1]
    assert log.verify().ok


def test_a_stopped_server_fails_closed_and_a_restarted_one_is_used_again(tmp_path: Path, key_path: Path) -> None:
    pgdata = tmp_path / "pg"
    with running_postgres(pgdata) as server:
        trail = filled(open_trail(schema_url(server), key_path), 2)
    with pytest.raises(AuditUnavailable, match="audit write failed"):  # the server is gone
        trail.append([event(3)])
    with pytest.raises(AuditUnavailable, match="reconnect"):
        trail.append([event(3)])
    with pytest.raises(AuditUnavailable):
        trail.verify()
    with running_postgres(pgdata):
        assert trail.append([event(3)]) == [3]  # the lost connection was replaced
        assert trail.verify().ok
        trail.close()


def test_an_unreachable_server_fails_closed_at_open(tmp_path: Path, key_path: Path) -> None:
    with pytest.raises(AuditUnavailable, match="cannot open the PostgreSQL audit trail"):
        open_trail(f"postgresql://hub:pw-secret@/audit?host={tmp_path}", key_path)


def test_a_lock_held_past_the_timeout_fails_closed(log: PostgresAuditLog, url: str, key_path: Path) -> None:
    with superuser(url) as other, PostgresAuditLog(url, SigningKey.load_or_create(key_path), timeout=0.2) as impatient:
        with other.transaction():
            other.execute("LOCK TABLE events IN ACCESS EXCLUSIVE MODE")
            with pytest.raises(AuditUnavailable, match="LockNotAvailable"):
                impatient.append([event(1)])
        assert impatient.append([event(1)]) == [1]
    assert log.verify().ok


def test_verifying_needs_an_existing_trail(url: str, key_path: Path) -> None:
    SigningKey.load_or_create(key_path)
    with pytest.raises(AuditUnavailable, match="no audit trail"):  # an empty schema would verify as intact
        open_trail(url, key_path, create=False)


def test_a_hub_role_that_may_only_insert_uses_the_owners_schema(
    log: PostgresAuditLog, url: str, key_path: Path
) -> None:
    role = f"hub_{uuid.uuid4().hex[:8]}"
    with superuser(url) as db:  # the owner created the schema (the log fixture); the hub's role gets the least it needs
        schema = _one(db, "SELECT current_schema()")
        for grant in (
            f"CREATE ROLE {role} LOGIN",
            f"GRANT USAGE ON SCHEMA {schema} TO {role}",
            f"GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA {schema} TO {role}",
            f"GRANT UPDATE ON head, tree_head TO {role}",
        ):
            db.execute(grant.encode())
    hub_conninfo = make_conninfo(url, user=role)
    with PostgresAuditLog(hub_conninfo, SigningKey.load_or_create(key_path)) as hub:
        assert hub.append([event(1), event(2)]) == [1, 2]
        assert hub.verify().ok
    with psycopg.connect(hub_conninfo, autocommit=True) as db, pytest.raises(psycopg.errors.InsufficientPrivilege):
        db.execute("ALTER TABLE events DISABLE TRIGGER ALL")


def test_hub_audit_verify_reads_the_postgresql_trail(log: PostgresAuditLog, url: str, tmp_path: Path) -> None:
    def hub_verify() -> subprocess.CompletedProcess[str]:
        env = hub_env(tmp_path, HUB_AUDIT_URL=url)
        return subprocess.run([HUB, "audit", "verify"], env=env, capture_output=True, text=True, timeout=60)

    filled(log)
    done = hub_verify()
    assert (done.returncode, done.stdout) == (0, "audit trail ok: 10 events, 2 checkpoints\n"), done.stderr
    with superuser(url) as db:
        db.execute("ALTER TABLE events DISABLE TRIGGER USER")
        db.execute("UPDATE events SET body = replace(body, 'MATAC-7', 'MATAC-1') WHERE seq = 7")
    done = hub_verify()
    assert done.returncode == 1, done.stderr
    assert done.stdout == "audit trail TAMPERED at position 7: event hash does not match its content\n"


def _rewrite_with_the_key(url: str, key_path: Path, events: list[Any]) -> None:
    with superuser(url) as db:  # the tables' owner empties them, then the hub's own code writes them again
        for table in ("events", "event_persons", "checkpoints", "head", "tree_nodes", "tree_head"):
            db.execute(f"ALTER TABLE {table} DISABLE TRIGGER ALL".encode())
        db.execute("TRUNCATE events, event_persons, checkpoints, head, tree_nodes, tree_head")
    with PostgresAuditLog(url, SigningKey.load_or_create(key_path), checkpoint_every=4) as rewriter:
        rewriter.append(events)
        assert rewriter.verify().ok  # every signature checks


@pytest.mark.parametrize(
    ("events", "reason"),
    [
        ([event(i, justification="nothing") if i == 5 else event(i) for i in range(1, 11)], "do not hash to the root"),
        ([event(i) for i in range(1, 9)], "the trail holds 8 events, but the checkpoint"),
        ([], "the trail is empty, but the checkpoint"),
    ],
    ids=["re-signed rewrite", "rollback", "wipe"],
)
def test_what_only_a_head_kept_elsewhere_can_catch(
    log: PostgresAuditLog, url: str, key_path: Path, tmp_path: Path, events: list[Any], reason: str
) -> None:
    filled(log)
    head = log.tree_head()
    assert head is not None and head.size == 10
    checkpoint = tmp_path / "checkpoint.json"
    checkpoint.write_text(head.dumps())
    _rewrite_with_the_key(url, key_path, events)
    result = log.verify([("kept", head)])
    assert not result.ok and reason in str(result.reason)
    env = hub_env(tmp_path, HUB_AUDIT_URL=url, HUB_AUDIT_SIGNING_KEY=str(key_path))
    done = subprocess.run(
        [HUB, "audit", "verify", "--checkpoint", str(checkpoint)], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert reason in done.stdout and "TAMPERED" in done.stdout
