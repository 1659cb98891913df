"""The tamper suite: real hub data directories attacked as someone who can write them would, judged by the real CLI.

A trail of 12 events is written through the hub's own store (``open_settings_trail``, as ``hub serve`` opens it),
publishing every signed tree head to a witness directory outside the data directory; ``hub audit checkpoint`` keeps
the head at 12 events outside it too, and a copy of the data directory at 8 events stands for an older backup (and
for the older heads an attacker can read out of SQLite's write-ahead log). Each case copies the data directory and
tampers with the SQLite file using sqlite3 (dropping the append-only triggers first) or the hub's own code and key.

Then ``hub audit verify`` runs as a subprocess three ways: alone (today's checks: some attacks pass unseen, as the
README's threat model says), with ``--checkpoint FILE`` and with ``--checkpoint WITNESS_DIR``: both catch every case.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from hub.audit import AuditEvent, merkle, open_settings_trail
from hub.audit.chain import GENESIS, link_hash
from hub.audit.signing import SigningKey
from hub.audit.tree import leaf_of
from hub.settings import Settings
from tests.helpers import HUB, hub_env

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
BATCHES = (3, 4, 1, 4)  # 12 events in four appends: heads at 3, 7, 8 and 12


def event(i: int, **changes: object) -> AuditEvent:
    fields: dict[str, object] = {
        "at": T0 + dt.timedelta(minutes=i),
        "subject": f"officer-{i % 3}",
        "agency": "cleveland-police",
        "roles": ("matac-analyst",),
        "purpose": "matac-tasking",
        "agreement": "tees-matac",
        "agreement_version": "3",
        "justification": f"MATAC-{i}",
        "decision": "allow",
        "persons": (f"P{i}", "P-victim"),
        "fields": ("person.given_name",),
    }
    return AuditEvent(**{**fields, **changes})  # type: ignore[arg-type]


def db_of(data_dir: Path) -> Path:
    return data_dir / "audit" / "audit.sqlite3"


@dataclass(frozen=True)
class Scene:
    data_dir: Path  # the trail as the hub left it: 12 events
    older: Path  # a copy of the data directory taken at 8 events
    checkpoint: Path  # hub audit checkpoint at 12 events, kept outside
    witness: Path  # every head the hub published

    def copy(self, root: Path) -> Path:
        target = root / "attacked"
        shutil.copytree(self.data_dir, target)
        return target


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Scene:
    root = tmp_path_factory.mktemp("scene")
    data_dir, witness = root / "hub-data", root / "auditor" / "heads"
    env = {"HUB_DATA_DIR": str(data_dir), "HUB_AUDIT_WITNESS": str(witness), "HUB_AUDIT_WITNESS_INTERVAL": "0"}
    older = root / "backup-at-8"
    written = 0
    with open_settings_trail(Settings.from_env(env)) as log:
        for batch in BATCHES:
            log.append([event(i) for i in range(written + 1, written + batch + 1)])
            written += batch
            published = f"head-{written:012d}-*.json"  # each head, not only the latest (the publisher coalesces)
            deadline = time.monotonic() + 10
            while not any(witness.glob(published)):
                assert time.monotonic() < deadline, f"the witness never got the head at {written}"
                time.sleep(0.01)
            if written == 8:
                shutil.copytree(data_dir, older)  # the WAL comes along: a consistent copy, as a backup tool makes
    checkpoint = root / "auditor" / "checkpoint-12.json"
    done = verify_cli(data_dir, "--out", str(checkpoint), command="checkpoint")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name[:17] for p in witness.glob("*.json")) == [f"head-{n:012d}" for n in (3, 7, 8, 12)]
    return Scene(data_dir, older, checkpoint, witness)


def verify_cli(data_dir: Path, *args: str, command: str = "verify") -> subprocess.CompletedProcess[str]:
    argv = [HUB, "audit", command, *args]
    return subprocess.run(argv, env=hub_env(data_dir), capture_output=True, text=True, timeout=120, check=False)


def attacker(data_dir: Path) -> sqlite3.Connection:
    """A raw connection to the trail with every append-only trigger dropped, as anyone who can write the file can."""
    db = sqlite3.connect(db_of(data_dir), isolation_level=None)
    for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        db.execute(f"DROP TRIGGER {name}")
    return db


# --- the attacks -------------------------------------------------------------------------------------------------


def edit(scene: Scene, data_dir: Path) -> None:
    with attacker(data_dir) as db:
        db.execute("UPDATE events SET body = replace(body, 'MATAC-5', 'MATAC-9') WHERE seq = 5")


def middle_delete(scene: Scene, data_dir: Path) -> None:
    with attacker(data_dir) as db:
        db.execute("DELETE FROM events WHERE seq = 5")


def tail_cut(scene: Scene, data_dir: Path) -> None:
    with attacker(data_dir) as db:
        db.execute("DELETE FROM events WHERE seq > 8")


def _heads_at_8(scene: Scene) -> tuple[tuple[object, ...], tuple[object, ...]]:
    """The chain head and tree head rows as they were at 8 events: what the WAL or an old backup still holds."""
    with sqlite3.connect(f"{db_of(scene.older).as_uri()}?mode=ro", uri=True) as old:
        return old.execute("SELECT * FROM head").fetchone(), old.execute("SELECT * FROM tree_head").fetchone()


def tail_cut_older_head(scene: Scene, data_dir: Path) -> None:
    head, tree_head = _heads_at_8(scene)
    with attacker(data_dir) as db:
        for table in ("events", "event_persons", "checkpoints"):
            db.execute(f"DELETE FROM {table} WHERE seq > 8")
        db.execute("DELETE FROM tree_nodes WHERE size > 8")
        db.execute("DELETE FROM head")
        db.execute("INSERT INTO head VALUES (?, ?, ?, ?, ?)", head)
        db.execute("DELETE FROM tree_head")
        db.execute("INSERT INTO tree_head VALUES (?, ?, ?, ?, ?, ?)", tree_head)


def reorder(scene: Scene, data_dir: Path) -> None:
    with attacker(data_dir) as db:
        five, seven = (db.execute("SELECT body FROM events WHERE seq = ?", (s,)).fetchone()[0] for s in (5, 7))
        db.execute("UPDATE events SET body = ? WHERE seq = 5", (seven,))
        db.execute("UPDATE events SET body = ? WHERE seq = 7", (five,))


def insert(scene: Scene, data_dir: Path) -> None:
    with attacker(data_dir) as db:
        db.execute("UPDATE events SET seq = seq + 1000 WHERE seq >= 5")
        db.execute("UPDATE events SET seq = seq - 999 WHERE seq >= 1000")
        prev = db.execute("SELECT hash FROM events WHERE seq = 4").fetchone()[0]
        body = event(4, justification="MATAC-FORGED").to_json()
        db.execute(
            "INSERT INTO events SELECT 5, at, subject, agency, purpose, ?, ?, ? FROM events WHERE seq = 4",
            (body, prev, link_hash(prev, 5, body)),
        )


def wipe(scene: Scene, data_dir: Path) -> None:
    with attacker(data_dir) as db:
        for table in ("events", "event_persons", "checkpoints", "head", "tree_nodes", "tree_head"):
            db.execute(f"DELETE FROM {table}")


def rollback(scene: Scene, data_dir: Path) -> None:
    shutil.rmtree(data_dir)
    shutil.copytree(scene.older, data_dir)


def fresh_trail(scene: Scene, data_dir: Path) -> None:
    """The file replaced by a new trail, written by the hub's own code with the key in the data directory."""
    for leftover in db_of(data_dir).parent.iterdir():
        leftover.unlink()
    with open_settings_trail(Settings.from_env({"HUB_DATA_DIR": str(data_dir)})) as log:
        log.append([event(100 + i, subject="nobody-to-see") for i in range(14)])


def fresh_trail_new_key(scene: Scene, data_dir: Path) -> None:
    (data_dir / "secrets" / "audit-signing.key").unlink()  # a fresh trail signed with a fresh key
    fresh_trail(scene, data_dir)


def resigned_rewrite(scene: Scene, data_dir: Path) -> None:
    """The key holder rewrites event 5 and makes everything agree again: chain, checkpoints, head, tree, tree head."""
    key = SigningKey.load_or_create(data_dir / "secrets" / "audit-signing.key")
    with attacker(data_dir) as db:
        db.execute("UPDATE events SET body = replace(body, 'MATAC-5', 'MATAC-9') WHERE seq = 5")
        prev, tops, nodes = GENESIS, [], []
        for seq, body in db.execute("SELECT seq, body FROM events ORDER BY seq").fetchall():
            digest = link_hash(prev, seq, body)
            db.execute("UPDATE events SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, digest, seq))
            nodes += merkle.append(seq - 1, tops, [leaf_of(body)])
            prev = digest
        db.execute("DELETE FROM tree_nodes")
        db.executemany("INSERT INTO tree_nodes VALUES (?, ?, ?)", nodes)
        signed = key.sign(12, prev)
        db.execute("UPDATE head SET hash = ?, signature = ? WHERE seq = 12", (signed.hash, signed.signature))
        head = key.sign_head(12, merkle.fold(tops))
        db.execute("UPDATE tree_head SET root = ?, signature = ?, at = ?", (head.root, head.signature, head.timestamp))


@dataclass(frozen=True)
class Case:
    attack: Callable[[Scene, Path], None]
    caught_without_checkpoint: bool  # the README's threat model, row by row
    message: str  # what verify --checkpoint FILE says


CASES = {
    "edit": Case(edit, True, "TAMPERED at position 5: event hash does not match its content"),
    "middle delete": Case(middle_delete, True, "TAMPERED at position 5: event missing or out of order"),
    "tail cut": Case(tail_cut, True, "TAMPERED at position 9: events missing from position 9"),
    "tail cut with an older head restored": Case(
        tail_cut_older_head, False, "TAMPERED at position 9: the trail holds 8 events, but the checkpoint"
    ),
    "reorder": Case(reorder, True, "TAMPERED at position 5: event hash does not match its content"),
    "insert": Case(insert, True, "TAMPERED at position 5: event inserted"),
    "wipe": Case(wipe, False, "TAMPERED at position 1: the trail is empty, but the checkpoint"),
    "rollback to an older copy": Case(
        rollback, False, "TAMPERED at position 9: the trail holds 8 events, but the checkpoint"
    ),
    "fresh trail": Case(fresh_trail, False, "TAMPERED: the trail's first 12 events do not hash to the root of"),
    "fresh trail with a new key": Case(fresh_trail_new_key, False, "was signed by a different key"),
    "key holder's re-signed rewrite": Case(
        resigned_rewrite, False, "TAMPERED: the trail's first 12 events do not hash to the root of"
    ),
}


def test_the_untouched_trail_verifies_every_way(scene: Scene) -> None:
    for args in ((), ("--checkpoint", str(scene.checkpoint)), ("--checkpoint", str(scene.witness))):
        done = verify_cli(scene.data_dir, *args)
        assert done.returncode == 0, done.stdout + done.stderr
    assert (
        done.stdout == "audit trail ok: 12 events, 0 checkpoints, consistent with 4 signed tree heads kept outside it\n"
    )


@pytest.mark.parametrize("case", CASES)
def test_verify_with_a_checkpoint_catches_every_attack(scene: Scene, tmp_path: Path, case: str) -> None:
    attacked = scene.copy(tmp_path)
    CASES[case].attack(scene, attacked)
    plain = verify_cli(attacked)
    assert plain.returncode == (1 if CASES[case].caught_without_checkpoint else 0), plain.stdout + plain.stderr
    with_file = verify_cli(attacked, "--checkpoint", str(scene.checkpoint))
    assert with_file.returncode == 1, with_file.stdout + with_file.stderr
    assert CASES[case].message in with_file.stdout
    assert with_file.stdout.count("\n") == 1  # one clear sentence
    with_witness = verify_cli(attacked, "--checkpoint", str(scene.witness))
    assert with_witness.returncode == 1, with_witness.stdout + with_witness.stderr
    assert "TAMPERED" in with_witness.stdout


# --- one test per attack the issue names: each fails on a hub without signed tree heads kept outside the trail ------


def _caught(scene: Scene, tmp_path: Path, attack: Callable[[Scene, Path], None], anchor: Path) -> str:
    attacked = scene.copy(tmp_path)
    attack(scene, attacked)
    done = verify_cli(attacked, "--checkpoint", str(anchor))
    assert done.returncode == 1, done.stdout + done.stderr
    return done.stdout


def test_rollback_to_older_copy_is_caught(scene: Scene, tmp_path: Path) -> None:
    said = _caught(scene, tmp_path, rollback, scene.checkpoint)
    assert "holds 8 events, but the checkpoint" in said and "rolled back to an older copy" in said


def test_tail_cut_with_an_older_head_restored_is_caught(scene: Scene, tmp_path: Path) -> None:
    said = _caught(scene, tmp_path, tail_cut_older_head, scene.witness)
    assert "holds 8 events" in said and "vouches for 12" in said
    assert "consistent with the checkpoints up to size 8" in said  # the heads at 3, 7 and 8 still agree


def test_wipe_is_caught(scene: Scene, tmp_path: Path) -> None:
    said = _caught(scene, tmp_path, wipe, scene.checkpoint)
    assert "the trail is empty" in said and "wiped or replaced" in said


def test_fresh_trail_is_caught(scene: Scene, tmp_path: Path) -> None:
    said = _caught(scene, tmp_path, fresh_trail, scene.checkpoint)
    assert "do not hash to the root" in said and "another trail" in said


def test_a_checkpoint_signed_by_another_key_is_reported_as_such(scene: Scene, tmp_path: Path) -> None:
    said = _caught(scene, tmp_path, fresh_trail_new_key, scene.checkpoint)
    assert "was signed by a different key (key id" in said


def test_key_holders_resigned_rewrite_is_caught(scene: Scene, tmp_path: Path) -> None:
    attacked = scene.copy(tmp_path)
    resigned_rewrite(scene, attacked)
    assert verify_cli(attacked).returncode == 0  # every signature checks: only a head kept elsewhere can tell
    said = _caught(scene, tmp_path / "again", resigned_rewrite, scene.witness)
    assert "first 7 events do not hash" in said  # the first witness head after event 5
    assert "consistent with the checkpoints up to size 3" in said


def test_an_unreadable_checkpoint_exits_2(scene: Scene, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"version": "something-else"}')
    done = verify_cli(scene.data_dir, "--checkpoint", str(bad))
    assert done.returncode == 2 and "not a signed tree head" in done.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    done = verify_cli(scene.data_dir, "--checkpoint", str(empty))
    assert done.returncode == 2 and "holds no signed tree head" in done.stderr
