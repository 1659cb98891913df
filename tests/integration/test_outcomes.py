"""Outcomes after tasking against the real graph: the windows on a hand-made population, and on synthetic data a known
effect recovered and no effect reported where none was set.

Each data set goes in under fresh agency codes and is read in a scope of those agencies alone, so no other test's
records count. Identity resolution is played from the ground truth (one resolved person per true person), so the
measure is judged by itself, not through linkage errors.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from graph.analytics.outcomes import OutcomeReport, measure_outcomes
from graph.analytics.rfg import load_config
from graph.ingest import ingest_file
from graph.persons import new_person_id
from graph.scope import Scope
from graph.store import Graph
from hub.cli import outcomes as outcomes_cli
from hub.settings import Settings
from synthetic import SeedSpec, generate
from tests.helpers import new_agency, write_jsonl

pytestmark = pytest.mark.contract  # needs only a Bolt server: make contract

CONFIG = load_config()
AS_OF = dt.date(2031, 6, 30)
REFERRED = dt.datetime.combine(AS_OF, dt.time(12), dt.UTC) - dt.timedelta(days=500)


def scope_of(agencies: Sequence[str]) -> Scope:
    """What the hub would build from a grant reading these agencies' people, incidents and referrals."""
    return Scope(
        sources={"PersonRecord": list(agencies), "Incident": list(agencies), "Referral": list(agencies)},
        links={"Incident": ["PERPETRATOR", "VICTIM"], "Referral": ["SUBJECT"]},
    )


def stamp(days: float) -> str:
    """``days`` after the referral (negative: before), as the partner format writes a date-time."""
    return (REFERRED + dt.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def hand(graph: Graph, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], OutcomeReport, str]:
    agency, elsewhere = new_agency(), new_agency()
    records: list[dict[str, Any]] = []
    n = iter(range(1000))

    def person(name: str, dob: str = "1980-01-01") -> None:
        records.append({"type": "person", "agency": agency, "local_id": name, "dob": dob})

    def incident(days: float, perp: str, victim: str, harm: float = 5.0) -> None:
        records.append(
            {"type": "incident", "agency": agency, "local_id": f"i{next(n)}", "occurred_at": stamp(days),
             "category": "physical", "harm_score": harm, "perpetrators": [perp], "victims": [victim]}
        )  # fmt: skip

    def referral(days: float, subject: str, forum: str = "MATAC", **more: Any) -> None:
        records.append(
            {"type": "referral", "agency": agency, "local_id": f"r{next(n)}", "forum": forum, "subject": subject,
             "role": "perpetrator", "referred_at": stamp(days), **more}
        )  # fmt: skip

    teen = (REFERRED.date() - dt.timedelta(days=15 * 365)).isoformat()
    for name in ("pat", "v1", "v2", "c1", "w1", "c2", "w2", "recent", "v3", "gone", "marac"):
        person(name)
    person("teen", teen)
    # pat: three incidents in the 12 months before the first MATAC referral, two in the 12 months after, one later
    for days in (-300, -100, -10):
        incident(days, "pat", "v1")
    for days in (50, 200, 400):
        incident(days, "pat", "v2")
    referral(0, "pat")
    referral(100, "pat")  # the first referral is the index date
    referral(30, "pat", forum="perpetrator_programme")
    # c1 was never referred and had the same year before (the same RFG(V) bands): the comparison
    for days in (-310, -95, -12, 60):
        incident(days, "c1", "w1")
    # c2 was never referred but had ten incidents: other bands, no comparison
    for i in range(10):
        incident(-200 + 15 * i, "c2", "w2")
    referral(0, "teen")  # a 15-year-old is never a perpetrator, whatever was referred
    incident(-20, "teen", "v1")
    referral(400, "recent")  # referred 100 days before AS_OF: listed, not yet followed up
    incident(350, "recent", "v3")
    referral(0, "gone", deleted=True)  # withdrawn
    referral(0, "marac", forum="MARAC")
    tmp = tmp_path_factory.mktemp("outcomes")
    report = ingest_file(graph, write_jsonl(tmp / "hand.jsonl", records), agency)
    assert report.rejected == 0, report.rejects
    other = [{"type": "person", "agency": elsewhere, "local_id": "x"},
             {"type": "referral", "agency": elsewhere, "local_id": "rx", "forum": "MATAC", "subject": "x",
              "role": "perpetrator", "referred_at": stamp(0)}]  # fmt: skip
    ingest_file(graph, write_jsonl(tmp / "other.jsonl", other), elsewhere)
    rows = graph.read(
        "MATCH (r:PersonRecord)-[:RESOLVED_AS]->(p:Person) WHERE r.agency IN $a "
        "RETURN r.local_id AS l, p.person_id AS id",
        a=[agency, elsewhere],
    )
    ids = {row["l"]: row["id"] for row in rows}
    return ids, measure_outcomes(graph, scope_of([agency]), CONFIG, as_of=AS_OF), agency


def test_the_windows_before_and_after_the_first_referral(hand: tuple[dict[str, str], OutcomeReport, str]) -> None:
    ids, report, agency = hand
    assert [o.person for o in report.referred] == [ids["recent"], ids["pat"]], "newest referral first"
    pat = report.referred[1]
    assert pat.referred_at == REFERRED and pat.records == ((agency, "pat"),)
    by = {p.months: p for p in pat.periods}
    assert (by[12].before.incidents, by[12].after.incidents, by[12].before.victims, by[12].after.victims) == (
        3,
        2,
        1,
        1,
    )
    assert (by[6].before.incidents, by[6].after.incidents) == (2, 1)
    assert by[12].before.harm == 15.0 and by[12].complete and by[6].complete
    assert by[12].before.score == CONFIG.breakdown(10, 3, 15.0, 1)["score"], "scored as on the referral day"
    recent = report.referred[0]
    assert not {p.months: p for p in recent.periods}[12].complete, "not yet 12 months since"


def test_the_comparison_is_the_one_alike_who_was_not_referred(hand: tuple[dict[str, str], OutcomeReport, str]) -> None:
    _, report, _ = hand
    assert report.followed_up == 1 and report.summary.matched == 1 and report.comparison_people == 1
    assert report.referred[1].comparisons == 1
    incidents = next(c for c in report.summary.comparisons if c.months == 12 and c.measure == "incidents")
    assert (incidents.tasked_before, incidents.tasked_after, incidents.comparison_after) == (3, 2, 1)
    assert incidents.difference.estimate == 1.0  # (2 - 3) - (1 - 3)
    change = report.summary.rate_change[12]
    assert change is not None and change.estimate == 1.0  # (2/3) / (1/3) - 1


def test_who_is_never_listed(graph: Graph, hand: tuple[dict[str, str], OutcomeReport, str]) -> None:
    ids, report, agency = hand
    listed = {o.person for o in report.referred}
    for name in ("teen", "gone", "marac"):
        assert ids[name] not in listed, name
    assert ids["x"] not in listed, "a referral outside the scope does not count"
    programme = measure_outcomes(graph, scope_of([agency]), CONFIG, forum="perpetrator_programme", as_of=AS_OF)
    assert [o.person for o in programme.referred] == [ids["pat"]]
    assert programme.referred[0].referred_at == REFERRED + dt.timedelta(days=30)


def test_cli(hand: tuple[dict[str, str], OutcomeReport, str], data_dir: Path) -> None:
    ids, _, agency = hand
    settings = dataclasses.replace(Settings.from_env(os.environ), data_dir=data_dir)  # NEO4J_URI too
    runner = CliRunner()
    done = runner.invoke(outcomes_cli.command, ["--as-of", AS_OF.isoformat(), "--format", "jsonl"], obj=settings)
    assert done.exit_code == 0, done.output
    [pat] = [json.loads(line) for line in done.stdout.splitlines() if ids["pat"] in line]
    assert pat["records"] == [[agency, "pat"]] and pat["referred_at"] == stamp(0)
    year = next(p for p in pat["periods"] if p["months"] == 12)
    assert (year["before"]["incidents"], year["after"]["incidents"], year["complete"]) == (3, 2, True)
    args = ["--as-of", AS_OF.isoformat(), "--format", "json", "--cohort", "--min-cell", "10"]
    published = json.loads(runner.invoke(outcomes_cli.command, args, obj=settings).stdout)
    assert published["perpetrators"] is None and published["min_cell"] == 10
    assert all(published[n] is None or published[n] >= 10 for n in ("referred", "followed_up", "matched"))
    table = runner.invoke(outcomes_cli.command, ["--as-of", AS_OF.isoformat()], obj=settings)
    assert table.exit_code == 0 and ids["pat"] in table.stdout and "referred" in table.stdout


# --- a known effect, on synthetic data ---------------------------------------------------------------------------

SYNTHETIC_AS_OF = dt.date(2026, 11, 1)
TYPES = {"person", "incident", "referral"}  # what the measure reads
BATCH = 5000
SEED, PERPETRATORS = 7, 600
EFFECT = -0.5  # half of a tasked perpetrator's incidents after tasking do not happen
TOLERANCE = 0.2  # the estimate of the relative change in the incident rate is within this of the truth


def load_synthetic(graph: Graph, spec: SeedSpec, tmp: Path) -> list[str]:
    """The generated records the measure reads, under fresh agency codes, resolved as the truth says."""
    seed = generate(spec, tmp)
    codes = {code: new_agency() for code in seed.files}
    for code, path in sorted(seed.files.items()):
        lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        kept = [{**r, "agency": codes[code]} for r in lines if r["type"] in TYPES]
        ingest_file(graph, write_jsonl(tmp / f"{codes[code]}.jsonl", kept), codes[code])
    truth = json.loads(seed.truth_file.read_text(encoding="utf-8"))
    people = {p["id"]: new_person_id() for p in truth["people"]}
    links = [[f"{codes[r['agency']]}:{r['local_id']}", people[p["id"]]] for p in truth["people"] for r in p["records"]]
    for start in range(0, len(links), BATCH):  # the singleton people ingest made give way to the true ones
        keys = [key for key, _ in links[start : start + BATCH]]
        graph.write(
            "UNWIND $keys AS k MATCH (:PersonRecord {key: k})-[:RESOLVED_AS]->(p:Person) DETACH DELETE p", keys=keys
        )
    ids = sorted(set(people.values()))
    for start in range(0, len(ids), BATCH):
        graph.write("UNWIND $ids AS id CREATE (:Person {person_id: id})", ids=ids[start : start + BATCH])
    for start in range(0, len(links), BATCH):
        graph.write(
            "UNWIND $links AS l MATCH (r:PersonRecord {key: l[0]}) MATCH (p:Person {person_id: l[1]}) "
            "CREATE (r)-[:RESOLVED_AS]->(p)",
            links=links[start : start + BATCH],
        )
    return sorted(codes.values())


def effect_run(graph: Graph, tmp: Path, effect: float) -> OutcomeReport:
    spec = SeedSpec(seed=SEED, perpetrators=PERPETRATORS, as_of=SYNTHETIC_AS_OF, matac_effect=effect)
    agencies = load_synthetic(graph, spec, tmp)
    return measure_outcomes(graph, scope_of(agencies), CONFIG, as_of=SYNTHETIC_AS_OF)


@pytest.mark.slow
def test_a_set_effect_is_recovered(graph: Graph, tmp_path: Path) -> None:
    report = effect_run(graph, tmp_path, EFFECT)
    change = report.summary.rate_change[12]
    assert report.summary.matched >= 30 and change is not None and change.high is not None
    assert abs(change.estimate - EFFECT) <= TOLERANCE, change
    assert change.high < 0, "the interval excludes no effect"


@pytest.mark.slow
def test_no_effect_is_reported_where_none_was_set(graph: Graph, tmp_path: Path) -> None:
    report = effect_run(graph, tmp_path, 0.0)
    change = report.summary.rate_change[12]
    assert report.summary.matched >= 30 and change is not None and change.low is not None and change.high is not None
    assert abs(change.estimate) <= TOLERANCE, change
    assert change.low <= 0 <= change.high, "the interval covers no effect"
