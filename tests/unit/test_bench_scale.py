"""``make scale`` and ``make load``'s own logic: sizes, the summaries, the documents against the live schema, and a
stage that passes its caps killed and reported rather than waited for."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from graphql import parse, validate

from bench.load import Hub, summarise
from bench.scale import QUERIES, STAGES, sizes, table, watch
from hub.api import build_schema


def test_sizes_read_plain_numbers_and_k_and_m() -> None:
    assert sizes("10k,100k,1M") == [10_000, 100_000, 1_000_000]
    assert sizes(" 2500 , 1.5k") == [2_500, 1_500]
    for wrong in ("", "0", "ten", "-5k"):
        with pytest.raises((ValueError, IndexError)):
            sizes(wrong)


def test_the_interactive_queries_are_valid_against_the_live_schema() -> None:
    schema = build_schema()._schema
    for query, _ in QUERIES.values():
        assert validate(schema, parse(query)) == []


def test_a_load_summary_counts_failures_apart_and_gives_percentiles_of_the_rest() -> None:
    samples = {
        "wall": 10.0,
        "latencies": {"analyst: person": [float(n) for n in range(1, 101)], "auditor: auditEvents by agency": []},
        "failures": {"auditor: auditEvents by agency": 3},
    }
    rows = summarise(samples)
    person = rows["analyst: person"]
    assert (person["requests"], person["failures"], person["per_second"]) == (100, 0, 10.0)
    assert (person["p50_ms"], person["p95_ms"], person["p99_ms"]) == (51.0, 96.0, 100.0)
    audit = rows["auditor: auditEvents by agency"]
    assert (audit["requests"], audit["failures"], audit["p50_ms"]) == (3, 3, None)
    assert (rows["all"]["requests"], rows["all"]["failures"]) == (103, 3)


def test_a_stage_over_its_time_or_memory_cap_is_killed_and_reported(tmp_path: Path) -> None:
    hub = Hub(tmp_path, {}, "http://127.0.0.1:9", None)  # generate needs no hub
    caps = {"seed": 7, "calls": 1}
    slow = watch("generate", tmp_path, hub, {}, argparse.Namespace(stage_cap=1, memory_cap=20, **caps), 2_000_000)
    assert slow["status"] == "too slow: over the 1 s cap" and 1 <= slow["seconds"] < 10
    big = watch("generate", tmp_path, hub, {}, argparse.Namespace(stage_cap=60, memory_cap=0.02, **caps), 2_000_000)
    assert big["status"].startswith("out of memory: over 0.02 GB") and big["peak_rss_mb"] > 20


def test_the_table_shows_what_finished_and_says_why_the_rest_did_not() -> None:
    done = {"seconds": 2.0, "peak_rss_mb": 300, "graph_peak_rss_mb": 400, "status": "ok"}
    results = {
        10_000: {
            "generate": {**done, "records": 31_000},
            "ingest": {**done, "person_records": 10_250, "per_second": 1234.0},
            "resolve": {"status": "out of memory: over 22 GB (stage and graph) after 80 s", "peak_rss_mb": 22_000},
            **{name: {"status": "skipped: resolve did not finish"} for name in STAGES[3:]},
        }
    }
    text = table(results)
    assert "10,250" in text and "1,234" in text and "31,000" in text
    assert "10,000: resolve: out of memory: over 22 GB" in text and "10,000: score: skipped" in text
