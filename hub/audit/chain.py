"""The hash chain and its verifier: pure functions over stored rows, no storage and no key material.

Each event's hash covers its predecessor's hash, its position and its canonical body, so altering, deleting,
inserting or reordering events breaks the chain at a position the verifier can name. Signed checkpoints
``(seq, hash)`` stop someone who can write the store from rewriting a whole stretch of the chain, and the signed head
(the latest ``(seq, hash)``, re-signed on every append) from adding or cutting events at the end.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import NamedTuple

GENESIS = "0" * 64


def link_hash(prev_hash: str, seq: int, body: str) -> str:
    """SHA-256 over length-prefixed fields, so no two (prev_hash, seq, body) triples encode alike."""
    digest = hashlib.sha256(b"hub-audit-chain-v1")
    for part in (prev_hash.encode("ascii"), str(seq).encode("ascii"), body.encode("utf-8")):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


class Row(NamedTuple):
    seq: int
    body: str
    prev_hash: str
    hash: str


class Signed(NamedTuple):
    """A signed statement that the chain's event at ``seq`` had ``hash``: a checkpoint or the head."""

    seq: int
    hash: str
    signature: bytes


@dataclass(frozen=True)
class Verification:
    """The verdict. ``first_bad`` is the first position (seq) that cannot be trusted, where one can be named (a rewrite
    caught only by a signed tree head kept elsewhere cannot be placed); ``events`` and ``checkpoints`` count what was
    verified before it, ``heads`` the signed tree heads kept outside the trail that it was checked against."""

    ok: bool
    events: int
    checkpoints: int
    first_bad: int | None = None
    reason: str | None = None
    heads: int = 0


def verify_chain(
    rows: Iterable[Row],
    checkpoints: Iterable[Signed],
    head: Signed | None,
    signature_ok: Callable[[Signed], bool],
) -> Verification:
    """Walk ``rows`` in stored order from position 1 and report the first position that fails a check."""
    signed = {cp.seq: cp for cp in checkpoints}
    n = trusted = verified = 0  # trusted: the last position vouched for by a valid signature
    prev, prev_of_prev = GENESIS, GENESIS

    def bad(position: int, reason: str) -> Verification:
        return Verification(False, max(position - 1, 0), verified, position, reason)

    for row in rows:
        n += 1
        if row.prev_hash != prev and row.prev_hash == prev_of_prev:
            return bad(n - 1, "event inserted: it and the next event chain from the same predecessor")
        if row.seq != n:
            return bad(n, f"event missing or out of order: position {n} holds event {row.seq}")
        self_ok = _hash_of(row) == row.hash
        if row.prev_hash != prev and self_ok:
            return bad(n - 1, "event replaced: the next event was chained to a different hash")
        if not self_ok:
            return bad(n, "event hash does not match its content")
        if head is not None and n > head.seq:
            return bad(n, f"event appended after the signed head at position {head.seq}")
        statements = [cp for cp in (signed.get(n), head) if cp is not None and cp.seq == n]
        for statement in statements:
            if not signature_ok(statement):
                return bad(n, f"the signature on the checkpoint at position {n} is not valid")
            if statement.hash != row.hash:
                return bad(trusted + 1, f"events rewritten: they no longer match the checkpoint signed at {n}")
        if statements:
            trusted = n
            verified += n in signed
        prev_of_prev, prev = prev, row.hash

    beyond = sorted(seq for seq in signed if seq > n)
    if head is not None and head.seq > n:
        beyond.append(head.seq)
    if beyond:
        return bad(n + 1, f"events missing from position {n + 1}: a checkpoint was signed at position {beyond[0]}")
    if head is None and n:
        return bad(trusted + 1, "the signed head is missing: the end of the trail is unprotected")
    return Verification(True, n, verified)


def _hash_of(row: Row) -> str | None:
    try:
        return link_hash(row.prev_hash, row.seq, row.body)
    except (AttributeError, TypeError, UnicodeError):  # a body or hash stored with the wrong type
        return None
