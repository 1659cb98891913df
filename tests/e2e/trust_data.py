"""A small, hand-made household for the trust-layer tests, written through the real ingest and linked as identity
resolution would link it. Synthetic: no real person.

    Dale (adult) abuses Amy: incident ``recent`` (their child Kai present) and ``old`` (five years ago, past the
    MATAC and MARAC retention windows, inside DVDS's). Tom, 14, assaults his mother Amy (``teen``): a child harm
    concern, never a perpetrator. The NHS knows Amy (a mental health support need, special category), probation
    knows Dale, the school knows Kai as a pupil.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graph.store import Graph
from tests.helpers import run_hub, write_jsonl

POLICE, NHS, SCHOOLS, PROBATION = "cleveland-police", "tees-nhs", "stockton-schools", "probation-ne"


@dataclass(frozen=True)
class Household:
    tag: str
    ids: dict[str, str]  # name -> resolved person id
    local: dict[str, str]  # name -> police (or own agency) local id

    def lid(self, name: str) -> str:
        return f"{self.tag}-{name}"


def _ago(days: int) -> str:
    return (dt.datetime.now(dt.UTC) - dt.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def join(graph: Graph, other: str, police: str) -> None:
    """What identity resolution would do: the record ``other`` (a local id) joins the person of record ``police``."""
    graph.write("MATCH (:PersonRecord {local_id: $o})-[:RESOLVED_AS]->(p:Person) DETACH DELETE p", o=other)
    graph.write(
        "MATCH (o:PersonRecord {local_id: $other}) MATCH (:PersonRecord {local_id: $police})-[:RESOLVED_AS]->"
        "(p:Person) CREATE (o)-[:RESOLVED_AS]->(p)",
        other=other,
        police=police,
    )


def build(graph: Graph, data_dir: Path, tmp: Path) -> Household:
    tag = "TM" + uuid.uuid4().hex[:6].upper()

    def lid(name: str) -> str:
        return f"{tag}-{name}"

    def person(agency: str, name: str, given: str, dob: str, **more: Any) -> dict[str, Any]:
        return {
            "type": "person",
            "agency": agency,
            "local_id": lid(name),
            "given_name": given,
            "family_name": "Testcase",
            "dob": dob,
            **more,
        }

    police = [
        person(
            POLICE,
            "dale",
            "Dale",
            "1985-03-02",
            postcode="TS18 1AA",
            address="1 Example Row",
            identifiers={"pnc_id": "99/0000001X"},
        ),
        person(POLICE, "amy", "Amy", "1990-06-15", postcode="TS18 1AA", address="1 Example Row"),
        person(POLICE, "kai", "Kai", "2016-04-01"),
        person(POLICE, "tom", "Tom", "2012-01-01"),
        {
            "type": "incident",
            "agency": POLICE,
            "local_id": lid("recent"),
            "occurred_at": _ago(200),
            "category": "physical",
            "crime": True,
            "offence": "Assault",
            "perpetrators": [lid("dale")],
            "victims": [lid("amy")],
            "children_present": [lid("kai")],
        },
        {
            "type": "incident",
            "agency": POLICE,
            "local_id": lid("old"),
            "occurred_at": _ago(5 * 365),
            "category": "threats",
            "perpetrators": [lid("dale")],
            "victims": [lid("amy")],
        },
        {
            "type": "incident",
            "agency": POLICE,
            "local_id": lid("teen"),
            "occurred_at": _ago(30),
            "category": "physical",
            "perpetrators": [lid("tom")],
            "victims": [lid("amy")],
        },
        {
            "type": "order",
            "agency": POLICE,
            "local_id": lid("order"),
            "kind": "DVPO",
            "subject": lid("dale"),
            "protected": [lid("amy")],
            "start": _ago(100)[:10],
            "status": "granted",
        },
    ]
    nhs = [
        person(NHS, "amy-nhs", "Amy", "1990-06-15", address="1 Example Row"),
        {
            "type": "support_need",
            "agency": NHS,
            "local_id": lid("need"),
            "subject": lid("amy-nhs"),
            "need": "mental_health",
            "noted_at": _ago(60),
        },
    ]
    schools = [person(SCHOOLS, "kai-pupil", "Kai", "2016-04-01")]
    probation = [person(PROBATION, "dale-crn", "Dale", "1985-03-02")]
    for agency, records in ((POLICE, police), (NHS, nhs), (SCHOOLS, schools), (PROBATION, probation)):
        done = run_hub(data_dir, "ingest", str(write_jsonl(tmp / f"{agency}.jsonl", records)), "--agency", agency)
        assert done.returncode == 0, done.stderr
    # what identity resolution would do: each other agency's record joins the police record's person
    for other, police_name in (("amy-nhs", "amy"), ("kai-pupil", "kai"), ("dale-crn", "dale")):
        join(graph, lid(other), lid(police_name))
    rows = graph.read(
        "MATCH (r:PersonRecord)-[:RESOLVED_AS]->(p:Person) WHERE r.agency = $police AND r.local_id STARTS WITH $tag "
        "RETURN r.local_id AS lid, p.person_id AS id",
        police=POLICE,
        tag=tag,
    )
    ids = {row["lid"].removeprefix(f"{tag}-"): row["id"] for row in rows}
    return Household(tag, ids, {name: lid(name) for name in ids})
