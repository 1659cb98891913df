"""The Merkle tree (hub/audit/merkle.py) against a naive reference written from RFC 6962 section 2.1, for every size.

The reference recomputes everything from the leaves by the RFC's recursive definitions (MTH, PATH, PROOF); the module
under test builds from stored perfect subtrees and verifies with RFC 9162's iterative algorithms.
"""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.audit import merkle

MAX = 70


def ref_leaf(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def ref_mth(leaves: list[bytes]) -> bytes:
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return ref_leaf(leaves[0])
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + ref_mth(leaves[:k]) + ref_mth(leaves[k:])).digest()


def ref_path(m: int, leaves: list[bytes]) -> list[bytes]:
    n = len(leaves)
    if n <= 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*ref_path(m, leaves[:k]), ref_mth(leaves[k:])]
    return [*ref_path(m - k, leaves[k:]), ref_mth(leaves[:k])]


def ref_subproof(m: int, leaves: list[bytes], whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [ref_mth(leaves)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*ref_subproof(m, leaves[:k], whole), ref_mth(leaves[k:])]
    return [*ref_subproof(m - k, leaves[k:], False), ref_mth(leaves[:k])]


def ref_proof(m: int, leaves: list[bytes]) -> list[bytes]:
    return ref_subproof(m, leaves, True) if 0 < m < len(leaves) else []


LEAVES = [f"event {i}".encode() for i in range(MAX)]


def built(n: int) -> tuple[dict[merkle.Node, bytes], list[bytes]]:
    """Every stored node of a tree of ``n`` leaves, appended in uneven batches, and its frontier."""
    stored: dict[merkle.Node, bytes] = {}
    tops: list[bytes] = []
    size = 0
    for start in range(0, n, 3):
        batch = [merkle.leaf_hash(data) for data in LEAVES[start : min(n, start + 3)]]
        for end, level, value in merkle.append(size, tops, batch):
            assert (end, level) not in stored
            stored[end, level] = value
        size += len(batch)
    return stored, tops


TREES = {n: built(n) for n in range(MAX + 1)}


@pytest.mark.parametrize("n", range(MAX + 1))
def test_roots_from_stored_nodes_match_the_reference(n: int) -> None:
    stored, tops = TREES[n]
    assert merkle.fold(tops) == ref_mth(LEAVES[:n])
    assert [stored[node] for node in merkle.frontier(n)] == tops  # the frontier can be read back from storage
    assert merkle.range_hashes([(0, n)], stored) == [ref_mth(LEAVES[:n])]
    assert len(stored) < 2 * n + 1  # amortised two rows a leaf


@pytest.mark.parametrize("n", range(1, MAX + 1))
def test_every_inclusion_proof_matches_the_reference_and_verifies(n: int) -> None:
    stored, tops = TREES[n]
    root = merkle.fold(tops)
    for m in range(n):
        ranges = merkle.inclusion_ranges(m, n)
        path = merkle.range_hashes(ranges, stored)
        assert path == ref_path(m, LEAVES[:n])
        assert len(merkle.nodes_for(ranges)) <= 2 * n.bit_length()  # O(log n) reads
        assert merkle.verify_inclusion(ref_leaf(LEAVES[m]), m, n, path, root)


@pytest.mark.parametrize("n", range(1, MAX + 1))
def test_every_consistency_proof_matches_the_reference_and_verifies(n: int) -> None:
    stored, tops = TREES[n]
    root = merkle.fold(tops)
    for m in range(n + 1):
        ranges = merkle.consistency_ranges(m, n)
        proof = merkle.range_hashes(ranges, stored)
        assert proof == ref_proof(m, LEAVES[:n])
        assert len(merkle.nodes_for(ranges)) <= 2 * n.bit_length()
        assert merkle.verify_consistency(m, n, ref_mth(LEAVES[:m]), root, proof)


def _flip(value: bytes, bit: int) -> bytes:
    return bytes(b ^ (1 << bit % 8) if i == bit // 8 % len(value) else b for i, b in enumerate(value))


@settings(max_examples=400, deadline=None)
@given(st.integers(1, MAX).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n - 1))), st.data())
def test_an_inclusion_proof_fails_for_any_other_leaf_index_size_root_or_path(case: tuple[int, int], data) -> None:
    n, m = case
    stored, tops = TREES[n]
    root = merkle.fold(tops)
    path = merkle.range_hashes(merkle.inclusion_ranges(m, n), stored)
    leaf = ref_leaf(LEAVES[m])
    other = data.draw(st.integers(0, MAX - 1).filter(lambda i: i != m))
    assert not merkle.verify_inclusion(ref_leaf(LEAVES[other]), m, n, path, root)
    assert not merkle.verify_inclusion(leaf, m, n, path, ref_mth(LEAVES[: data.draw(st.integers(0, n - 1))]))
    wrong_index = data.draw(st.integers(-1, n + 1).filter(lambda i: i != m))
    if ref_path(wrong_index, LEAVES[:n]) != path or not 0 <= wrong_index < n:
        assert not merkle.verify_inclusion(leaf, wrong_index, n, path, root)
    # a size the leaf is not in (the root binds the size itself: the signed head carries both)
    assert not merkle.verify_inclusion(leaf, m, data.draw(st.integers(0, m)), path, root)
    if path:
        i = data.draw(st.integers(0, len(path) - 1))
        damaged = [*path[:i], _flip(path[i], data.draw(st.integers(0, 255))), *path[i + 1 :]]
        assert not merkle.verify_inclusion(leaf, m, n, damaged, root)
        assert not merkle.verify_inclusion(leaf, m, n, path[:-1], root)
    assert not merkle.verify_inclusion(leaf, m, n, [*path, root], root)


@settings(max_examples=400, deadline=None)
@given(st.integers(1, MAX).flatmap(lambda n: st.tuples(st.integers(1, n), st.just(n))), st.data())
def test_a_consistency_proof_fails_for_other_roots_sizes_or_paths(case: tuple[int, int], data) -> None:
    m, n = case
    stored, tops = TREES[n]
    new_root, old_root = merkle.fold(tops), ref_mth(LEAVES[:m])
    proof = merkle.range_hashes(merkle.consistency_ranges(m, n), stored)
    rewritten = [*LEAVES[: m - 1], b"rewritten", *LEAVES[m:n]]  # the key holder's rewrite of the last old leaf
    assert not merkle.verify_consistency(m, n, ref_mth(rewritten[:m]), new_root, proof)
    assert not merkle.verify_consistency(m, n, old_root, ref_mth(rewritten), proof)
    if m < n:
        assert not merkle.verify_consistency(m, n, old_root, new_root, [])
        i = data.draw(st.integers(0, len(proof) - 1))
        damaged = [*proof[:i], _flip(proof[i], data.draw(st.integers(0, 255))), *proof[i + 1 :]]
        assert not merkle.verify_consistency(m, n, old_root, new_root, damaged)
        other_old = data.draw(st.integers(1, n - 1).filter(lambda k: k != m))
        if ref_proof(other_old, LEAVES[:n]) != proof:
            assert not merkle.verify_consistency(other_old, n, ref_mth(LEAVES[:other_old]), new_root, proof)
    assert not merkle.verify_consistency(n, m - 1, new_root, old_root, proof)  # backwards: a rollback


def test_the_empty_tree_and_bad_arguments() -> None:
    assert merkle.fold([]) == hashlib.sha256(b"").digest() == merkle.EMPTY_ROOT
    assert merkle.verify_consistency(0, 5, merkle.EMPTY_ROOT, b"x" * 32, [])
    assert not merkle.verify_consistency(0, 5, b"y" * 32, b"x" * 32, [])
    assert not merkle.verify_inclusion(ref_leaf(b"a"), 0, 0, [], merkle.EMPTY_ROOT)
    with pytest.raises(ValueError):
        merkle.inclusion_ranges(3, 3)
    with pytest.raises(ValueError):
        merkle.consistency_ranges(4, 3)
