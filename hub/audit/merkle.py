"""The Merkle tree over the trail's events, as Certificate Transparency defines it (RFC 6962, RFC 9162 section 2.1).

Pure functions, no storage. A leaf's hash is SHA-256(0x00 || its canonical event), a node's SHA-256(0x01 || left ||
right); the tree over ``n`` leaves splits at the largest power of two below ``n``. Every event is a leaf, in order.

Storage keeps only *perfect* subtrees, each named by ``(end, level)``: the subtree of ``2**level`` leaves that ends at
leaf ``end`` (1-based, so ``end`` is also the tree size at which it became complete). Appending leaf ``s`` adds the
nodes ``(s, 0) ... (s, t)`` where ``t`` counts the trailing zero bits of ``s``: two rows per leaf on average, and every
new node is the hash of a node of the *frontier* (the perfect subtrees a tree of the old size is made of, at most
log2(n) of them) and the node below it. Any subtree the RFC's recursion needs, perfect or not, is at most log2(n)
stored nodes, so a root, an inclusion proof or a consistency proof reads O(log n) rows (:func:`nodes_for`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence

Node = tuple[int, int]  # (end, level): the perfect subtree of 2**level leaves ending at leaf ``end``
Range = tuple[int, int]  # [lo, hi): leaves lo .. hi - 1, 0-based

EMPTY_ROOT = hashlib.sha256(b"").digest()  # the root of the empty tree (RFC 6962 section 2.1)


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n >= 2): where the RFC splits a tree of ``n`` leaves."""
    return 1 << ((n - 1).bit_length() - 1)


def frontier(size: int) -> list[Node]:
    """The perfect subtrees a tree of ``size`` leaves is made of, largest (leftmost) first."""
    return [((size >> level) << level, level) for level in range(size.bit_length() - 1, -1, -1) if size >> level & 1]


def blocks(lo: int, hi: int) -> list[Node]:
    """The perfect subtrees, left to right, that make up the range [lo, hi) as the RFC's recursion reaches it.

    Every range the recursion visits starts at a multiple of its largest block, so its blocks are the binary digits
    of its width, largest first, and its hash is theirs folded from the right (:func:`fold`).
    """
    found: list[Node] = []
    while lo < hi:
        level = (hi - lo).bit_length() - 1
        while lo % (1 << level):
            level -= 1
        lo += 1 << level
        found.append((lo, level))
    return found


def fold(hashes: Sequence[bytes]) -> bytes:
    """The hash of adjacent perfect subtrees, largest first: RFC 6962's MTH of their union."""
    if not hashes:
        return EMPTY_ROOT
    acc = hashes[-1]
    for left in reversed(hashes[:-1]):
        acc = node_hash(left, acc)
    return acc


def append(size: int, tops: list[bytes], leaves: Iterable[bytes]) -> Iterator[tuple[int, int, bytes]]:
    """Append leaf hashes to a tree of ``size`` leaves whose frontier hashes are ``tops`` (largest first, updated in
    place); yield every new perfect node as ``(end, level, hash)``, in the order ``(end, level)`` sorts."""
    for leaf in leaves:
        size += 1
        current = leaf
        yield size, 0, current
        level = 0
        while not size >> level & 1:  # the new node completes its parent: the frontier's smallest is its left half
            level += 1
            current = node_hash(tops.pop(), current)
            yield size, level, current
        tops.append(current)


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """The ranges whose hashes make up the audit path of leaf ``index`` (0-based) in a tree of ``size`` leaves, in
    the order RFC 9162 lists them (nearest the leaf first)."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size} leaves")
    path: list[Range] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            path.append((lo + k, hi))
            hi = lo + k
        else:
            path.append((lo, lo + k))
            lo += k
    path.reverse()
    return path


def consistency_ranges(old: int, new: int) -> list[Range]:
    """The ranges whose hashes make up the consistency proof from a tree of ``old`` leaves to one of ``new`` (RFC 6962
    section 2.1.2's SUBPROOF), in order. Empty when ``old`` is 0 or equals ``new``: nothing needs proving."""
    if not 0 <= old <= new:
        raise ValueError(f"no consistency proof from a tree of {old} leaves to one of {new}")
    if old in (0, new):
        return []
    proof: list[Range] = []
    lo, hi, m, whole = 0, new, old, True
    trail: list[Range] = []  # the siblings, emitted after the recursion returns (innermost first)
    while True:
        n = hi - lo
        if m == n:
            if not whole:
                proof.append((lo, hi))
            break
        k = _split(n)
        if m <= k:
            trail.append((lo + k, hi))
            hi = lo + k
        else:
            trail.append((lo, lo + k))
            lo, m, whole = lo + k, m - k, False
    proof.extend(reversed(trail))
    return proof


def nodes_for(ranges: Iterable[Range]) -> set[Node]:
    """The stored nodes that ``ranges`` need: what a store reads for a proof."""
    return {node for lo, hi in ranges for node in blocks(lo, hi)}


def range_hashes(ranges: Sequence[Range], stored: Mapping[Node, bytes]) -> list[bytes]:
    """Each range's hash from stored perfect nodes; ``KeyError`` if a node the range needs is not stored."""
    return [fold([stored[node] for node in blocks(lo, hi)]) for lo, hi in ranges]


def verify_inclusion(leaf: bytes, index: int, size: int, path: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 section 2.1.3.2: does ``path`` prove that ``leaf`` is leaf ``index`` of the tree with ``root``?"""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> bool:
    """RFC 9162 section 2.1.4.2: does ``proof`` show that the tree of ``new`` leaves with ``new_root`` extends the
    tree of ``old`` leaves with ``old_root``? A tree extends the empty tree, and itself, with an empty proof."""
    if not 0 <= old <= new:
        return False
    if old == 0:
        return not proof and old_root == EMPTY_ROOT
    if old == new:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = list(proof)
    if old & (old - 1) == 0:  # an exact power of two: the old tree is a node of the new one
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == old_root and sr == new_root and sn == 0
