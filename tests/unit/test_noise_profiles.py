"""Noise profiles and the evaluation's inputs: profiles are data, "typical" writes what the generator wrote before
profiles existed, each error kind makes its error and nothing else, the ground truth stays right, and FEBRL's sets
become valid partner records with FEBRL's own truth."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest

from bench import febrl
from bench.eval import evidence, fate
from graph.identity import evaluate as ev
from graph.validation import default_validator
from synthetic import SeedSpec, generate
from synthetic.errors import SHARED_ADDRESSES
from synthetic.identifiers import nhs_number_valid
from synthetic.model import shift_years
from synthetic.names import NICKNAMES
from synthetic.profiles import ABLATION_RATE, KINDS, PROFILES, RECORD_KINDS, NoiseProfile, named

AS_OF = dt.date(2026, 11, 1)
# sha256 of the files (name, bytes; sorted by name) of SeedSpec(perpetrators=20, as_of=AS_OF), computed with the
# generator as it was before noise profiles existed (commit 38d48bb)
BEFORE = "d9ac7f08dbbde17285a73e416e9ee3451d68ef24ca29bbb8b9d45a271838753d"
DAY = dt.timedelta(days=1)
Rec = dict[str, Any]


def _digest(out: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(out.iterdir()):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


class Seeded:
    """One generated data set: its first version of every person record, and the ground truth."""

    def __init__(self, out: Path, noise: str) -> None:
        result = generate(SeedSpec(perpetrators=25, as_of=AS_OF, noise=noise), out)
        self.truth: dict[str, Any] = json.loads(result.truth_file.read_text(encoding="utf-8"))
        self.persons: dict[tuple[str, str], Rec] = {}
        for path in result.files.values():
            for line in path.read_text(encoding="utf-8").splitlines():
                rec = json.loads(line)
                if rec["type"] == "person":
                    self.persons.setdefault((rec["agency"], rec["local_id"]), rec)
        self.owner = {(r["agency"], r["local_id"]): p["id"] for p in self.truth["people"] for r in p["records"]}

    def hit(self, kind: str) -> set[tuple[str, str]]:
        return {(r["agency"], r["local_id"]) for r in self.truth["noise"]["records"][kind]}


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    return Seeded(tmp_path_factory.mktemp("clean"), "clean")


def test_typical_is_byte_identical_to_the_generator_before_profiles(tmp_path: Path) -> None:
    generate(SeedSpec(perpetrators=20, as_of=AS_OF), tmp_path / "default")
    generate(SeedSpec(perpetrators=20, as_of=AS_OF, noise="typical"), tmp_path / "typical")
    assert _digest(tmp_path / "default") == _digest(tmp_path / "typical") == BEFORE


def test_profiles_are_data_and_differ_widely() -> None:
    for profile in PROFILES.values():
        assert NoiseProfile(**dataclasses.asdict(profile)) == profile
    clean, hostile = PROFILES["clean"], PROFILES["hostile"]
    assert clean.base == 0 and not clean.rates(KINDS)
    assert hostile.dob_missing >= 0.3 and sum(hostile.rates(RECORD_KINDS[:7]).values()) >= 0.15
    assert hostile.surname_pool and hostile.surname_skew > PROFILES["typical"].surname_skew > clean.surname_skew
    one = named("clean+dob_swapped")
    assert one.rates(KINDS) == {"dob_swapped": ABLATION_RATE} and one.base == 0
    with pytest.raises(ValueError):
        SeedSpec(as_of=AS_OF, noise="clean+no_such_kind")
    with pytest.raises(ValueError):
        NoiseProfile(typo=1.5)


def _date(rec: Rec) -> dt.date:
    return dt.date.fromisoformat(rec["dob"])


def _one_edit(a: str, b: str) -> bool:
    """True when b is a with one letter dropped, added, replaced, or two neighbours swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]])
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def _changed_id(c: Rec, n: Rec) -> tuple[str, str]:
    before, after = c["identifiers"], n["identifiers"]
    changed = [k for k in before if before[k] != after[k]]
    assert len(changed) == 1 and before.keys() == after.keys()
    return before[changed[0]], after[changed[0]]


def _dob_kind(kind: str, c: Rec, n: Rec) -> bool:
    if kind == "dob_missing":
        return "dob" not in n
    d, e = _date(c), _date(n)
    return {
        "dob_day": abs(e - d) == DAY,
        "dob_month": e.year == d.year and e.day == d.day and abs(e.month - d.month) == 1,
        "dob_year": e in (shift_years(d, -1), shift_years(d, 1)),
        "dob_year_and_day": e in {shift_years(d, y) + s * DAY for y in (-1, 1) for s in (-1, 1)},
        "dob_swapped": d.day <= 12 and e == d.replace(month=d.day, day=d.month),
        "dob_first_of_month": e == d.replace(day=1),
        "dob_first_of_january": e == dt.date(d.year, 1, 1),
    }[kind]


def _made(kind: str, c: Rec, n: Rec, owner: dict[str, str]) -> bool:
    """Whether noisy record ``n`` carries ``kind``'s error relative to clean record ``c``."""
    if kind.startswith("dob_"):
        return _dob_kind(kind, c, n)
    given, family = (c["given_name"], n["given_name"]), (c["family_name"], n["family_name"])
    if kind == "nickname":
        return given[1] in NICKNAMES[given[0]]
    if kind in ("typo", "transliteration"):
        pairs = [p for p in (given, family) if p[0] != p[1]]
        return len(pairs) == 1 and (kind != "typo" or _one_edit(*pairs[0]))
    if kind == "married":
        return family[1] != family[0] and not re.search(r"[- ]", family[1])
    if kind == "hyphenated":
        return family[0] in re.split(r"[- ]", family[1]) and family[1] != family[0]
    if kind in ("id_transposed", "id_digit"):
        a, b = _changed_id(c, n)
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 if kind == "id_digit" else (sorted(a) == sorted(b) and diff[1] == diff[0] + 1)
    if kind == "id_reused":  # someone else's number: well-formed (an NHS number keeps its check digit)
        a, b = _changed_id(c, n)
        return b in owner or (len(b) != 10 or nhs_number_valid(b))
    return n["postcode"] != c["postcode"]  # moved, hostel


_FIELDS = {"dob": ("dob",), "id": ("identifiers",), "moved": ("postcode", "address"), "hostel": ("postcode", "address")}


def test_each_error_kind_alone_makes_its_error_on_the_records_it_names_and_nothing_else(
    clean: Seeded, tmp_path: Path
) -> None:
    ids = {v: p["id"] for p in clean.truth["people"] for v in p["identifiers"].values()}
    for kind in RECORD_KINDS:
        noisy = Seeded(tmp_path / kind, f"clean+{kind}")
        assert noisy.persons.keys() == clean.persons.keys() and noisy.owner == clean.owner, kind  # truth unchanged
        hit = noisy.hit(kind)
        assert hit and len(hit) <= 0.3 * len(noisy.persons), (kind, len(hit))
        fields = _FIELDS.get(kind.split("_")[0], _FIELDS.get(kind, ("given_name", "family_name")))
        for key, rec in noisy.persons.items():
            before = clean.persons[key]
            if key not in hit:
                assert rec == before, (kind, key)
                continue
            assert _made(kind, before, rec, ids), (kind, before, rec)
            assert {k: v for k, v in rec.items() if k not in fields} == {
                k: v for k, v in before.items() if k not in fields
            }, kind
        if kind == "hostel":
            assert len({noisy.persons[k]["postcode"] for k in hit}) <= SHARED_ADDRESSES
        if kind == "id_reused":  # never the person's own number (a relative's need not be known to any agency)
            assert all(ids.get(_changed_id(clean.persons[k], noisy.persons[k])[1]) != noisy.owner[k] for k in hit)


def test_twins_and_namesakes_are_true_people_of_their_own(tmp_path: Path) -> None:
    twins = Seeded(tmp_path / "twins", "clean+twins")
    people = {p["id"]: p for p in twins.truth["people"]}
    added = twins.truth["noise"]["people"]["twins"]
    assert added and all(people[t]["records"] for t in added if t in people)
    same_name = 0
    for t in (t for t in added if t in people):
        twin = people[t]
        other = people.get(twin["twin_of"]) if twin["twin_of"] else None
        if other:
            assert other["twin_of"] == t and (other["dob"], other["family_name"]) == (twin["dob"], twin["family_name"])
            same_name += other["given_name"] == twin["given_name"]
    assert same_name
    namesakes = Seeded(tmp_path / "namesakes", "clean+namesakes")
    people = {p["id"]: p for p in namesakes.truth["people"]}
    added = namesakes.truth["noise"]["people"]["namesakes"]
    deliberate = {(x["a"], x["b"]) for x in namesakes.truth["lookalikes"] if x["deliberate"]}
    assert added and all(any(n in pair for pair in deliberate) for n in added)
    for n in added:
        assert people[n]["records"] and people[n]["lookalike_of"] in people


def test_hostile_is_hostile_and_its_truth_covers_every_record(tmp_path: Path) -> None:
    hostile = Seeded(tmp_path, "hostile")
    assert hostile.persons.keys() == hostile.owner.keys()
    missing = sum("dob" not in r for r in hostile.persons.values()) / len(hostile.persons)
    assert 0.3 <= missing <= 0.5
    assert set(hostile.truth["noise"]["records"]) == set(RECORD_KINDS)


def test_febrl_sets_become_valid_partner_records_with_febrl_truth() -> None:
    validator = default_validator()  # partner-records.schema.json, as ingest applies it
    for number, agencies, true_pairs in ((4, 2, 5000), (3, 1, 6538)):  # set 3: FEBRL's documented duplicate counts
        records, truth = febrl.load(number)
        rows = [r for agency in records.values() for r in agency]
        assert len(records) == agencies and len(rows) == len(truth) == 10_000 // (5 - number)
        assert [validator.check(r) for r in rows] == [None] * len(rows)
        assert ev.score(ev.singletons(truth), truth).true_pairs == true_pairs
    records, truth = febrl.load(3)
    by_id = {r["local_id"]: r for r in records["febrl-3"]}
    assert by_id["rec-1496-org"] == {
        "type": "person", "agency": "febrl-3", "local_id": "rec-1496-org", "given_name": "mitchell",
        "family_name": "green", "dob": "1956-04-09", "postcode": "2119",
        "address": "7 wallaby place, delmar, cleveland sa", "identifiers": {"ni_number": "1804974"},
    }  # fmt: skip
    assert "dob" not in by_id["rec-1901-dup-2"]  # FEBRL corrupted it to 19551192
    assert truth[("febrl-3", "rec-1723-dup-1")] == truth[("febrl-3", "rec-1723-org")]


def test_fate_counts_split_off_and_wrongly_merged_records() -> None:
    owner = {("a", "1"): "P", ("a", "2"): "P", ("b", "3"): "Q", ("b", "4"): "R"}
    clusters = [[("a", "1")], [("a", "2"), ("b", "3")], [("b", "4")]]
    assert fate(clusters, owner, owner) == {"records": 4, "split_off": 1.0, "merged_wrongly": 0.5}


def test_evidence_tells_pairs_with_more_than_a_name_from_the_rest() -> None:
    def raw(agency: str, local_id: str, **fields: object) -> dict[str, object]:
        return {"key": f"{agency}:{local_id}", "agency": agency, "local_id": local_id, "given_name": "Sam"} | fields

    rows = [
        raw("a", "1", dob="1980-01-02", postcode="TS1 1AA"),
        raw("b", "2", dob="1981-01-02"),  # P: a year out, compatible with a:1
        raw("c", "3", postcode="TS2 2BB"),  # P: nothing but the name in common with either
        raw("d", "4", ni_number="QQ123456C"),
        raw("e", "5", ni_number="QQ123465C"),  # Q: one number keyed twice
    ]
    owner = {("a", "1"): "P", ("b", "2"): "P", ("c", "3"): "P", ("d", "4"): "Q", ("e", "5"): "Q"}
    clusters = [[("a", "1"), ("b", "2"), ("c", "3")], [("d", "4")], [("e", "5")]]
    got = evidence(rows, owner, clusters)
    # P's three pairs: a-b agree on a date of birth, a-c and b-c on a name only; Q's one pair on an identifier
    assert got["true_pairs"] == 4 and got["evidence_share"] == 0.5
    assert got["evidence_recall"] == 0.5 and got["name_only_recall"] == 1.0
