"""From scored pairs to resolved people: constrained connected components, then stable person ids.

Clustering is connected components over the pairs at or above the threshold, built greedily from the most
probable pair down (union-find), so one weak pair cannot chain two people together. A merge is refused on:

* an analyst's split decision between any record of one side and any of the other;
* the model's own evidence (``contrary``): a pair across the two sides, within one chain (``chains``), that the model
  scores below even odds while showing a conflict (dates of birth, identifiers or gender that no tolerated
  recording error explains). The conflict is weighed, not obeyed: within its own pair (a shared identifier and
  address outweigh another gender), and, where the two sides share a national identifier, against the scored pairs
  across them: their match weights (log-odds) summed, so one mis-recorded record among several of one person is
  held by its strong pairs with the others. Without a shared identifier the conflict keeps the sides apart: a
  household's siblings, or namesakes chained through a sparse record, pair well on everything but what conflicts;
* checked identifiers in conflict: two NHS numbers (or two PNC ids) that each pass their check digit, none shared. A
  mis-keyed number fails its check, so two that pass are two numbers issued, to two people;
* dates of birth that no tolerated recording error explains (``dob_compatible``), unless something only one person
  would have is shared: an identifier, a partner or other party, an address. A namesake born another year shares
  none of them; a record whose date of birth was replaced wholesale (FEBRL's errors) usually shares all three;
* kin: one surname, no identifier shared, and either the same date of birth with given names that have nothing in
  common (not a nickname, initial or near spelling: twins) or the same given name with dates of birth a generation
  apart (a father and son of one name): a household's shared surname and address make every other comparison call
  them one person;
* strangers: neither side ever named as a perpetrator, both with a record at the same agency, and their partners,
  addresses and national identifiers all different (a same-name, same-birthday look-alike).

Confirmed pairs are joined first, whatever the model says. A merge the guards refuse leaves the two sides apart.
Then, with ``attach``, a record still alone whose every pair at or above ``attach`` (but below the threshold) points
into one and the same cluster joins it: a sparse record (a name heard from a victim, no date of birth, no address)
that fits exactly one known person.

With ``sparse``, a cluster with no date of birth at all (typically one record, a person as a victim described them)
then joins the one other cluster in which some record has a compatible given name (nickname, initial or near
spelling), a surname in common or near in spelling (any known surname), and either a partner or other party in common
(the same signature, or an ``initial|dob`` one character apart) or, for a record named as a perpetrator, a record
also named as a perpetrator. If two clusters fit, it stays alone. Splink scores such pairs low at scale (the prior
falls with the number of records while name evidence does not grow), and the name alone is never enough: the shared
partner, or being the one known perpetrator of that name, is what makes it the same person. That second case is the
serial perpetrator's later victim known only to a support service, who can name him but not his date of birth. Among
namesakes, those who share no partner are kept only within ``PARTNER_AGE_GAP`` years of a partner's known date of
birth, if that leaves one person.

Ids: a cluster keeps the person id most of its records already resolve to (ties: the smallest id); each id goes
to one cluster at most (the one holding most of its records); clusters left without one get a fresh id.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from graph.identity.features import checked
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
    partners: set[str] = field(default_factory=set)
    postcodes: set[str] = field(default_factory=set)
    agencies: set[str] = field(default_factory=set)
    perpetrator: bool = False
    checked: dict[str, set[str]] = field(default_factory=dict)  # identifiers that pass their issuer's check
    families: set[str] = field(default_factory=set)


class _Groups(dict[str, _Group]):
    """Each root's group, made when first asked for: most records meet no pair and stay alone without one."""

    def __init__(self, rows: Mapping[str, Mapping[str, Any]]) -> None:
        super().__init__()
        self.rows = rows

    def __missing__(self, key: str) -> _Group:
        made = self[key] = _group(self.rows[key])
        return made


@dataclass(frozen=True)
class Guards:
    """The rules that refuse a merge outright, besides analysts' splits (see the module's docstring). Each can be
    switched off to measure what it is worth (``python -m bench.eval --guards``); resolve keeps them all on."""

    checked_identifiers: bool = True
    dates_of_birth: bool = True
    kin: bool = True
    strangers: bool = True
    contrary: bool = True  # the model's evidence against a pair within a chain (resolve: ``model.contradicted``)


ALL_GUARDS = Guards()


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
    contrary: Iterable[tuple[str, str, float]] = (),
    attach: float | None = None,
    sparse: bool = False,
    guards: Guards = ALL_GUARDS,
) -> Clustering:
    """Cluster feature rows (``graph.identity.features``) by the pairs at or above ``threshold``; ``split`` (analysts)
    are pairs of records never to end in one cluster, ``contrary`` (the model, ``model.contradicted``) scored pairs
    that speak against it."""
    rows = {r["unique_id"]: r for r in records}
    groups = _Groups(rows)
    parent = {key: key for key in rows}
    apart: dict[str, set[str]] = {}
    for a, b in split:
        apart.setdefault(a, set()).add(b)
        apart.setdefault(b, set()).add(a)
    pairs = list(pairs)
    weighed = _Evidence(pairs, contrary if guards.contrary else ())
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

    def refuses(ra: str, rb: str) -> bool:
        """The model's evidence against the merge, or a guard (analysts' splits are checked apart: not counted)."""
        a, b = groups[ra], groups[rb]
        return weighed.against(a, b) or not _compatible(a, b, guards)

    def note(a: str, b: str, link_a: Link, link_b: Link) -> None:
        for key, link in ((a, link_a), (b, link_b)):
            if key not in links or _stronger(link, links[key]):
                links[key] = link

    for a, b in confirmed:
        if parent.get(a) == a and parent.get(b) == b and find(a) != find(b):  # both still roots
            join(find(a), find(b))
        if a in parent and b in parent:
            note(a, b, Link(b, 1.0, None), Link(a, 1.0, None))
    refused = 0
    for pair in sorted((p for p in pairs if p.probability >= threshold), key=lambda p: (-p.probability, p.a, p.b)):
        if pair.a not in parent or pair.b not in parent:
            continue
        ra, rb = find(pair.a), find(pair.b)
        if ra != rb:
            if _split_between(groups[ra], groups[rb], apart) or refuses(ra, rb):
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
            targets = {t for t in targets if not _sparse(groups[t])} or targets
            if len(targets) != 1:
                continue
            (target,) = targets
            if target == root or _split_between(groups[root], groups[target], apart):
                continue
            if refuses(root, target):
                refused += 1
                continue
            best = max((p for p in options if find(p.b if p.a == key else p.a) == target), key=lambda p: p.probability)
            join(root, target)
            other = best.b if best.a == key else best.a
            note(key, other, Link(other, best.probability, best.evidence), Link(key, best.probability, best.evidence))
    if sparse:
        for key, others in _sparse_candidates(records):
            root = find(key)
            targets = {find(other) for other in others} - {root}
            targets = {t for t in targets if not _sparse(groups[t])} or targets  # as for attach
            if groups[root].dobs or len(targets) != 1:
                continue
            (target,) = targets
            other = next(o for o in others if find(o) == target)
            if _split_between(groups[root], groups[target], apart):
                continue
            if refuses(root, target):
                refused += 1
                continue
            join(root, target)
            evidence = _sparse_evidence(rows[key], rows[other])
            note(key, other, Link(other, SPARSE_PROBABILITY, evidence), Link(key, SPARSE_PROBABILITY, evidence))
    alone = [[key] for key, up in parent.items() if up == key and key not in groups]
    clusters = sorted([sorted(g.members) for g in groups.values()] + alone)
    return Clustering(clusters=clusters, links=links, refused=refused)


def chains(pairs: Iterable[Pair]) -> dict[str, int]:
    """Record -> chain, for the records ``pairs`` link three or more together (directly or through others): the
    only places where two records not paired with each other may still end in one cluster, so where the model must
    also score the pairs it did not block on (``model.contradicted``)."""
    parent: dict[str, str] = {}

    def find(key: str) -> str:
        parent.setdefault(key, key)
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for pair in pairs:
        ra, rb = find(pair.a), find(pair.b)
        if ra != rb:
            parent[ra] = rb
    members: dict[str, list[str]] = {}
    for key in parent:
        members.setdefault(find(key), []).append(key)
    big = sorted(sorted(keys) for keys in members.values() if len(keys) >= 3)
    return {key: number for number, keys in enumerate(big) for key in keys}


SPARSE_PROBABILITY = 0.9  # recorded on a link made by the sparse-record rule (no model score behind it)


def _name_keys(row: Mapping[str, Any]) -> set[tuple[str, str]]:
    """Blocks for the sparse-record rule: a formal given name with a known surname or the surname's Soundex code,
    and the given name's Soundex code with a known surname (so one typo on either side still meets)."""
    forms = set(row.get("given_forms") or ()) | ({row["given"]} if row.get("given") else set())
    names = set(row.get("surnames") or ())
    keys = {(f, n) for f in forms for n in names}
    if row.get("family_sx"):
        keys |= {(f, "#" + row["family_sx"]) for f in forms}
    if row.get("given_sx"):
        keys |= {("#" + row["given_sx"], n) for n in names}
    return keys


def _neighbours_agree(xs: Iterable[str], ys: Iterable[str]) -> bool:
    """Some signature of one side is the other's; or, for ``initial|dob`` signatures, has the same initial and a
    compatible date of birth (one agency mis-keyed the partner's), or the same date of birth and another initial (a
    partner's nickname). Name signatures (``initial|~surname``) count only when equal."""
    for x in xs:
        for y in ys:
            if x == y:
                return True
            if "~" in x or "~" in y:
                continue
            if x[2:] == y[2:] or (x[0] == y[0] and dob_compatible(x[2:], y[2:])):
                return True
    return False


def _surnames_agree(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    xs, ys = set(a.get("surnames") or ()), set(b.get("surnames") or ())
    if xs & ys:
        return True
    fa, fb = a.get("family"), b.get("family")
    return bool(fa and fb and _jaro_winkler(fa, fb) >= 0.92)


def _givens_agree(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    ga, gb = a.get("given"), b.get("given")
    if not ga or not gb:
        return False
    return given_compatible((ga, tuple(a.get("given_forms") or ())), (gb, tuple(b.get("given_forms") or ())))


def _sparse_candidates(records: Sequence[Mapping[str, Any]]) -> list[tuple[str, list[str]]]:
    """(record with no date of birth, the records it may join): those that agree on given name and surname and
    share a partner or other party, or are both named as perpetrators. A record with candidates of two different
    people (by date of birth) is left out; the caller checks that the rest lie in one cluster."""
    index: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for row in records:
        if row.get("neighbours") or row.get("perpetrator"):
            for key in _name_keys(row):
                index.setdefault(key, []).append(row)
    out: list[tuple[str, list[str]]] = []
    for row in sorted(records, key=lambda r: r["unique_id"]):
        if row.get("dob") or not (row.get("neighbours") or row.get("perpetrator")) or not row.get("given"):
            continue
        found: dict[str, Mapping[str, Any]] = {}
        for key in _name_keys(row):
            for other in index.get(key, ()):
                other_key = other["unique_id"]
                if other_key == row["unique_id"] or other_key in found:
                    continue
                if (
                    (
                        _neighbours_agree(row["neighbours"], other["neighbours"])
                        or (row.get("perpetrator") and other.get("perpetrator"))
                    )
                    and _givens_agree(row, other)
                    and _surnames_agree(row, other)
                ):
                    found[other_key] = other
        if not found:
            continue
        if _two_people(found.values()):
            # namesake perpetrators: keep those sharing a partner or of an age to be this record's partners' partner
            years = _partner_years(row)
            found = {
                k: o
                for k, o in found.items()
                if not o.get("dob")
                or _near_in_age(o["dob"], years)
                or _neighbours_agree(row["neighbours"], o.get("neighbours") or ())
            }
            if not years or _two_people(found.values()):
                continue  # two different people fit: leave it alone
        out.append((row["unique_id"], sorted(found)))
    return out


PARTNER_AGE_GAP = 12  # years; intimate partners further apart in age than this are rare


def _two_people(rows: Iterable[Mapping[str, Any]]) -> bool:
    dobs = {row["dob"] for row in rows if row.get("dob")}
    return any(not dob_compatible(x, y) for x in dobs for y in dobs)


def _partner_years(row: Mapping[str, Any]) -> list[int]:
    return [int(sig[2:6]) for sig in row.get("neighbours") or () if sig[2:3].isdigit()]


def _near_in_age(dob: str, years: Sequence[int]) -> bool:
    return any(abs(int(dob[:4]) - year) <= PARTNER_AGE_GAP for year in years)


def _sparse_evidence(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, tuple[str, float]]:
    shared = set(a.get("neighbours") or ()) & set(b.get("neighbours") or ())
    partner = bool(shared) or _neighbours_agree(a.get("neighbours") or (), b.get("neighbours") or ())
    evidence = {
        "given_name": ("exact" if a.get("given") == b.get("given") else "nickname, initial or near spelling", 0.0),
        "family_name": ("exact" if a.get("family") == b.get("family") else "earlier, hyphenated or near name", 0.0),
    }
    if partner:
        near = "" if shared else " (near date of birth)"
        evidence["neighbours"] = (f"shares a partner or other party{near}", 0.0)
        evidence["rule"] = ("no date of birth: the only known person with this name and partner", 0.0)
    else:
        evidence["rule"] = ("no date of birth: the only known perpetrator with this name", 0.0)
    return evidence


def _sparse(group: _Group) -> bool:
    """A lone record with no date of birth: not yet a known person another sparse record must choose against."""
    return len(group.members) == 1 and not group.dobs


def _stronger(new: Link, old: Link) -> bool:
    return (new.evidence is None, new.probability) > (old.evidence is None, old.probability)


def _group(row: Mapping[str, Any]) -> _Group:
    group = _Group(members=[row["unique_id"]])
    for kind in _IDS:
        if row.get(kind):
            group.ids[kind] = {row[kind]}
            if checked(kind, row[kind]):
                group.checked[kind] = {row[kind]}
    if row.get("family"):
        group.families.add(row["family"])
    if row.get("dob"):
        group.dobs.add(row["dob"])
    if row.get("given"):
        group.givens.add((row["given"], tuple(row.get("given_forms") or ())))
    if row.get("gender"):
        group.genders.add(row["gender"])
    group.partners.update(row.get("neighbours") or ())
    group.agencies.add(row.get("agency") or row["unique_id"].split(":", 1)[0])
    group.perpetrator = bool(row.get("perpetrator"))
    if row.get("postcode"):
        group.postcodes.add(row["postcode"])
    return group


def _absorb(into: _Group, other: _Group) -> None:
    into.members.extend(other.members)
    for kind, values in other.ids.items():
        into.ids.setdefault(kind, set()).update(values)
    for kind, values in other.checked.items():
        into.checked.setdefault(kind, set()).update(values)
    into.families |= other.families
    into.dobs |= other.dobs
    into.givens |= other.givens
    into.genders |= other.genders
    into.partners |= other.partners
    into.postcodes |= other.postcodes
    into.agencies |= other.agencies
    into.perpetrator = into.perpetrator or other.perpetrator


def _split_between(a: _Group, b: _Group, apart: Mapping[str, set[str]]) -> bool:
    if not apart:
        return False
    small, large = (a, b) if len(a.members) <= len(b.members) else (b, a)
    others = set(large.members)
    return any(apart.get(key, set()) & others for key in small.members)


def _weight(probability: float) -> float:
    """A match probability as its match weight, log2 of the odds (clamped: a probability of 1 is not infinite)."""
    p = min(max(probability, 1e-12), 1 - 1e-12)
    return math.log2(p / (1 - p))


class _Evidence:
    """The scored pairs' match weights, for weighing the model's evidence against a merge (``contrary``) against
    its evidence for it."""

    def __init__(self, pairs: Iterable[Pair], contrary: Iterable[tuple[str, str, float]]) -> None:
        self.contrary: dict[str, dict[str, float]] = {}
        for a, b, p in contrary:
            self.contrary.setdefault(a, {})[b] = self.contrary.setdefault(b, {})[a] = _weight(p)
        self.scored: dict[str, dict[str, float]] = {}
        if self.contrary:
            for pair in pairs:
                w = _weight(pair.probability)
                self.scored.setdefault(pair.a, {})[pair.b] = self.scored.setdefault(pair.b, {})[pair.a] = w

    def against(self, a: _Group, b: _Group) -> bool:
        """Whether a conflicting pair across ``a`` and ``b`` keeps them apart: always, unless they share a national
        identifier, and then when the conflicting pairs' weights outweigh the scored pairs' across them."""
        if not self.contrary:
            return False
        small, large = (a, b) if len(a.members) <= len(b.members) else (b, a)
        others = set(large.members)
        total, conflicted = 0.0, False
        for key in small.members:
            for other, w in self.contrary.get(key, {}).items():
                if other in others:
                    total, conflicted = total + w, True
        if not conflicted:
            return False
        if not _share_identifier(a, b):
            return True
        for key in small.members:
            total += sum(w for other, w in self.scored.get(key, {}).items() if other in others)
        return total < 0


def _compatible(a: _Group, b: _Group, guards: Guards) -> bool:
    if guards.checked_identifiers and any(not a.ids[k] & b.ids[k] for k in a.checked.keys() & b.checked.keys()):
        return False
    if guards.dates_of_birth and not _some(a.dobs, b.dobs, dob_compatible) and not _corroborated(a, b):
        return False
    return not (guards.kin and _kin(a, b)) and not (guards.strangers and _strangers(a, b))


def _share_identifier(a: _Group, b: _Group) -> bool:
    return any(a.ids.get(kind, set()) & b.ids.get(kind, set()) for kind in _IDS)


def _corroborated(a: _Group, b: _Group) -> bool:
    """Something only one person would have in common: an identifier, a partner or other party, an address."""
    return _share_identifier(a, b) or bool(a.partners & b.partners or a.postcodes & b.postcodes)


def _kin(a: _Group, b: _Group) -> bool:
    """One surname, no identifier shared, and twins' (one birthday, other given names) or a parent and child's (one
    given name, or a nickname or near spelling of it, with birthdays a generation apart) signature."""
    if not (a.families & b.families and a.givens and b.givens and a.dobs and b.dobs):
        return False
    if _share_identifier(a, b) or _one_slip_apart(a, b):
        return False
    if a.dobs & b.dobs:
        return not _some(a.givens, b.givens, given_compatible)
    years = {int(d[:4]) for d in a.dobs}, {int(d[:4]) for d in b.dobs}
    apart = min(abs(x - y) for x in years[0] for y in years[1]) >= GENERATION
    return apart and any(given_compatible(x, y) for x in a.givens for y in b.givens)


def _one_slip_apart(a: _Group, b: _Group) -> bool:
    """An identifier of one kind one wrong character or one swap of neighbours apart: one number keyed twice, which
    twins or a parent and child would not hold. (Two NHS numbers or PNC ids that both pass their check are never one
    slip apart: the check is made to catch exactly these slips.)"""
    return any(one_slip(x, y) for kind in a.ids.keys() & b.ids.keys() for x in a.ids[kind] for y in b.ids[kind])


def one_slip(x: str, y: str) -> bool:
    """One wrong character, or two neighbours swapped."""
    if len(x) != len(y) or x == y:
        return False
    diff = [i for i, (c, d) in enumerate(zip(x, y, strict=True)) if c != d]
    if len(diff) == 1:
        return True
    i = diff[0]
    return len(diff) == 2 and diff[1] == i + 1 and x[i] == y[i + 1] and x[i + 1] == y[i]


GENERATION = 15  # years; a parent is rarely younger than this at a child's birth


def _strangers(a: _Group, b: _Group) -> bool:
    """Two people no one has named as a perpetrator, each with a record at the same agency (two records there), each
    with partners and addresses, none in common, and no national identifier in common: a same-name, same-birthday
    look-alike living another life. A perpetrator is left out: moving from partner to partner and carrying a second
    police reference is what perpetrators do, so for them this is no evidence of two people."""
    if a.perpetrator or b.perpetrator or not a.agencies & b.agencies:
        return False
    if not (a.partners and b.partners and a.postcodes and b.postcodes) or a.postcodes & b.postcodes:
        return False
    if _share_identifier(a, b):
        return False
    return not _neighbours_agree(a.partners, b.partners)


def _some(xs: set[T], ys: set[T], ok: Callable[[T, T], bool]) -> bool:
    return not xs or not ys or any(ok(x, y) for x in xs for y in ys)


def dob_compatible(x: str, y: str) -> bool:
    """Dates of birth one recording error apart: equal, day and month swapped, a day, a month or a year out, one
    character different, a partial date filled in (1 January of the year, or the 1st of the month), or a year and a
    day apart. The model's levels also score two digits swapped as one slip; here 1969 and 1996 stay apart, as they
    are more often a mother and daughter."""
    if x == y or (x[:4] == y[:4] and x[5:7] == y[8:10] and x[8:10] == y[5:7]):
        return True
    if x[4:] == y[4:] and abs(int(x[:4]) - int(y[:4])) == 1:
        return True
    if x[:4] == y[:4] and (x[8:] == y[8:] or "-01-01" in (x[4:], y[4:])):
        return True
    if x[:7] == y[:7] and "01" in (x[8:], y[8:]):
        return True
    if sum(c != d for c, d in zip(x, y, strict=False)) == 1 and len(x) == len(y):
        return True
    try:
        days = abs((dt.date.fromisoformat(x) - dt.date.fromisoformat(y)).days)
    except ValueError:
        return False
    return days <= 1 or 364 <= days <= 367


def given_compatible(x: tuple[str, tuple[str, ...]], y: tuple[str, tuple[str, ...]]) -> bool:
    """The same name, a shared formal form (``bob`` and ``robert``), an initial of the other, or a near spelling:
    close by Jaro-Winkler, or one keying error away after the same first letter (``srah``, ``iwy``: short names,
    which Jaro-Winkler scores low; few typos hit the first letter, and ``ava`` and ``eva`` stay twins)."""
    (gx, fx), (gy, fy) = x, y
    if gx == gy or set(fx) & set(fy):
        return True
    if len(gx) == 1 or len(gy) == 1:
        return gx[0] == gy[0]
    return _jaro_winkler(gx, gy) >= 0.88 or (gx[0] == gy[0] and _one_edit(gx, gy))


def _one_edit(x: str, y: str) -> bool:
    """One character wrong, added or left out, or two neighbours swapped."""
    if len(x) == len(y):
        return one_slip(x, y)
    short, long = sorted((x, y), key=len)
    if len(long) - len(short) != 1:
        return False
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


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
