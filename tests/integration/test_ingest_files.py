"""Damaged submission files: cut short, not UTF-8, gzip cut short. The error names the file and the line, and what
was written is what a re-run of the whole file completes without writing anything twice."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from graph.errors import IngestError
from graph.ingest import ingest_file
from graph.store import Graph
from tests.helpers import new_agency, people_and_incidents, write_jsonl

pytestmark = pytest.mark.contract


def _submission(agency: str, people: int = 6) -> list[dict[str, Any]]:
    return people_and_incidents(agency, "Ames", people, ((n, 0, n) for n in range(1, people)))


def _held(graph: Graph, agency: str) -> dict[str, int]:
    [row] = graph.read(
        "MATCH (n) WHERE n.agency = $a AND (n:PersonRecord OR n:Incident) "
        "OPTIONAL MATCH (n)-[e]->(:PersonRecord) WITH n, count(e) AS edges "
        "RETURN sum(CASE WHEN n:PersonRecord THEN 1 ELSE 0 END) AS persons, "
        "sum(CASE WHEN n:Incident THEN 1 ELSE 0 END) AS incidents, sum(edges) AS edges",
        a=agency,
    )
    [people] = graph.read(
        "MATCH (r:PersonRecord)-[:RESOLVED_AS]->(p:Person) WHERE r.agency = $a RETURN count(p) AS n", a=agency
    )
    [subs] = graph.read("MATCH (s:Submission) WHERE s.agency = $a RETURN count(s) AS n", a=agency)
    return {**row, "people": people["n"], "submissions": subs["n"]}


def test_a_file_cut_mid_line_names_the_line_and_a_rerun_of_the_whole_file_completes(
    graph: Graph, tmp_path: Path
) -> None:
    a = new_agency()
    whole = write_jsonl(tmp_path / "whole.jsonl", _submission(a))
    data = whole.read_bytes()
    cut = tmp_path / "cut.jsonl"
    cut.write_bytes(data[: data.rindex(b"\n", 0, -1) + 30])  # the last line, 30 bytes in
    report = ingest_file(graph, cut, a)
    [reject] = report.rejects
    assert (reject.line, reject.field) == (11, "(line)") and "cut short" in reject.reason
    assert reject.format(str(cut)).startswith(f"{cut}:11: (line): not valid JSON")
    assert _held(graph, a) == {"persons": 6, "incidents": 4, "edges": 8, "people": 6, "submissions": 1}
    again = ingest_file(graph, whole, a)
    assert (again.rejected, again.writes.created, again.writes.unchanged) == (0, 1, 10)
    assert _held(graph, a) == {"persons": 6, "incidents": 5, "edges": 10, "people": 6, "submissions": 2}


def test_a_line_that_is_not_utf8_is_rejected_by_line_and_column(graph: Graph, tmp_path: Path) -> None:
    a = new_agency()
    lines = [json.dumps(r) for r in _submission(a, people=3)]
    path = tmp_path / "latin1.jsonl"
    broken = lines[1].replace('"Ames"', '"Am\u00e9s"').encode("latin-1")  # a Latin-1 export: é is one byte, 0xe9
    path.write_bytes(b"\n".join([lines[0].encode(), broken, *(line.encode() for line in lines[2:])]) + b"\n")
    report = ingest_file(graph, path, a)
    reject, victim = report.rejects  # and the incident whose victim was on that line
    assert (reject.line, reject.field, victim.line, victim.field) == (2, "(line)", 4, "victims[0]")
    assert reject.reason == f"not UTF-8: byte 0xe9 at column {broken.index(0xE9) + 1}"
    assert (_held(graph, a)["persons"], _held(graph, a)["incidents"]) == (2, 1)


def test_gzip_is_read_like_the_plain_file(graph: Graph, tmp_path: Path) -> None:
    a = new_agency()
    plain = write_jsonl(tmp_path / "a.jsonl", _submission(a))
    packed = tmp_path / "a.jsonl.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    report = ingest_file(graph, packed, a, batch_size=4)
    assert (report.lines, report.rejected, report.writes.created) == (11, 0, 11)


def test_gzip_cut_short_fails_before_anything_is_written(graph: Graph, tmp_path: Path) -> None:
    a = new_agency()
    plain = write_jsonl(tmp_path / "a.jsonl", _submission(a, people=200))
    packed = gzip.compress(plain.read_bytes())
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(IngestError, match=rf"^{cut}:\d+: cannot be read past line \d+: Compressed file ended"):
        ingest_file(graph, cut, a)
    assert _held(graph, a) == {"persons": 0, "incidents": 0, "edges": 0, "people": 0, "submissions": 0}
