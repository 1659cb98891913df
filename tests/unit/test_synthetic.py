"""The synthetic data generator: deterministic, schema-valid, internally consistent, and full of
the traps (hidden victims, twins, look-alikes, second URNs, adolescents) later tests rely on."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from synthetic import AGENCIES, SeedSpec, generate
from synthetic.identifiers import nhs_number_valid

ROOT = Path(__file__).resolve().parents[2]
AS_OF = dt.date(2026, 11, 1)
SPEC = SeedSpec(perpetrators=60, as_of=AS_OF)
DEMO_AGENCIES = {
    "cleveland-police",
    "probation-ne",
    "tees-nhs",
    "stockton-childrens",
    "thirteen-housing",
    "harbour-idva",
    "stockton-schools",
}
REFERENCE_FIELDS = ("person", "other", "subject", "recipient")
REFERENCE_LISTS = ("perpetrators", "victims", "children_present", "protected")


class Generated:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.result = generate(SPEC, out)
        self.truth: dict[str, Any] = json.loads(self.result.truth_file.read_text(encoding="utf-8"))
        self.lines = {
            code: [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
            for code, path in self.result.files.items()
        }
        self.people = {p["id"]: p for p in self.truth["people"]}
        self.owner = {(r["agency"], r["local_id"]): p["id"] for p in self.truth["people"] for r in p["records"]}

    def records(self, rtype: str | None = None) -> list[dict[str, Any]]:
        return [r for code in AGENCIES for r in self.lines[code] if rtype is None or r["type"] == rtype]

    def latest(self) -> dict[tuple[str, str, str], dict[str, Any]]:
        return {(r["agency"], r["type"], r["local_id"]): r for r in self.records()}


@pytest.fixture(scope="module")
def gen(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    return Generated(tmp_path_factory.mktemp("seed"))


def _bytes(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


def _age(dob: str, on: str) -> int:
    born, day = dt.date.fromisoformat(dob), dt.date.fromisoformat(on[:10])
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def test_spec_requires_as_of_and_sane_values() -> None:
    with pytest.raises(TypeError):
        SeedSpec()  # type: ignore[call-arg]
    with pytest.raises(ValueError):
        SeedSpec(perpetrators=0, as_of=AS_OF)


def test_writes_one_file_per_demo_agency_and_counts_match(gen: Generated) -> None:
    assert set(gen.result.files) == DEMO_AGENCIES == set(AGENCIES)
    for code, path in gen.result.files.items():
        assert path == gen.out / f"{code}.jsonl"
        assert gen.result.by_agency[code] == len(gen.lines[code]) > 0
        assert all(r["agency"] == code for r in gen.lines[code])
    assert gen.result.records == sum(gen.result.by_agency.values())
    assert gen.result.truth_file == gen.out / "ground-truth.json"
    assert gen.truth["spec"]["as_of"] == "2026-11-01" and gen.truth["spec"]["perpetrators"] == 60


def test_same_spec_is_byte_identical_even_in_another_process(gen: Generated, tmp_path: Path) -> None:
    generate(SPEC, tmp_path / "again")
    assert _bytes(tmp_path / "again") == _bytes(gen.out)
    code = (
        "import datetime, sys; from pathlib import Path; from synthetic import SeedSpec, generate; "
        "generate(SeedSpec(perpetrators=60, as_of=datetime.date(2026, 11, 1)), Path(sys.argv[1]))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}  # str hashing differs: output must not depend on it
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "other")], check=True, cwd=ROOT, env=env)
    assert _bytes(tmp_path / "other") == _bytes(gen.out)


def test_different_seed_gives_different_data(gen: Generated, tmp_path: Path) -> None:
    generate(SeedSpec(seed=8, perpetrators=60, as_of=AS_OF), tmp_path)
    other = _bytes(tmp_path)
    assert other.keys() == _bytes(gen.out).keys()
    assert all(other[name] != data for name, data in _bytes(gen.out).items())


def test_lines_are_sorted_key_json_and_valid_under_the_schema(gen: Generated) -> None:
    schema = json.loads((ROOT / "graph" / "partner-records.schema.json").read_text(encoding="utf-8"))
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    for code, path in gen.result.files.items():
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            record = json.loads(line)
            assert line == json.dumps(record, sort_keys=True, ensure_ascii=False)
            errors = [e.message for e in validator.iter_errors(record)]
            assert not errors, f"{code} line {n}: {errors}"


def test_every_reference_resolves_to_a_person_record_of_the_same_file(gen: Generated) -> None:
    for code, records in gen.lines.items():
        persons = {r["local_id"] for r in records if r["type"] == "person"}
        for r in records:
            refs = [r[f] for f in REFERENCE_FIELDS if f in r]
            refs += [x for f in REFERENCE_LISTS for x in r.get(f, [])]
            assert r["type"] == "person" or refs, r
            missing = [x for x in refs if x not in persons]
            assert not missing, f"{code} {r['type']} {r['local_id']} -> {missing}"


def test_local_ids_look_like_the_agencies_own(gen: Generated) -> None:
    patterns = {
        ("cleveland-police", "person"): r"CP-P-\d{7}",
        ("cleveland-police", "incident"): r"CP-I-20\d\d-\d{6}",
        ("probation-ne", "person"): r"[A-Z]\d{6}|PNE-V-\d{6}",
        ("stockton-schools", "person"): r"SCH-[A-Z]+-\d{6}",
    }
    for (code, rtype), pattern in patterns.items():
        ids = [r["local_id"] for r in gen.lines[code] if r["type"] == rtype]
        assert ids and all(re.fullmatch(pattern, i) for i in ids), (code, rtype)
    for r in gen.lines["cleveland-police"]:
        if r["type"] == "incident":
            assert r["local_id"][5:9] == r["occurred_at"][:4]  # numbered by the year it happened
    for r in gen.lines["stockton-schools"]:
        assert r["school"] and r["local_id"].split("-")[1] in r["school"].upper().replace(" ", "")


def test_ground_truth_covers_every_person_record_exactly_once(gen: Generated) -> None:
    in_files = Counter((r["agency"], r["local_id"]) for r in gen.records("person") if not r.get("deleted"))
    in_truth = Counter((r["agency"], r["local_id"]) for p in gen.truth["people"] for r in p["records"])
    assert max(in_truth.values()) == 1
    assert set(in_files) == set(in_truth)
    ids = set(gen.people)
    incident_refs = {(r["agency"], r["local_id"]) for r in gen.records("incident")}
    for perp in gen.truth["perpetrators"]:
        assert perp["id"] in ids and set(perp["victims"]) <= ids and perp["victims"] == perp["victims_all_time"]
        assert perp["incidents"] and all((i["agency"], i["local_id"]) in incident_refs for i in perp["incidents"])
    for p in gen.truth["people"]:
        assert p["twin_of"] in ids | {None} and set(p["parents"]) <= ids and p["role"]
    for pair in gen.truth["lookalikes"] + gen.truth["twins"]:
        assert pair["a"] in ids and pair["b"] in ids and pair["a"] != pair["b"]


def test_incident_records_match_the_truth(gen: Generated) -> None:
    """Each true incident's records name its perpetrator, victim and children under their local ids."""
    latest = gen.latest()
    for inc in gen.truth["incidents"]:
        assert inc["records"]
        for ref in inc["records"]:
            rec = latest[(ref["agency"], "incident", ref["local_id"])]
            owner = [gen.owner[(ref["agency"], x)] for x in rec["perpetrators"]]
            assert owner == [inc["perpetrator"]]
            assert [gen.owner[(ref["agency"], x)] for x in rec["victims"]] == inc["victims"]
            assert [gen.owner[(ref["agency"], x)] for x in rec.get("children_present", [])] == inc["children_present"]
            assert rec["occurred_at"] == inc["occurred_at"] and not rec.get("deleted")


def test_serial_flag_follows_the_matac_definition(gen: Generated) -> None:
    incidents = {i["id"]: i for i in gen.truth["incidents"]}
    by_perp: dict[str, list[dict[str, Any]]] = {}
    for inc in incidents.values():
        by_perp.setdefault(inc["perpetrator"], []).append(inc)
    window = AS_OF.replace(year=AS_OF.year - 3).isoformat()
    for perp in gen.truth["perpetrators"]:
        dob = gen.people[perp["id"]]["dob"]
        recent = [i for i in by_perp[perp["id"]] if i["occurred_at"] >= window and _age(dob, i["occurred_at"]) >= 16]
        victims = {v for i in recent for v in i["victims"]}
        assert perp["serial"] == (len(recent) > 1 and len(victims) >= 2 and not perp["adolescent_to_parent"])
    serial = [p for p in gen.truth["perpetrators"] if p["serial"]]
    assert 0.05 * len(gen.truth["perpetrators"]) <= len(serial) <= 0.45 * len(gen.truth["perpetrators"])
    assert any(len(p["victims_all_time"]) >= 4 for p in gen.truth["perpetrators"])
    assert any(p["familial"] and not p["adolescent_to_parent"] for p in gen.truth["perpetrators"])


def test_a_serial_perpetrator_has_a_victim_only_another_agency_knows(gen: Generated) -> None:
    found = False
    for perp in gen.truth["perpetrators"]:
        if not perp["serial"]:
            continue
        for victim in perp["victims_unknown_to_police"]:
            agencies = {r["agency"] for r in gen.people[victim]["records"]}
            assert "cleveland-police" not in agencies
            # the abuse is on record, in a non-police file, naming the perpetrator under that agency's id
            named = {
                gen.owner[(rec["agency"], p)]
                for rec in gen.records("incident")
                if any(gen.owner[(rec["agency"], v)] == victim for v in rec["victims"])
                for p in rec["perpetrators"]
            }
            assert perp["id"] in named
            found = True
    assert found


def test_traps_for_identity_resolution_are_present(gen: Generated) -> None:
    assert gen.truth["twins"]
    for pair in gen.truth["twins"]:
        a, b = gen.people[pair["a"]], gen.people[pair["b"]]
        assert a["dob"] == b["dob"] and a["family_name"] == b["family_name"] and a["given_name"] != b["given_name"]
        assert a["twin_of"] == b["id"] and b["twin_of"] == a["id"]
    assert gen.truth["lookalikes"]
    assert any(p["deliberate"] and p["dob_gap_days"] <= 900 for p in gen.truth["lookalikes"])
    for pair in gen.truth["lookalikes"]:
        a, b = gen.people[pair["a"]], gen.people[pair["b"]]
        assert a["given_name"] == b["given_name"] and set(a["family_names"]) & set(b["family_names"])
    assert gen.truth["second_urns"]
    police_people = {r["local_id"] for r in gen.lines["cleveland-police"] if r["type"] == "person"}
    for dup in gen.truth["second_urns"]:
        first, second = dup["local_ids"]
        assert first != second and {first, second} <= police_people
        assert gen.owner[("cleveland-police", first)] == gen.owner[("cleveland-police", second)] == dup["id"]


def test_recording_noise_is_present(gen: Generated) -> None:
    persons = [r for r in gen.records("person")]
    truths = [gen.people[gen.owner[(r["agency"], r["local_id"])]] for r in persons]
    pairs = list(zip(persons, truths, strict=True))
    assert any(r["given_name"] != t["given_name"] for r, t in pairs)  # nicknames and typos
    assert any("dob" in r and r["dob"] != t["dob"] for r, t in pairs)  # day/month swaps and slips
    assert any("dob" not in r for r in persons) and any("postcode" not in r for r in persons)
    assert any("other_names" in r for r in persons)  # previous / married names
    assert any(r["family_name"] not in t["family_names"] for r, t in pairs)  # typos in family names
    postcodes: dict[str, set[str]] = {}
    for r, t in pairs:
        if "postcode" in r:
            postcodes.setdefault(t["id"], set()).add(r["postcode"])
    assert any(len(v) > 1 for v in postcodes.values())  # moved, or known at different addresses


def test_identifiers_are_synthetic_and_well_formed(gen: Generated) -> None:
    for r in gen.records("person"):
        ids = r.get("identifiers", {})
        if "nhs_number" in ids:
            assert ids["nhs_number"].startswith("999") and nhs_number_valid(ids["nhs_number"])
        if "ni_number" in ids:
            assert re.fullmatch(r"QQ\d{6}[A-D]", ids["ni_number"])
        if "pnc_id" in ids:
            assert re.fullmatch(r"\d\d/\d{6}[A-Z]", ids["pnc_id"])
        if "postcode" in r:
            assert re.fullmatch(r"TS\d{1,2} \d[A-Z]{2}", r["postcode"])
    assert any("pnc_id" in r.get("identifiers", {}) for r in gen.lines["cleveland-police"])
    offenders = [
        r for r in gen.lines["probation-ne"] if r["type"] == "person" and not r["local_id"].startswith("PNE-V-")
    ]
    assert offenders and all(r["identifiers"]["probation_crn"] == r["local_id"] for r in offenders)


def test_dates_are_consistent(gen: Generated) -> None:
    start = AS_OF.replace(year=AS_OF.year - 10).isoformat()
    adolescents = {p["id"] for p in gen.truth["perpetrators"] if p["adolescent_to_parent"]}
    for r in gen.records():
        assert r["recorded_at"] < AS_OF.isoformat()
        if r["type"] == "incident":
            assert start <= r["occurred_at"] < AS_OF.isoformat() and r["occurred_at"] <= r["recorded_at"]
            for local in r["perpetrators"]:
                pid = gen.owner[(r["agency"], local)]
                assert _age(gen.people[pid]["dob"], r["occurred_at"]) >= 16 or pid in adolescents
    for p in gen.truth["people"]:
        for parent in p["parents"]:
            assert _age(gen.people[parent]["dob"], p["dob"]) >= 16
    incidents = {i["id"]: i for i in gen.truth["incidents"]}
    for perp in gen.truth["perpetrators"]:
        times = [i["occurred_at"] for i in incidents.values() if i["perpetrator"] == perp["id"]]
        assert times == sorted(times)


def test_adolescent_to_parent_cases_are_under_16_and_recorded_as_perpetrators(gen: Generated) -> None:
    cases = [p for p in gen.truth["perpetrators"] if p["adolescent_to_parent"]]
    assert cases
    latest = gen.latest()
    police_named = False
    for case in cases:
        person = gen.people[case["id"]]
        assert "adolescent_to_parent" in person["role"] and "perpetrator" not in person["role"]
        assert not case["serial"]
        for ref in case["incidents"]:
            rec = latest[(ref["agency"], "incident", ref["local_id"])]
            assert _age(person["dob"], rec["occurred_at"]) < 16
            police_named |= ref["agency"] == "cleveland-police"
        assert all(gen.people[v]["id"] in person["parents"] for v in case["victims"])
    assert police_named


def test_children_present_reach_schools_and_childrens_services(gen: Generated) -> None:
    pupils = [p for p in gen.truth["people"] if "pupil" in p["role"]]
    assert pupils and all(p["school"] for p in pupils)
    present = {c for i in gen.truth["incidents"] for c in i["children_present"]}
    assert present & {p["id"] for p in pupils}
    csc = [r for r in gen.lines["stockton-childrens"] if r["type"] == "person"]
    childrens = {gen.owner[("stockton-childrens", r["local_id"])] for r in csc}
    assert present & childrens
    forums = Counter((r["forum"], r["role"]) for r in gen.records("referral"))
    for needed in (
        ("MARAC", "victim"),
        ("MASH", "child"),
        ("MATAC", "perpetrator"),
        ("perpetrator_programme", "perpetrator"),
    ):
        assert forums[needed], needed
    kinds = {r["kind"] for r in gen.records("order")}
    assert {"DVPN", "DVPO", "restraining_order", "non_molestation_order"} <= kinds
    assert {r["scheme"] for r in gen.records("disclosure")} == {"right_to_ask", "right_to_know"}
    assert {r["tool"] for r in gen.records("risk_assessment")} >= {"DASH"}
    dash = [r for r in gen.records("risk_assessment") if r["tool"] == "DASH"]
    assert dash and all((r["level"] == "high") == (r["score"] >= 14) for r in dash)


def test_updates_and_withdrawals_are_resubmissions_of_the_same_key(gen: Generated) -> None:
    versions: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for r in gen.records():
        versions.setdefault((r["agency"], r["type"], r["local_id"]), []).append(r)
    assert 0.004 * gen.result.records <= len(gen.truth["updates"]) <= 0.03 * gen.result.records
    for u in gen.truth["updates"]:
        seen = versions[(u["agency"], u["type"], u["local_id"])]
        assert len(seen) >= 2
        assert all(a["recorded_at"] < b["recorded_at"] for a, b in itertools.pairwise(seen))
        assert any(any(a.get(f) != b.get(f) for f in u["fields"]) for a, b in itertools.pairwise(seen))
    assert gen.truth["withdrawn"]
    for w in gen.truth["withdrawn"]:
        seen = versions[(w["agency"], w["type"], w["local_id"])]
        assert seen[-1]["deleted"] is True and not seen[0].get("deleted")
        assert seen[0]["recorded_at"] < seen[-1]["recorded_at"]
    assert not any(r.get("deleted") for r in gen.records("person"))


def test_progress_reports_the_total(tmp_path: Path) -> None:
    calls: list[int] = []
    result = generate(SeedSpec(perpetrators=20, as_of=AS_OF), tmp_path, progress=calls.append)
    assert calls and calls[-1] == result.records and calls == sorted(calls)


def test_size_scales_about_linearly(gen: Generated, tmp_path: Path) -> None:
    small = generate(SeedSpec(perpetrators=30, as_of=AS_OF), tmp_path / "small").records
    large = generate(SeedSpec(perpetrators=240, as_of=AS_OF), tmp_path / "large").records
    per_perpetrator = [small / 30, gen.result.records / 60, large / 240]
    assert all(24 <= r <= 42 for r in per_perpetrator), per_perpetrator
    assert 6 <= large / small <= 10
