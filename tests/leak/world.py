"""The world the leak test runs in: the synthetic partnership (``hub seed``), a hand-written scenario on top of it that
makes every alert kind fire and sets each known trap, identity resolution, and the facts the oracle judges by.

Facts come from the files the agencies submitted (the seed's JSON Lines and the scenario's) and, for what the hub
computed, from the graph itself: which person records identity resolution joined into which resolved person
(``(:PersonRecord)-[:RESOLVED_AS]->(:Person {person_id})``). Nothing here imports the hub's enforcement.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import subprocess
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph.store import Graph, open_graph
from hub.settings import Settings
from tests.helpers import free_port, run_hub, start_serve, stop, write_jsonl
from tests.leak.agreements import EVENT_DATE, LINK_FIELDS

POLICE, PROBATION, NHS, CHILDRENS = "cleveland-police", "probation-ne", "tees-nhs", "stockton-childrens"
HOUSING, IDVA, SCHOOLS, DAP = "thirteen-housing", "harbour-idva", "stockton-schools", "tees-dap"
AGENCIES = (POLICE, PROBATION, NHS, CHILDRENS, HOUSING, IDVA, SCHOOLS)
TOKEN_TTL = 3600  # the hub refuses longer ones (HUB_MAX_TOKEN_TTL); a run takes minutes


@dataclass
class Rec:
    agency: str
    type: str
    local_id: str
    fields: dict[str, Any]
    deleted: bool = False

    @property
    def key(self) -> tuple[str, str]:
        return (self.agency, self.local_id)

    def date(self) -> dt.date | None:
        name = EVENT_DATE.get(self.type)
        value = self.fields.get(name) if name else None
        return day_of(value) if value else None

    def links(self) -> Iterator[tuple[str, str]]:
        """(link field, local id of a person record of the same agency)."""
        for name in LINK_FIELDS[self.type]:
            value = self.fields.get(name)
            for local in value if isinstance(value, list) else [value] if value else []:
                yield name, local


def day_of(value: Any) -> dt.date:
    text = str(value)
    if "T" in text:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(dt.UTC).date()
    return dt.date.fromisoformat(text[:10])


@dataclass
class World:
    today: dt.date
    data_dir: Path
    records: dict[tuple[str, str], list[Rec]]  # (agency, local_id) -> the records with that key (one per type)
    person_of: dict[tuple[str, str], str]  # person record (agency, local_id) -> resolved id
    scenario: dict[str, Any] = field(default_factory=dict)  # named scenario records and people

    def current(self) -> Iterator[Rec]:
        for recs in self.records.values():
            for rec in recs:
                if not rec.deleted:
                    yield rec

    def person_records(self, person_id: str) -> list[Rec]:
        return [r for r in self.current() if r.type == "person" and self.person_of.get(r.key) == person_id]

    def record(self, agency: str, local_id: str, record_type: str | None = None) -> Rec | None:
        for rec in self.records.get((agency, local_id), []):
            if record_type is None or rec.type == record_type:
                return rec
        return None

    def linked(self, rec: Rec) -> list[tuple[str, str | None]]:
        """(link field, resolved id) for each person a record names."""
        return [(name, self.person_of.get((rec.agency, local))) for name, local in rec.links()]

    @property
    def person_ids(self) -> set[str]:
        return set(self.person_of.values())


def scenario(today: dt.date) -> tuple[dict[str, list[dict[str, Any]]], dict[str, Any]]:
    """Records that make every alert kind fire and set each trap of issue 11, with dates relative to today.

    Gideon Quarrington (P) abused Marisol Ketteridge (V1) in 2015 (after which she went to MARAC: a repeat MARAC in
    2015) and six years ago, Philippa Wragholme (V2) within three years (a repeat MARAC a year ago), and has a new
    partner, Rosalind Featherby (V3), whom he harmed ten days ago and yesterday with her son Tobias present (a Right to
    Know, and an Operation Encompass notification to his school). Two orders against him end this week, one granted in
    2021. The school's roll holds Tobias, his mother as an adult contact, and P as a contact with a postcode district
    no other agency holds; tees-nhs holds P with an NHS number."""

    def ago(years: int = 0, days: int = 0) -> dt.date:
        try:
            day = today.replace(year=today.year - years)
        except ValueError:  # 29 February
            day = today.replace(year=today.year - years, day=28)
        return day - dt.timedelta(days=days)

    def at(day: dt.date, hour: int = 20) -> str:
        return f"{day.isoformat()}T{hour:02d}:15:00Z"

    stamp = at(today - dt.timedelta(days=1), 23)
    p = {"agency": POLICE, "recorded_at": stamp}
    police = [
        {**p, "type": "person", "local_id": "LK-P", "given_name": "Gideon", "family_name": "Quarrington",
         "dob": "1979-03-14", "gender": "male", "postcode": "TS18 1LQ", "address": "7 Quarry Lane, Stockton-on-Tees",
         "identifiers": {"pnc_id": "79/555001Q"}},
        {**p, "type": "person", "local_id": "LK-V1", "given_name": "Marisol", "family_name": "Ketteridge",
         "dob": "1984-06-02", "gender": "female", "postcode": "TS18 2KB", "address": "3 Kestrel Row, Stockton-on-Tees"},
        {**p, "type": "person", "local_id": "LK-V2", "given_name": "Philippa", "family_name": "Wragholme",
         "dob": "1988-09-09", "gender": "female", "postcode": "TS20 1WP"},
        {**p, "type": "person", "local_id": "LK-V3", "given_name": "Rosalind", "family_name": "Featherby",
         "dob": "1990-01-20", "gender": "female", "postcode": "TS19 3FR", "address": "12 Feather Close, Stockton"},
        {**p, "type": "person", "local_id": "LK-C", "given_name": "Tobias", "family_name": "Featherby",
         "dob": ago(years=9, days=40).isoformat(), "gender": "male", "postcode": "TS19 3FR"},
        {**p, "type": "incident", "local_id": "LK-I1", "occurred_at": "2015-03-10T21:00:00Z", "category": "physical",
         "crime": True, "outcome": "arrest", "harm_score": 180.0, "perpetrators": ["LK-P"], "victims": ["LK-V1"]},
        {**p, "type": "referral", "local_id": "LK-REF1", "forum": "MARAC", "role": "victim",
         "referred_at": "2015-04-01T09:00:00Z", "status": "closed", "subject": "LK-V1"},
        {**p, "type": "incident", "local_id": "LK-I2", "occurred_at": "2015-09-01T22:00:00Z", "category": "threats",
         "crime": True, "perpetrators": ["LK-P"], "victims": ["LK-V1"]},
        {**p, "type": "incident", "local_id": "LK-I3", "occurred_at": at(ago(years=6)), "category": "coercive_control",
         "crime": False, "perpetrators": ["LK-P"], "victims": ["LK-V1"]},
        {**p, "type": "incident", "local_id": "LK-I4", "occurred_at": at(ago(years=2, days=180)),
         "category": "physical", "crime": True, "perpetrators": ["LK-P"], "victims": ["LK-V2"]},
        {**p, "type": "referral", "local_id": "LK-REF2", "forum": "MARAC", "role": "victim",
         "referred_at": at(ago(years=1, days=180), 9), "status": "closed", "subject": "LK-V2"},
        {**p, "type": "incident", "local_id": "LK-I5", "occurred_at": at(ago(years=1)),
         "category": "stalking_harassment", "crime": True, "perpetrators": ["LK-P"], "victims": ["LK-V2"]},
        {**p, "type": "relationship", "local_id": "LK-REL1", "kind": "intimate_partner", "person": "LK-P",
         "other": "LK-V3", "start": ago(days=20).isoformat()},
        {**p, "type": "incident", "local_id": "LK-I6", "occurred_at": at(ago(days=10)),
         "category": "emotional_psychological", "crime": False, "perpetrators": ["LK-P"], "victims": ["LK-V3"]},
        {**p, "type": "incident", "local_id": "LK-I7", "occurred_at": at(ago(days=1), 19), "category": "physical",
         "crime": True, "outcome": "arrest", "perpetrators": ["LK-P"], "victims": ["LK-V3"],
         "children_present": ["LK-C"]},
        {**p, "type": "order", "local_id": "LK-ORD1", "kind": "restraining_order", "subject": "LK-P",
         "protected": ["LK-V1"], "start": "2021-06-01", "end": (today + dt.timedelta(days=5)).isoformat(),
         "status": "granted"},
        {**p, "type": "order", "local_id": "LK-ORD2", "kind": "DVPO", "subject": "LK-P", "protected": ["LK-V3"],
         "start": ago(days=20).isoformat(), "end": (today + dt.timedelta(days=7)).isoformat(), "status": "granted"},
        {**p, "type": "disclosure", "local_id": "LK-DIS1", "scheme": "right_to_know", "subject": "LK-P",
         "recipient": "LK-V3", "applied_at": at(ago(days=15), 10)},
    ]  # fmt: skip
    s = {"agency": SCHOOLS, "recorded_at": stamp, "type": "person", "school": "Leak Test Primary"}
    schools = [
        {**s, "local_id": "LK-SCH-C", "given_name": "Toby", "family_name": "Featherby",
         "dob": police[4]["dob"], "postcode": "TS19 3FR"},
        {**s, "local_id": "LK-SCH-M", "given_name": "Rosalind", "family_name": "Featherby", "dob": "1990-01-20",
         "postcode": "TS19 3FR", "address": "12 Feather Close, Stockton"},
        {**s, "local_id": "LK-SCH-P", "given_name": "Gideon", "family_name": "Quarrington", "dob": "1979-03-14",
         "postcode": "TS29 4QQ", "address": "1 Hidden Row, Trimdon"},
    ]  # fmt: skip
    nhs = [
        {
            "agency": NHS,
            "recorded_at": stamp,
            "type": "person",
            "local_id": "LK-NHS-P",
            "given_name": "Gideon",
            "family_name": "Quarrington",
            "dob": "1979-03-14",
            "postcode": "TS18 1LQ",
            "identifiers": {"nhs_number": "9990555017"},
        },
    ]
    files = {POLICE: police, SCHOOLS: schools, NHS: nhs}
    # person records identity resolution must join (the test makes sure: resolution is not what is tested here)
    links = {
        (SCHOOLS, "LK-SCH-C"): (POLICE, "LK-C"),
        (SCHOOLS, "LK-SCH-M"): (POLICE, "LK-V3"),
        (SCHOOLS, "LK-SCH-P"): (POLICE, "LK-P"),
        (NHS, "LK-NHS-P"): (POLICE, "LK-P"),
    }
    return files, {"links": links, "school_district": "TS29"}


def read_records(paths: list[Path]) -> dict[tuple[str, str], list[Rec]]:
    """Every record's latest state (the last line of a file for a key wins; files in submission order)."""
    last: dict[tuple[str, str, str], Rec] = {}
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            raw = json.loads(line)
            fields = {k: v for k, v in raw.items() if k not in ("type", "agency", "local_id", "deleted")}
            rec = Rec(raw["agency"], raw["type"], raw["local_id"], fields, bool(raw.get("deleted")))
            last[(rec.agency, rec.type, rec.local_id)] = rec
    out: dict[tuple[str, str], list[Rec]] = defaultdict(list)
    for rec in last.values():
        out[rec.key].append(rec)
    return dict(out)


def graph_of(data_dir: Path) -> Any:
    settings = dataclasses.replace(Settings.from_env(os.environ), data_dir=data_dir)
    return open_graph(settings.graph_config(), role="test")


def force_links(graph: Graph, links: dict[tuple[str, str], tuple[str, str]]) -> None:
    for (agency, local), (to_agency, to_local) in links.items():
        key, target = f"{agency}:{local}", f"{to_agency}:{to_local}"
        graph.write(
            "MATCH (r:PersonRecord {key: $k})-[e:RESOLVED_AS]->(p:Person) DELETE e WITH p "
            "WHERE NOT EXISTS { MATCH (p)<-[:RESOLVED_AS]-() } DETACH DELETE p",
            k=key,
        )
        graph.write(
            "MATCH (r:PersonRecord {key: $k}) MATCH (:PersonRecord {key: $t})-[:RESOLVED_AS]->(p:Person) "
            "CREATE (r)-[:RESOLVED_AS]->(p)",
            k=key,
            t=target,
        )


def resolved(graph: Graph) -> dict[tuple[str, str], str]:
    rows = graph.read(
        "MATCH (r:PersonRecord)-[:RESOLVED_AS]->(p:Person) RETURN r.agency AS a, r.local_id AS l, p.person_id AS id"
    )
    return {(row["a"], row["l"]): row["id"] for row in rows}


def build(data_dir: Path, *, perpetrators: int = 40, seed: int = 7, today: dt.date | None = None) -> World:
    """Seed, add the scenario, resolve identities, force the scenario's links; the graph must be served already."""
    today = today or dt.date.today()
    done = run_hub(
        data_dir, "seed", "--seed", str(seed), "--perpetrators", str(perpetrators), "--as-of", today.isoformat(),
        timeout=900,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"hub seed failed: {done.stderr[-2000:]}")
    files, facts = scenario(today)
    extra_dir = data_dir / "leak-scenario"
    extra_dir.mkdir(exist_ok=True)
    paths = sorted((data_dir / "seed").glob("*.jsonl"))
    for agency, records in files.items():
        path = write_jsonl(extra_dir / f"{agency}.jsonl", records)
        done = run_hub(data_dir, "ingest", str(path), "--agency", agency)
        if done.returncode != 0:
            raise RuntimeError(f"hub ingest {agency} failed: {done.stderr[-2000:]}")
        paths.append(path)
    done = run_hub(data_dir, "resolve", timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"hub resolve failed: {done.stderr[-2000:]}")
    with graph_of(data_dir) as graph:
        force_links(graph, facts["links"])
        person_of = resolved(graph)
    world = World(today, data_dir, read_records(paths), person_of, facts)
    world.scenario["P"] = person_of[(POLICE, "LK-P")]
    for name in ("V1", "V2", "V3", "C"):
        world.scenario[name] = person_of[(POLICE, f"LK-{name}")]
    return world


def token(data_dir: Path, agency: str, role: str) -> str:
    done = run_hub(data_dir, "token", "--agency", agency, "--role", role, "--ttl", str(TOKEN_TTL))
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    return done.stdout.strip()


@contextmanager
def served(data_dir: Path, **env: str) -> Iterator[str]:
    """A real ``hub serve`` on its own data directory; yields its base URL."""
    port = free_port()
    process: subprocess.Popen[str] = start_serve(data_dir, port, **env)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)
