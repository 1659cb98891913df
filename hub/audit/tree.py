"""Verifying the Merkle tree beside the hash chain: pure functions over what a store streams, no storage.

``verify`` rebuilds the tree from the events' bodies as it reads them (:class:`TreeAudit`), checks every stored node
against the rebuilt one, checks the stored signed tree head, and checks the trail against signed heads kept outside
it (checkpoints, a witness's files): the trail must be a consistent extension of each, or it was cut, rolled back,
wiped, replaced or rewritten, whoever signed it since.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from hub.audit import merkle
from hub.audit.chain import Verification
from hub.audit.heads import TreeHead
from hub.audit.signing import VerifyKey


def leaf_of(body: object) -> bytes:
    """The leaf hash of a stored event body (a body stored with the wrong type hashes as its text, and mismatches)."""
    data = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else repr(body).encode()
    return merkle.leaf_hash(data)


class TreeAudit:
    """The tree rebuilt from bodies fed in order; stored nodes (``(size, level, hash)`` in key order) are compared as
    it goes, and the root is noted at each size in ``sizes``."""

    def __init__(self, stored: Iterable[tuple[int, int, bytes]], sizes: Iterable[int]) -> None:
        self.size = 0
        self.first_bad: int | None = None  # the first position whose stored nodes disagree with the rebuilt tree
        self.roots: dict[int, bytes] = {}
        self._tops: list[bytes] = []
        self._stored: Iterator[tuple[int, int, bytes]] = iter(stored)
        self._next = next(self._stored, None)
        self.no_tree = self._next is None  # no stored node at all
        self._sizes = set(sizes)
        if 0 in self._sizes:
            self.roots[0] = merkle.EMPTY_ROOT

    def add(self, body: object) -> None:
        for size, level, value in merkle.append(self.size, self._tops, [leaf_of(body)]):
            if self.first_bad is None:
                found = self._next
                if found is None or (found[0], found[1]) != (size, level) or bytes(found[2]) != value:
                    self.first_bad = size
                else:
                    self._next = next(self._stored, None)
        self.size += 1
        if self.size in self._sizes:
            self.roots[self.size] = merkle.fold(self._tops)

    def finish(self) -> int | None:
        """The first position whose stored nodes are wrong or missing; one past the end if nodes outlive the events."""
        if self.first_bad is None and self._next is not None:
            return self.size + 1
        return self.first_bad


@dataclass(frozen=True)
class Problem:
    position: int | None  # the first position that cannot be trusted, where one can be named
    reason: str


def check_stored_head(audit: TreeAudit, head: TreeHead | None, key: VerifyKey) -> Problem | None:
    """The store's own signed tree head: signed by the trail's key, at the trail's size, over its root."""
    n = audit.size
    if head is None:
        return Problem(1, "the signed tree head is missing: nothing vouches for the Merkle tree") if n else None
    if not key.verify_head(head):
        return Problem(1, "the signature on the stored tree head is not valid")
    if head.size > n:
        return Problem(n + 1, f"events missing from position {n + 1}: the tree head was signed at size {head.size}")
    if head.size < n:
        return Problem(head.size + 1, f"events appended after the signed tree head at size {head.size}")
    if audit.roots.get(head.size) != head.root:
        return Problem(None, "the events no longer hash to the root of the stored signed tree head")
    return None


def check_checkpoints(audit: TreeAudit, heads: Sequence[tuple[str, TreeHead]], key: VerifyKey) -> Problem | None:
    """Is the trail a consistent extension of every head kept outside it? The first that it is not, in a sentence."""
    n, matched = audit.size, 0
    for name, head in sorted(heads, key=lambda named: named[1].size):
        where = f"the checkpoint {name} (size {head.size}, signed {head.timestamp})"
        if head.key_id != key.key_id:
            return Problem(
                None,
                f"{where} was signed by a different key (key id {head.key_id[:16]}…) than this trail's "
                f"(key id {key.key_id[:16]}…): the trail's signing key was replaced, or the checkpoint is not this "
                "trail's",
            )
        if not key.verify_head(head):
            return Problem(None, f"the signature on {where} does not verify with this trail's key: it is forged")
        if head.size > n:
            if n == 0:
                reason = f"the trail is empty, but {where} vouches for {head.size} events: it was wiped or replaced"
            else:
                reason = (
                    f"the trail holds {n} events, but {where} vouches for {head.size}: events were cut off the end, "
                    "or the trail was rolled back to an older copy"
                )
            return Problem(n + 1, reason + _since(matched))
        if audit.roots.get(head.size) != head.root:
            return Problem(
                None,
                f"the trail's first {head.size} events do not hash to the root of {where}: they were rewritten "
                "(and re-signed, if every signature checks), or this is another trail, such as a fresh one"
                + _since(matched),
            )
        matched = head.size
    return None


def _since(matched: int) -> str:
    return f" (it is consistent with the checkpoints up to size {matched})" if matched else ""


def conclude(
    chain: Verification,
    index_bad: int | None,
    audit: TreeAudit,
    head: TreeHead | None,
    checkpoints: Sequence[tuple[str, TreeHead]],
    key: VerifyKey,
) -> Verification:
    """One verdict: the chain's first bad position (or a mismatched index below it) first, then the tree's own
    nodes and signed head, then the checkpoints kept outside the trail."""
    if index_bad is not None and index_bad < (chain.first_bad or 2**62):
        reason = "the event's indexed columns or person ids do not match its content"
        return Verification(False, index_bad - 1, chain.checkpoints, index_bad, reason)
    if not chain.ok:
        return chain
    node_bad = audit.finish()
    if audit.size and audit.no_tree and head is None:
        problem: Problem | None = Problem(
            1,
            "the Merkle tree and its signed head are missing: a trail written before they existed gets them when the "
            "hub next opens it for writing; otherwise they were deleted",
        )
    else:
        problem = (
            Problem(node_bad, "the stored Merkle tree does not match the events") if node_bad is not None else None
        ) or check_stored_head(audit, head, key)
    if problem is None and checkpoints:
        problem = check_checkpoints(audit, checkpoints, key)
    if problem is None:
        return Verification(True, chain.events, chain.checkpoints, heads=len(checkpoints))
    events = chain.events if problem.position is None else min(chain.events, problem.position - 1)
    return Verification(False, events, chain.checkpoints, problem.position, problem.reason)
