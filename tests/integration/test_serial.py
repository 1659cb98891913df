"""Serial perpetrators and RFG scoring against the real graph, on hand-made populations.

Every test ingests its own agency's records, dated before an ``as_of`` far from today so that no other test's data
falls in the window, and looks only at the people it made. Identity resolution is played by moving ``RESOLVED_AS``
edges, as ``hub resolve`` would.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from graph.analytics.evaluate import evaluate_serial, listed_from_jsonl
from graph.analytics.rfg import parse_config, score_perpetrators
from graph.analytics.serial import find_serial
from graph.ingest import ingest_file
from graph.scope import Scope
from graph.store import Graph
from hub.cli import score as score_cli
from hub.cli import serial as serial_cli
from hub.settings import Settings
from tests.helpers import new_agency, write_jsonl

pytestmark = pytest.mark.contract  # needs only a Bolt server: make contract

AS_OF = dt.date(2031, 6, 30)
EVERYTHING = Scope.everything()
ADULT = "1980-01-01"


def at(days: int) -> str:
    """The date-time ``days`` before AS_OF, at noon UTC."""
    return (dt.datetime.combine(AS_OF, dt.time(12), tzinfo=dt.UTC) - dt.timedelta(days=days)).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )


class Population:
    def __init__(self) -> None:
        self.agency = new_agency()
        self.records: list[dict[str, Any]] = []
        self.n = 0

    def person(self, local_id: str, dob: str | None = ADULT, postcode: str = "TS17 1AA") -> str:
        record = {"type": "person", "agency": self.agency, "local_id": local_id, "postcode": postcode}
        if dob:
            record["dob"] = dob
        self.records.append(record)
        return local_id

    def incident(
        self,
        days: int,
        perps: Sequence[str],
        victims: Sequence[str],
        *,
        category: str = "physical",
        harm: float | None = None,
        deleted: bool = False,
    ) -> str:
        self.n += 1
        record: dict[str, Any] = {
            "type": "incident",
            "agency": self.agency,
            "local_id": f"i{self.n}",
            "occurred_at": at(days),
            "category": category,
            "perpetrators": list(perps),
            "victims": list(victims),
        }
        if harm is not None:
            record["harm_score"] = harm
        if deleted:
            record["deleted"] = True
        self.records.append(record)
        return record["local_id"]

    def relationship(self, person: str, other: str, kind: str, start: str) -> None:
        self.n += 1
        self.records.append(
            {
                "type": "relationship",
                "agency": self.agency,
                "local_id": f"r{self.n}",
                "person": person,
                "other": other,
                "kind": kind,
                "start": start,
            }
        )

    def load(self, graph: Graph, tmp_path: Path) -> dict[str, str]:
        """Ingest; local_id -> resolved person id."""
        report = ingest_file(graph, write_jsonl(tmp_path / f"{self.agency}.jsonl", self.records), self.agency)
        assert report.rejected == 0, report.rejects
        rows = graph.read(
            "MATCH (r:PersonRecord)-[:RESOLVED_AS]->(p:Person) WHERE r.agency = $a "
            "RETURN r.local_id AS l, p.person_id AS id",
            a=self.agency,
        )
        return {row["l"]: row["id"] for row in rows}


def resolve_as(graph: Graph, agency: str, local_id: str, person_id: str) -> None:
    """Link a record to another resolved person, as identity resolution would."""
    graph.write(
        "MATCH (r:PersonRecord {key: $key})-[e:RESOLVED_AS]->(:Person) DELETE e WITH DISTINCT r "
        "MATCH (p:Person {person_id: $pid}) CREATE (r)-[:RESOLVED_AS]->(p)",
        key=f"{agency}:{local_id}",
        pid=person_id,
    )


def serial_ids(graph: Graph, **kwargs: Any) -> set[str]:
    return {s.person for s in find_serial(graph, EVERYTHING, as_of=AS_OF, **kwargs).perpetrators}


@pytest.fixture(scope="module")
def world(graph: Graph, tmp_path_factory: pytest.TempPathFactory) -> tuple[Population, dict[str, str]]:
    """One population holding every case the module looks at (one ingest, one server round trip each)."""
    pop = Population()
    # a serial perpetrator: two partners within 3 years, the first relationship on record
    for name in ("serial", "v1", "v2"):
        pop.person(name)
    pop.relationship("serial", "v1", "intimate_partner", "2029-01-01")
    pop.incident(700, ["serial"], ["v1"], harm=120)
    pop.incident(400, ["serial"], ["v1"], category="threats")
    pop.incident(30, ["serial"], ["v2"], category="stalking_harassment", harm=60)
    # one victim, many incidents
    for name in ("onevictim", "v3"):
        pop.person(name)
    for days in (10, 100, 200, 300):
        pop.incident(days, ["onevictim"], ["v3"])
    # two victims, but the first one's abuse was before the look-back
    for name in ("old", "v4", "v5"):
        pop.person(name)
    pop.incident(4 * 365 + 30, ["old"], ["v4"])
    pop.incident(100, ["old"], ["v5"])
    pop.incident(50, ["old"], ["v5"])
    # a 15-year-old harming two people (a parent and a sibling)
    teen_dob = (AS_OF - dt.timedelta(days=15 * 365 + 100)).isoformat()
    for name in ("teen", "mum", "sister"):
        pop.person(name, dob=teen_dob if name == "teen" else ADULT)
    pop.incident(60, ["teen"], ["mum"])
    pop.incident(20, ["teen"], ["sister"])
    # the same victim under two records (a second URN): one victim once resolved
    for name in ("twice", "w1", "w1b"):
        pop.person(name)
    pop.incident(90, ["twice"], ["w1"])
    pop.incident(45, ["twice"], ["w1b"])
    # a perpetrator under two records, one victim on each: serial once resolved
    for name in ("p1", "p1b", "x1", "x2"):
        pop.person(name, postcode="TS5 6ZZ")
    pop.incident(80, ["p1"], ["x1"])
    pop.incident(40, ["p1b"], ["x2"])
    # the second victim's incident was withdrawn
    for name in ("withdrawn", "y1", "y2"):
        pop.person(name)
    pop.incident(70, ["withdrawn"], ["y1"])
    pop.incident(35, ["withdrawn"], ["y2"], deleted=True)
    # two victims, but at one incident: not "more than one incident"
    for name in ("once", "z1", "z2"):
        pop.person(name)
    pop.incident(25, ["once"], ["z1", "z2"])
    tmp = tmp_path_factory.mktemp("serial")
    return pop, pop.load(graph, tmp)


def test_two_victims_within_three_years_make_a_serial_perpetrator(graph: Graph, world):
    pop, ids = world
    report = find_serial(graph, EVERYTHING, as_of=AS_OF)
    [found] = [s for s in report.perpetrators if s.person == ids["serial"]]
    assert found.records == ((pop.agency, "serial"),)
    assert [v.person for v in found.victims] == [ids["v1"], ids["v2"]], "victims in time order"
    first, second = found.victims
    assert (first.incidents, second.incidents, found.incidents) == (2, 1, 3)
    assert first.first.isoformat().startswith(at(700)[:10]) and first.last.isoformat().startswith(at(400)[:10])
    assert first.relationship_start == dt.date(2029, 1, 1) and first.relationship_kinds == ("intimate_partner",)
    assert second.relationship_start is None and second.records == ((pop.agency, "v2"),)
    assert found.agencies == (pop.agency,)
    line = found.to_json()
    assert line["person"] == ids["serial"] and line["records"] == [[pop.agency, "serial"]]
    assert [v["person"] for v in line["victims"]] == [ids["v1"], ids["v2"]]


def test_who_is_not_serial(graph: Graph, world):
    _, ids = world
    listed = serial_ids(graph)
    for name in ("onevictim", "old", "teen", "withdrawn", "once"):
        assert ids[name] not in listed, name
    assert ids["old"] in serial_ids(graph, years=5), "a longer look-back reaches the first victim"
    assert ids["old"] in serial_ids(graph, since=AS_OF - dt.timedelta(days=5 * 365))


def test_an_under_16_is_a_safeguarding_concern_never_a_perpetrator(graph: Graph, world):
    _, ids = world
    report = find_serial(graph, EVERYTHING, as_of=AS_OF)
    assert ids["teen"] not in {s.person for s in report.perpetrators}
    [concern] = [c for c in report.concerns if c.person == ids["teen"]]
    assert {v.person for v in concern.victims} == {ids["mum"], ids["sister"]} and concern.incidents == 2
    run = score_perpetrators(graph, parse_config(CONFIG), EVERYTHING, as_of=AS_OF, write=False)
    assert ids["teen"] not in {s.person for s in run.scores}


def test_resolution_decides_who_is_the_same_victim_and_the_same_perpetrator(graph: Graph, world):
    pop, ids = world
    before = serial_ids(graph)
    assert ids["twice"] in before and ids["p1"] not in before and ids["p1b"] not in before, "records as they come"
    resolve_as(graph, pop.agency, "w1b", ids["w1"])  # the victim's second record is the same person
    resolve_as(graph, pop.agency, "p1b", ids["p1"])  # the perpetrator's second record is the same person
    report = find_serial(graph, EVERYTHING, as_of=AS_OF)
    listed = {s.person: s for s in report.perpetrators}
    assert ids["twice"] not in listed, "one victim under two records counts once"
    merged = listed[ids["p1"]]
    assert merged.records == ((pop.agency, "p1"), (pop.agency, "p1b"))
    assert [v.person for v in merged.victims] == [ids["x1"], ids["x2"]] and merged.incidents == 2


CONFIG: dict[str, Any] = {
    "version": 1,
    "window_years": 3,
    "weights": {"recency": 1, "frequency": 2, "gravity": 3, "victims": 4},
    "recency": {"bands": [{"max": 30, "points": 3}, {"max": 365, "points": 2}, {"points": 1}]},
    "frequency": {"bands": [{"max": 2, "points": 1}, {"points": 2}]},
    "gravity": {
        "aggregate": "sum",
        "fallback": 1,
        "category_defaults": {"threats": 7},
        "bands": [{"max": 100, "points": 1}, {"max": 500, "points": 2}, {"points": 3}],
    },
    "victims": {"bands": [{"max": 1, "points": 0}, {"points": 5}]},
}


def test_rfg_breakdown_matches_a_hand_computation_and_is_stored(graph: Graph, world):
    _, ids = world
    run = score_perpetrators(graph, parse_config(CONFIG), EVERYTHING, as_of=AS_OF)
    scores = {s.person: s for s in run.scores}
    s = scores[ids["serial"]]
    # last incident 30 days before: recency band 1 (3 points); 3 incidents: 2 points; harm 120 + 7 (threats, no
    # harm score) + 60 = 187: 2 points; 2 victims: 5 points. Score 3*1 + 2*2 + 2*3 + 5*4 = 33.
    assert (s.days_since_last, s.incidents, s.harm, s.victim_count) == (30, 3, 187.0, 2)
    assert (s.recency, s.frequency, s.gravity, s.victims, s.score, s.serial) == (3, 2, 2, 5, 33, True)
    # one victim, four physical incidents without harm scores: fallback 1 each; last 10 days ago
    o = scores[ids["onevictim"]]
    assert (o.recency, o.frequency, o.gravity, o.victims, o.harm, o.score, o.serial) == (3, 2, 1, 0, 4, 10, False)
    assert s.rank < o.rank and [x.rank for x in run.scores] == list(range(1, len(run.scores) + 1))
    [stored] = graph.read(
        "MATCH (p:Person {person_id: $id}) RETURN p.rfg_score AS score, p.rfg_recency AS r, p.rfg_frequency AS f, "
        "p.rfg_gravity AS g, p.rfg_victims AS v, p.rfg_harm AS harm, p.rfg_serial AS serial, "
        "p.rfg_scored_at AS at, p.rfg_config AS config",
        id=ids["serial"],
    )
    assert (stored["score"], stored["r"], stored["f"], stored["g"], stored["v"]) == (33, 3, 2, 2, 5)
    assert stored["harm"] == 187 and stored["serial"] is True and stored["at"] is not None
    assert stored["config"] == run.config.digest
    # a later run that no longer scores someone clears what the earlier one stored on them
    later = score_perpetrators(graph, parse_config(CONFIG), EVERYTHING, as_of=AS_OF + dt.timedelta(days=4 * 365))
    assert ids["serial"] not in {x.person for x in later.scores}
    [cleared] = graph.read("MATCH (p:Person {person_id: $id}) RETURN p.rfg_score AS score", id=ids["serial"])
    assert cleared["score"] is None


def test_cli_exports(graph: Graph, world, data_dir: Path):
    pop, ids = world
    settings = dataclasses.replace(Settings.from_env(os.environ), data_dir=data_dir)  # NEO4J_URI too
    runner = CliRunner()
    result = runner.invoke(
        serial_cli.command, ["--as-of", AS_OF.isoformat(), "--format", "jsonl"], obj=settings, catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if pop.agency in line]
    listed = listed_from_jsonl(lines)
    assert {item.person for item in listed} >= {ids["serial"]}
    assert ids["teen"] not in {item.person for item in listed}
    truth = {
        "people": [{"id": f"T-{name}", "records": [{"agency": pop.agency, "local_id": name}]} for name in ids],
        "perpetrators": [{"id": "T-serial", "serial": True}],
    }
    mine = [item for item in listed if item.person == ids["serial"]]
    assert evaluate_serial(mine, truth).summary()["precision"] == 1.0
    result = runner.invoke(
        score_cli.command,
        ["--as-of", AS_OF.isoformat(), "--agency", pop.agency, "--area", "ts17", "--format", "csv", "--top", "0"],
        obj=settings,
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    rows = result.stdout.splitlines()
    assert rows[0].startswith("rank,person,score,recency,frequency,gravity,victims")
    people = {row.split(",")[1] for row in rows[1:]}
    assert ids["serial"] in people and ids["p1"] not in people, "p1's records are in TS5"
