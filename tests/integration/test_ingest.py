"""Ingest against a real graph: verdicts per line, idempotency, updates, withdrawals, isolation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from graph.errors import IngestError
from graph.ingest import ingest_file
from graph.store import Graph
from tests.helpers import new_agency, write_jsonl

pytestmark = pytest.mark.contract  # needs only a Bolt server: make contract


def person(agency: str, local_id: str, **fields: Any) -> dict[str, Any]:
    return {"type": "person", "agency": agency, "local_id": local_id, **fields}


def incident(agency: str, local_id: str, perps: list[str], victims: list[str], **fields: Any) -> dict[str, Any]:
    return {
        "type": "incident",
        "agency": agency,
        "local_id": local_id,
        "occurred_at": "2025-03-01T22:10:00Z",
        "category": "physical",
        "perpetrators": perps,
        "victims": victims,
        **fields,
    }


def node(graph: Graph, label: str, agency: str, local_id: str) -> dict[str, Any] | None:
    rows = graph.read(f"MATCH (n:{label} {{key: $key}}) RETURN properties(n) AS p", key=f"{agency}:{local_id}")
    return rows[0]["p"] if rows else None


def current(graph: Graph, agency: str) -> dict[str, int]:
    from graph.stats import graph_stats

    return graph_stats(graph)["records"].get(agency, {})


def test_valid_file_is_written_with_provenance_and_edges(graph: Graph, tmp_path: Path) -> None:
    a = new_agency()
    path = write_jsonl(
        tmp_path / "a.jsonl",
        [
            incident(a, "I1", ["P1"], ["P2"], children_present=["C1"], harm_score=120),  # before its people
            person(
                a,
                "P1",
                given_name="Dale",
                dob="1984-07-09",
                identifiers={"pnc_id": "14/000001Q", "x": "y"},
                school={"urn": 1},
            ),
            person(a, "P2", given_name="Mia", recorded_at="2025-03-02T08:00:00+01:00"),
            person(a, "C1", given_name="Ava", dob="2016-01-05"),
            {
                "type": "relationship",
                "agency": a,
                "local_id": "R1",
                "person": "P1",
                "other": "P2",
                "kind": "intimate_partner",
                "start": "2023-01-01",
            },
        ],
    )
    report = ingest_file(graph, path, a)
    assert (report.lines, report.accepted, report.rejected) == (5, 5, 0)
    assert report.writes.created == 5
    p1 = node(graph, "PersonRecord", a, "P1")
    assert p1 is not None
    assert p1["agency"] == a and p1["local_id"] == "P1" and p1["pnc_id"] == "14/000001Q"
    assert p1["submission"] == report.submission and p1["version"] == 1
    assert str(p1["dob"]) == "1984-07-09"
    assert json.loads(p1["identifiers"]) == {"pnc_id": "14/000001Q", "x": "y"}  # the whole map, as text
    assert json.loads(p1["extra"]) == {"school": {"urn": 1}}  # fields the format does not name
    assert "deleted" not in p1
    p2 = node(graph, "PersonRecord", a, "P2")
    assert p2 is not None and p2["recorded_at"].hour == 7  # normalised to UTC
    edges = graph.read(
        "MATCH (i:Incident {key: $key})-[r]->(p:PersonRecord) RETURN type(r) AS t, p.local_id AS p ORDER BY t",
        key=f"{a}:I1",
    )
    assert [(e["t"], e["p"]) for e in edges] == [
        ("CHILD_PRESENT", "C1"),
        ("PERPETRATOR", "P1"),
        ("VICTIM", "P2"),
    ]
    sub = graph.read(
        "MATCH (s:Submission {id: $id})-[:FROM]->(a:Agency) RETURN s, a.code AS code", id=report.submission
    )
    assert sub[0]["code"] == a and sub[0]["s"]["accepted"] == 5
    assert sub[0]["s"]["status"] == "complete" and sub[0]["s"]["finished_at"] >= sub[0]["s"]["started_at"]


def test_invalid_lines_are_reported_and_do_not_stop_their_neighbours(graph: Graph, tmp_path: Path) -> None:
    a = new_agency()
    path = write_jsonl(
        tmp_path / "mixed.jsonl",
        [
            person(a, "P1"),
            person(a, "P2", dob="1990-02-30"),  # no such day
            "{not json",
            '"a string"',
            {"type": "suspect", "agency": a, "local_id": "S1"},
            {"agency": a, "local_id": "S2"},
            incident(a, "I1", ["P1"], ["NOPE"]),
            person("someone-else", "P3"),
            {
                "type": "incident",
                "agency": a,
                "local_id": "I2",
                "category": "physical",
                "perpetrators": ["P1"],
                "victims": ["P1"],
            },
            person(a, "P4", gender="M"),
            person(a, "P5", identifiers={"nhs_number": "12345"}),
            person(a, "P6"),
        ],
    )
    report = ingest_file(graph, path, a)
    found = {(r.line, r.field): r.reason for r in report.rejects}
    assert set(found) == {
        (2, "dob"),
        (3, "(line)"),
        (4, "(line)"),
        (5, "type"),
        (6, "type"),
        (7, "victims[0]"),
        (8, "agency"),
        (9, "occurred_at"),
        (10, "gender"),
        (11, "identifiers.nhs_number"),
    }
    assert "YYYY-MM-DD" in found[(2, "dob")]
    assert "not valid JSON" in found[(3, "(line)")]
    assert "must be one of person" in found[(5, "type")]
    assert "'NOPE'" in found[(7, "victims[0]")]
    assert "is required" in found[(9, "occurred_at")]
    assert "female" in found[(10, "gender")]
    assert report.rejects[0].format("f.jsonl") == "f.jsonl:2: dob: not a valid date (YYYY-MM-DD)"
    assert (report.accepted, report.rejected) == (2, 10)
    assert current(graph, a) == {"person": 2}


def test_reingest_is_a_no_op(graph: Graph, tmp_path: Path) -> None:
    a = new_agency()
    path = write_jsonl(tmp_path / "a.jsonl", [person(a, "P1"), person(a, "P2"), incident(a, "I1", ["P1"], ["P2"])])
    first = ingest_file(graph, path, a)
    before = graph.read("MATCH (n) RETURN count(n) AS n")[0]["n"]
    edges = graph.read("MATCH ()-[r]->() RETURN count(r) AS n")[0]["n"]
    second = ingest_file(graph, path, a)
    assert first.writes.created == 3 and second.writes.created == 0 and second.writes.unchanged == 3
    # only the second submission's own node is new
    assert graph.read("MATCH (n) RETURN count(n) AS n")[0]["n"] == before + 1
    assert graph.read("MATCH ()-[r]->() RETURN count(r) AS n")[0]["n"] == edges + 1
    assert node(graph, "Incident", a, "I1")["submission"] == first.submission  # type: ignore[index]


def test_update_replaces_fields_and_edges_and_keeps_the_previous_version(graph: Graph, tmp_path: Path) -> None:
    a = new_agency()
    ingest_file(
        graph,
        write_jsonl(
            tmp_path / "1.jsonl",
            [
                person(a, "P1"),
                person(a, "P2"),
                person(a, "P3"),
                incident(a, "I1", ["P1"], ["P2"], harm_score=10, recorded_at="2025-03-02T00:00:00Z"),
            ],
        ),
        a,
    )
    report = ingest_file(
        graph,
        write_jsonl(
            tmp_path / "2.jsonl",
            [
                incident(a, "I1", ["P1"], ["P3"], recorded_at="2025-03-05T00:00:00Z", category="threats"),
            ],
        ),
        a,
    )
    assert report.writes.updated == 1
    i1 = node(graph, "Incident", a, "I1")
    assert i1 is not None
    assert i1["category"] == "threats" and "harm_score" not in i1 and i1["version"] == 2
    victims = graph.read("MATCH (:Incident {key: $k})-[:VICTIM]->(p) RETURN p.local_id AS v", k=f"{a}:I1")
    assert [v["v"] for v in victims] == ["P3"]
    versions = graph.read("MATCH (:Incident {key: $k})-[:PREVIOUS]->(v) RETURN v", k=f"{a}:I1")
    assert len(versions) == 1 and versions[0]["v"]["harm_score"] == 10 and versions[0]["v"]["version"] == 1


def test_a_stale_resubmission_does_not_overwrite_a_newer_record(graph: Graph, tmp_path: Path) -> None:
    a = new_agency()
    ingest_file(
        graph,
        write_jsonl(tmp_path / "1.jsonl", [person(a, "P1", family_name="Newer", recorded_at="2025-06-01T00:00:00Z")]),
        a,
    )
    report = ingest_file(
        graph,
        write_jsonl(tmp_path / "2.jsonl", [person(a, "P1", family_name="Older", recorded_at="2024-01-01T00:00:00Z")]),
        a,
    )
    assert report.writes.stale == 1 and report.rejected == 0
    assert node(graph, "PersonRecord", a, "P1")["family_name"] == "Newer"  # type: ignore[index]


def test_withdrawal_keeps_history_and_leaves_current_counts(graph: Graph, tmp_path: Path) -> None:
    a = new_agency()
    ingest_file(
        graph,
        write_jsonl(tmp_path / "1.jsonl", [person(a, "P1"), person(a, "P2"), incident(a, "I1", ["P1"], ["P2"])]),
        a,
    )
    report = ingest_file(graph, write_jsonl(tmp_path / "2.jsonl", [incident(a, "I1", ["P1"], ["P2"], deleted=True)]), a)
    assert report.writes.withdrawn == 1
    i1 = node(graph, "Incident", a, "I1")
    assert i1 is not None and i1["deleted"] is True and i1["withdrawn_at"] is not None
    assert current(graph, a) == {"person": 2}
    assert graph.read("MATCH (:Incident {key: $k})-[:PREVIOUS]->(v) RETURN count(v) AS n", k=f"{a}:I1")[0]["n"] == 1
    assert graph.read("MATCH (:Incident {key: $k})-[r]->(:PersonRecord) RETURN count(r) AS n", k=f"{a}:I1")[0]["n"] == 2
    # re-submitting it without the flag reinstates it
    ingest_file(graph, write_jsonl(tmp_path / "3.jsonl", [incident(a, "I1", ["P1"], ["P2"])]), a)
    assert current(graph, a) == {"incident": 1, "person": 2}


def test_local_ids_are_isolated_between_agencies(graph: Graph, tmp_path: Path) -> None:
    police, health = new_agency(), new_agency()
    ingest_file(graph, write_jsonl(tmp_path / "p.jsonl", [person(police, "X1", given_name="Police")]), police)
    ingest_file(graph, write_jsonl(tmp_path / "h.jsonl", [person(health, "X1", given_name="Health")]), health)
    assert node(graph, "PersonRecord", police, "X1")["given_name"] == "Police"  # type: ignore[index]
    assert node(graph, "PersonRecord", health, "X1")["given_name"] == "Health"  # type: ignore[index]
    # health cannot reference police's person, even with the same local_id space
    report = ingest_file(graph, write_jsonl(tmp_path / "h2.jsonl", [incident(health, "I1", ["X1"], ["X2"])]), health)
    assert [(r.field, r.line) for r in report.rejects] == [("victims[0]", 1)]
    ingest_file(graph, write_jsonl(tmp_path / "p2.jsonl", [person(police, "X2")]), police)
    report = ingest_file(graph, write_jsonl(tmp_path / "h3.jsonl", [incident(health, "I1", ["X1"], ["X2"])]), health)
    assert report.rejected == 1  # X2 exists, but only for police


def test_references_resolve_against_records_stored_earlier(graph: Graph, tmp_path: Path) -> None:
    a = new_agency()
    ingest_file(graph, write_jsonl(tmp_path / "1.jsonl", [person(a, "P1"), person(a, "P2")]), a)
    report = ingest_file(
        graph,
        write_jsonl(
            tmp_path / "2.jsonl",
            [
                {
                    "type": "order",
                    "agency": a,
                    "local_id": "O1",
                    "kind": "DVPO",
                    "subject": "P1",
                    "protected": ["P2"],
                    "start": "2025-01-01",
                }
            ],
        ),
        a,
    )
    assert report.rejected == 0
    rows = graph.read("MATCH (o:ProtectiveOrder {key: $k})-[r]->(p) RETURN type(r) AS t ORDER BY t", k=f"{a}:O1")
    assert [r["t"] for r in rows] == ["PROTECTS", "SUBJECT"]


def test_same_key_twice_in_one_file_keeps_the_last(graph: Graph, tmp_path: Path) -> None:
    a = new_agency()
    report = ingest_file(
        graph,
        write_jsonl(
            tmp_path / "1.jsonl",
            [person(a, "P1", family_name="First"), person(a, "P1", family_name="Second")],
        ),
        a,
        batch_size=10,
    )
    assert (report.writes.created, report.writes.updated, report.superseded) == (1, 0, 1)
    assert node(graph, "PersonRecord", a, "P1")["family_name"] == "Second"  # type: ignore[index]


def test_unreadable_file_raises(graph: Graph, tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="cannot be read"):
        ingest_file(graph, tmp_path / "missing.jsonl", new_agency())
    with pytest.raises(IngestError):
        ingest_file(graph, tmp_path, new_agency())


def test_concurrent_submissions_of_the_same_records_never_duplicate(graph: Graph, tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    a = new_agency()
    people = [person(a, f"P{i}") for i in range(300)]
    paths = [write_jsonl(tmp_path / f"{n}.jsonl", people) for n in range(3)]
    with ThreadPoolExecutor(max_workers=3) as pool:
        reports = list(pool.map(lambda p: ingest_file(graph, p, a, batch_size=50), paths))
    assert all(r.rejected == 0 for r in reports)
    assert sum(r.writes.created for r in reports) == 300
    rows = graph.read("MATCH (n:PersonRecord) WHERE n.agency = $a RETURN count(n) AS n", a=a)
    assert rows[0]["n"] == 300


def test_json_that_cannot_reach_the_graph_is_rejected_with_a_reason(graph: Graph, tmp_path: Path) -> None:
    a = new_agency()
    head = f'{{"type": "person", "agency": "{a}", "local_id": '
    path = write_jsonl(
        tmp_path / "odd.jsonl",
        [
            head + '"S1", "given_name": "\\ud800"}',
            head + '"N1", "score": NaN}',
            head + '"B1", "big": 123456789012345678901234567890}',
        ],
    )
    report = ingest_file(graph, path, a)
    assert [(r.line, r.field) for r in report.rejects] == [(1, "(line)"), (2, "(line)")]
    assert "lone surrogate" in report.rejects[0].reason and "NaN" in report.rejects[1].reason
    assert report.writes.created == 1  # an integer beyond 64 bits is fine: it is kept in `extra`
