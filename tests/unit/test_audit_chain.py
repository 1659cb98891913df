"""The hash chain verifier names the first position that cannot be trusted, for every kind of tampering."""

from __future__ import annotations

import datetime as dt

import pytest

from hub.audit import AuditEvent
from hub.audit.chain import GENESIS, Row, Signed, link_hash, verify_chain
from hub.audit.signing import SigningKey, VerifyKey

KEY = SigningKey.generate()
OTHER_KEY = SigningKey.generate()


def chain(bodies: list[str], start: int = 1, prev: str = GENESIS) -> list[Row]:
    rows: list[Row] = []
    for seq, body in enumerate(bodies, start):
        rows.append(Row(seq, body, prev, link_hash(prev, seq, body)))
        prev = rows[-1].hash
    return rows


ROWS = chain([f'{{"n":{n}}}' for n in range(1, 11)])
HEAD = KEY.sign(10, ROWS[-1].hash)


def verdict(
    rows: list[Row], checkpoints: tuple[int, ...] = (4, 8), head: Signed | None = HEAD, key: SigningKey = KEY
) -> tuple[bool, int | None, str | None]:
    """Verify ``rows`` against checkpoints signed over the genuine chain."""
    result = verify_chain(rows, [key.sign(s, ROWS[s - 1].hash) for s in checkpoints], head, KEY.public_key.verify)
    return result.ok, result.first_bad, result.reason


def test_an_intact_chain_verifies() -> None:
    result = verify_chain(ROWS, [KEY.sign(4, ROWS[3].hash), KEY.sign(8, ROWS[7].hash)], HEAD, KEY.public_key.verify)
    assert (result.ok, result.events, result.checkpoints, result.first_bad) == (True, 10, 2, None)


def test_an_empty_chain_verifies() -> None:
    assert verify_chain([], [], None, KEY.public_key.verify).ok


def test_the_hash_encoding_is_unambiguous() -> None:
    assert GENESIS == "0" * 64
    assert link_hash(GENESIS, 12, "3x") != link_hash(GENESIS, 123, "x")
    assert link_hash(GENESIS, 1, "a") != link_hash("0" * 63, 1, "0a")
    assert link_hash(GENESIS, 1, "é") == link_hash(GENESIS, 1, "é")


def test_an_altered_body_is_named() -> None:
    rows = [*ROWS]
    rows[4] = rows[4]._replace(body='{"n":55}')
    assert verdict(rows) == (False, 5, "event hash does not match its content")


def test_an_altered_hash_is_named() -> None:
    rows = [*ROWS]
    rows[4] = rows[4]._replace(hash="f" * 64)
    assert verdict(rows)[:2] == (False, 5)


def test_a_deleted_event_leaves_a_gap() -> None:
    ok, first_bad, reason = verdict(ROWS[:4] + ROWS[5:])
    assert (ok, first_bad) == (False, 5)
    assert "missing" in str(reason)


def test_a_deleted_event_with_the_rest_renumbered_is_named() -> None:
    rows = ROWS[:4] + [row._replace(seq=row.seq - 1) for row in ROWS[5:]]
    assert verdict(rows, checkpoints=(), head=None)[:2] == (False, 5)


def test_an_inserted_event_is_named() -> None:
    forged = chain(['{"n":"forged"}'], start=5, prev=ROWS[3].hash)
    assert verdict(ROWS[:4] + forged + ROWS[4:]) == (
        False,
        5,
        "event inserted: it and the next event chain from the same predecessor",
    )


def test_an_inserted_event_with_the_rest_renumbered_is_named() -> None:
    forged = chain(['{"n":"forged"}'], start=5, prev=ROWS[3].hash)
    rows = ROWS[:4] + forged + [row._replace(seq=row.seq + 1) for row in ROWS[4:]]
    assert verdict(rows)[:2] == (False, 5)


def test_a_replaced_event_with_a_recomputed_hash_is_named() -> None:
    forged = chain(['{"n":"forged"}'], start=5, prev=ROWS[3].hash)
    assert verdict(ROWS[:4] + forged + ROWS[5:]) == (
        False,
        5,
        "event replaced: the next event was chained to a different hash",
    )


def test_reordered_events_are_named() -> None:
    assert verdict([*ROWS[:4], ROWS[5], ROWS[4], *ROWS[6:]])[:2] == (False, 5)


def test_reordered_events_renumbered_are_named() -> None:
    swapped = [ROWS[5]._replace(seq=5), ROWS[4]._replace(seq=6)]
    assert verdict(ROWS[:4] + swapped + ROWS[6:])[:2] == (False, 5)


def test_swapped_bodies_are_named() -> None:
    rows = [*ROWS]
    rows[4], rows[6] = rows[4]._replace(body=ROWS[6].body), rows[6]._replace(body=ROWS[4].body)
    assert verdict(rows)[:2] == (False, 5)


def test_a_truncated_tail_after_a_checkpoint_is_named() -> None:
    ok, first_bad, reason = verdict(ROWS[:6], head=None)
    assert (ok, first_bad) == (False, 7)
    assert "checkpoint was signed at position 8" in str(reason)


def test_a_truncated_tail_after_the_last_checkpoint_is_caught_by_the_head() -> None:
    assert verdict(ROWS[:9])[:2] == (False, 10)


def test_an_event_appended_without_the_key_is_named() -> None:
    forged = chain(['{"n":"forged"}'], start=11, prev=ROWS[-1].hash)
    ok, first_bad, reason = verdict(ROWS + forged)
    assert (ok, first_bad) == (False, 11)
    assert "after the signed head" in str(reason)


def test_a_missing_head_leaves_the_tail_unprotected() -> None:
    assert verdict(ROWS, head=None)[:2] == (False, 9)


def test_a_rewritten_stretch_fails_at_the_first_unvouched_position() -> None:
    # every hash recomputed from position 6 on: only the checkpoint at 8 can tell, and 5..8 are no longer vouched for
    rewritten = ROWS[:5] + chain(['{"n":"rewritten"}', *(r.body for r in ROWS[6:])], start=6, prev=ROWS[4].hash)
    ok, first_bad, reason = verdict(rewritten)
    assert (ok, first_bad) == (False, 5)
    assert "checkpoint signed at 8" in str(reason)


def test_a_forged_checkpoint_signature_is_named() -> None:
    assert verdict(ROWS, checkpoints=(4, 8), key=OTHER_KEY) == (
        False,
        4,
        "the signature on the checkpoint at position 4 is not valid",
    )


def test_a_forged_head_signature_is_named() -> None:
    head = OTHER_KEY.sign(10, ROWS[-1].hash)
    assert verdict(ROWS, head=head)[:2] == (False, 10)


def test_a_public_key_alone_verifies() -> None:
    for exported in (VerifyKey.from_pem(KEY.public_key.pem()), VerifyKey.from_raw(KEY.public_key.raw())):
        assert exported.verify(HEAD)
        assert not exported.verify(HEAD._replace(seq=9))
    assert "PRIVATE" not in repr(KEY)


def test_an_event_round_trips_through_canonical_json() -> None:
    event = AuditEvent(
        at=dt.datetime(2025, 3, 1, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=1))),
        subject="analyst-1",
        agency="police",
        roles=["analyst"],  # type: ignore[arg-type]
        purpose="matac",
        decision="deny",
        reasons=("no agreement",),
        persons=("P1", "P2"),
    )
    text = event.to_json()
    assert AuditEvent.from_json(text) == event
    assert AuditEvent.from_json(text).to_json() == text
    assert '"at":"2025-03-01T08:30:00.000000Z"' in text
    assert event.roles == ("analyst",)


@pytest.mark.parametrize(
    "changes",
    [{"at": dt.datetime(2025, 3, 1)}, {"decision": "maybe"}, {"subject": ""}, {"persons": "P1"}],
)
def test_an_event_refuses_what_it_cannot_hash_faithfully(changes: dict[str, object]) -> None:
    base: dict[str, object] = {"at": dt.datetime.now(dt.UTC), "subject": "s", "agency": "a", "decision": "allow"}
    with pytest.raises((ValueError, TypeError)):
        AuditEvent(**{**base, **changes})  # type: ignore[arg-type]
