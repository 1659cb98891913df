"""From scored pairs to resolved people: constrained connected components, then stable person ids.

Clustering is connected components over the pairs at or above the threshold, built greedily from the most
probable pair down (union-find) with cannot-link guards, so one weak pair cannot chain two people together:

* a split decision between any record of one side and any of the other;
* conflicting national identifiers of one kind (each side holds values, none shared);
* incompatible dates of birth (each side holds some, no two are equal, swapped, or a day, a year or a digit apart);
* incompatible given names (each side holds some, no two share a nickname form or are near in spelling): twins;
* different known genders.

Confirmed pairs are joined first, whatever the model says. A merge the guards refuse leaves the two sides apart.
Then, with ``attach``, a record still alone whose every pair at or above ``attach`` (but below the threshold) points
into one and the same cluster joins it: a sparse record (a name heard from a victim, no date of birth, no address)
that fits exactly one known person.

Ids: a cluster keeps the person id most of its records already resolve to (ties: the smallest id); each id goes
to one cluster at most (the one holding most of its records); clusters left without one get a fresh id.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from graph.identity.model import Pair

_IDS = ("nhs", "pnc", "crn", "ni")
T = TypeVar("T")


@dataclass
class _Group:
    """What the guards need to know about one growing cluster."""

    members: list[str]
    ids: dict[str, set[str]] = field(default_factory=dict)
    dobs: set[str] = field(default_factory=set)
    givens: set[tuple[str, tuple[str, ...]]] = field(default_factory=set)
    genders: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Link:
    """The pair through which a record joined its cluster."""

    other: str
    probability: float
    evidence: Mapping[str, tuple[str, float]] | None  # None: an analyst's confirmation


@dataclass
class Clustering:
    clusters: list[list[str]]  # record keys, each list sorted, clusters sorted by first key
    links: dict[str, Link]  # record key -> the strongest accepted pair it is part of
    refused: int = 0  # pairs above the threshold the guards kept apart


def cluster(
    records: Sequence[Mapping[str, Any]],
    pairs: Iterable[Pair],
    *,
    threshold: float,
    confirmed: Iterable[tuple[str, str]] = (),
    split: Iterable[tuple[str, str]] = (),
    attach: float | None = None,
) -> Clustering:
    """Cluster feature rows (``graph.identity.features``) by the pairs at or above ``threshold``."""
    groups = {r["unique_id"]: _group(r) for r in records}
    parent = {key: key for key in groups}
    apart: dict[str, set[str]] = {}
    for a, b in split:
        apart.setdefault(a, set()).add(b)
        apart.setdefault(b, set()).add(a)
    links: dict[str, Link] = {}

    def find(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    def join(ra: str, rb: str) -> None:
        small, large = sorted((ra, rb), key=lambda k: len(groups[k].members))
        parent[small] = large
        _absorb(groups[large], groups.pop(small))

    def note(a: str, b: str, link_a: Link, link_b: Link) -> None:
        for key, link in ((a, link_a), (b, link_b)):
            if key not in links or _stronger(link, links[key]):
                links[key] = link

    for a, b in confirmed:
        if a in groups and b in groups and find(a) != find(b):
            join(find(a), find(b))
        if a in parent and b in parent:
            note(a, b, Link(b, 1.0, None), Link(a, 1.0, None))
    pairs = list(pairs)
    refused = 0
    for pair in sorted((p for p in pairs if p.probability >= threshold), key=lambda p: (-p.probability, p.a, p.b)):
        if pair.a not in parent or pair.b not in parent:
            continue
        ra, rb = find(pair.a), find(pair.b)
        if ra != rb:
            if _split_between(groups[ra], groups[rb], apart) or not _compatible(groups[ra], groups[rb]):
                refused += 1
                continue
            join(ra, rb)
        note(
            pair.a, pair.b, Link(pair.b, pair.probability, pair.evidence), Link(pair.a, pair.probability, pair.evidence)
        )
    if attach is not None:  # records left alone, whose every plausible pair points into one cluster, join it
        candidates: dict[str, list[Pair]] = {}
        for pair in pairs:
            if attach <= pair.probability < threshold and pair.a in parent and pair.b in parent:
                candidates.setdefault(pair.a, []).append(pair)
                candidates.setdefault(pair.b, []).append(pair)
        for key in sorted(candidates):
            root = find(key)
            if len(groups[root].members) > 1:
                continue
            options = candidates[key]
            targets = {find(p.b if p.a == key else p.a) for p in options}
            if len(targets) != 1:
                continue
            (target,) = targets
            if target == root or _split_between(groups[root], groups[target], apart):
                continue
            if not _compatible(groups[root], groups[target]):
                refused += 1
                continue
            best = max(options, key=lambda p: p.probability)
            join(root, target)
            other = best.b if best.a == key else best.a
            note(key, other, Link(other, best.probability, best.evidence), Link(key, best.probability, best.evidence))
    clusters = sorted(sorted(g.members) for g in groups.values())
    return Clustering(clusters=clusters, links=links, refused=refused)


def _stronger(new: Link, old: Link) -> bool:
    return (new.evidence is None, new.probability) > (old.evidence is None, old.probability)


def _group(row: Mapping[str, Any]) -> _Group:
    group = _Group(members=[row["unique_id"]])
    for kind in _IDS:
        if row.get(kind):
            group.ids[kind] = {row[kind]}
    if row.get("dob"):
        group.dobs.add(row["dob"])
    if row.get("given"):
        group.givens.add((row["given"], tuple(row.get("given_forms") or ())))
    if row.get("gender"):
        group.genders.add(row["gender"])
    return group


def _absorb(into: _Group, other: _Group) -> None:
    into.members.extend(other.members)
    for kind, values in other.ids.items():
        into.ids.setdefault(kind, set()).update(values)
    into.dobs |= other.dobs
    into.givens |= other.givens
    into.genders |= other.genders


def _split_between(a: _Group, b: _Group, apart: Mapping[str, set[str]]) -> bool:
    if not apart:
        return False
    small, large = (a, b) if len(a.members) <= len(b.members) else (b, a)
    others = set(large.members)
    return any(apart.get(key, set()) & others for key in small.members)


def _compatible(a: _Group, b: _Group) -> bool:
    for kind in _IDS:
        if a.ids.get(kind) and b.ids.get(kind) and not a.ids[kind] & b.ids[kind]:
            return False
    if a.genders and b.genders and not a.genders & b.genders:
        return False
    return _some(a.dobs, b.dobs, dob_compatible) and _some(a.givens, b.givens, given_compatible)


def _some(xs: set[T], ys: set[T], ok: Callable[[T, T], bool]) -> bool:
    return not xs or not ys or any(ok(x, y) for x in xs for y in ys)


def dob_compatible(x: str, y: str) -> bool:
    """Equal, day and month swapped, a day apart, a year apart on the same day, or one character different."""
    if x == y or (x[:4] == y[:4] and x[5:7] == y[8:10] and x[8:10] == y[5:7]):
        return True
    if x[4:] == y[4:] and abs(int(x[:4]) - int(y[:4])) == 1:
        return True
    if sum(c != d for c, d in zip(x, y, strict=False)) == 1 and len(x) == len(y):
        return True
    try:
        return abs((dt.date.fromisoformat(x) - dt.date.fromisoformat(y)).days) <= 1
    except ValueError:
        return False


def given_compatible(x: tuple[str, tuple[str, ...]], y: tuple[str, tuple[str, ...]]) -> bool:
    """The same name, a shared formal form (``bob`` and ``robert``), an initial of the other, or a near spelling."""
    (gx, fx), (gy, fy) = x, y
    if gx == gy or set(fx) & set(fy):
        return True
    if len(gx) == 1 or len(gy) == 1:
        return gx[0] == gy[0]
    return _jaro_winkler(gx, gy) >= 0.88


def _jaro_winkler(s: str, t: str) -> float:
    if s == t:
        return 1.0
    window = max(0, max(len(s), len(t)) // 2 - 1)
    ms, mt = [False] * len(s), [False] * len(t)
    matches = 0
    for i, c in enumerate(s):
        for j in range(max(0, i - window), min(len(t), i + window + 1)):
            if not mt[j] and t[j] == c:
                ms[i] = mt[j] = True
                matches += 1
                break
    if not matches:
        return 0.0
    sm = [c for c, m in zip(s, ms, strict=True) if m]
    tm = [c for c, m in zip(t, mt, strict=True) if m]
    transpositions = sum(a != b for a, b in zip(sm, tm, strict=True)) / 2
    jaro = (matches / len(s) + matches / len(t) + (matches - transpositions) / matches) / 3
    prefix = 0
    for a, b in zip(s[:4], t[:4], strict=False):
        if a != b:
            break
        prefix += 1
    return jaro + prefix * 0.1 * (1 - jaro)


@dataclass(frozen=True)
class Assignment:
    person_of: dict[str, str]  # record key -> person id
    new_ids: list[str]
    retired_ids: list[str]
    merged: int  # clusters of two or more records


def assign_ids(
    clusters: Sequence[Sequence[str]], current: Mapping[str, str | None], new_id: Callable[[], str]
) -> Assignment:
    """Stable person ids for the clusters, given each record's current person id (None: has none)."""
    claims: list[tuple[int, str, int]] = []  # (-count, person id, cluster index)
    for index, members in enumerate(clusters):
        counts = Counter(pid for key in members if (pid := current.get(key)) is not None)
        claims.extend((-n, pid, index) for pid, n in counts.items())
    chosen: dict[int, str] = {}
    taken: set[str] = set()
    for _, pid, index in sorted(claims):
        if index not in chosen and pid not in taken:
            chosen[index] = pid
            taken.add(pid)
    person_of: dict[str, str] = {}
    fresh: list[str] = []
    for index, members in enumerate(clusters):
        pid = chosen.get(index)
        if pid is None:
            pid = new_id()
            fresh.append(pid)
        for key in members:
            person_of[key] = pid
    held = {pid for pid in current.values() if pid is not None}
    return Assignment(
        person_of=person_of,
        new_ids=fresh,
        retired_ids=sorted(held - taken),
        merged=sum(1 for members in clusters if len(members) > 1),
    )
