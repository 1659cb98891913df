"""The API benchmark's own logic: its documents stay valid against the live schema, its closed loops keep exactly
``concurrency`` requests in flight, and the issue 6 target is what the issue says."""

from __future__ import annotations

import asyncio
import threading

import pytest
from graphql import get_named_type, parse, validate

from bench.api import NETWORK, PAGE, Cell, cycle, document_for, looped, target, threaded
from hub.api import build_schema


def test_the_documents_are_valid_against_the_live_schema() -> None:
    schema = build_schema()._schema
    assert schema.query_type is not None
    field = schema.query_type.fields["serialPerpetrators"]
    document, _ = document_for(field.args, getattr(get_named_type(field.type), "fields", {}))
    for text in (NETWORK, document):
        assert validate(schema, parse(text)) == []


def test_a_relay_connection_is_asked_for_one_realistic_page() -> None:
    document, paged = document_for(["years", "first", "after"], ["edges", "pageInfo", "totalCount"])
    assert paged and f"first: {PAGE}" in document and "edges" in document and "totalCount" not in document
    document, paged = document_for(["years"], ["personId", "victims"])
    assert not paged and "edges" not in document and "first:" not in document


def test_the_target_is_one_and_a_half_times_raw_plus_5_ms() -> None:
    assert target(0.010) == pytest.approx(0.020)
    assert target(0.0) == pytest.approx(0.005)


def test_a_cell_reports_median_p95_and_throughput() -> None:
    cell = Cell(tuple(i / 1000 for i in range(1, 101)), wall=2.0)
    assert cell.p50 == pytest.approx(0.0505)
    assert cell.p95 == pytest.approx(0.096)
    assert cell.throughput == pytest.approx(50.0)


@pytest.mark.parametrize("concurrency", [1, 4, 16])
def test_the_thread_loop_keeps_concurrency_requests_in_flight(concurrency: int) -> None:
    in_flight, most, lock, done = 0, 0, threading.Lock(), []
    full = threading.Event()  # the first wave waits until all are in flight: a busy machine cannot make it pass late

    def work(item: int) -> None:
        nonlocal in_flight, most
        with lock:
            in_flight += 1
            most = max(most, in_flight)
            if in_flight == concurrency:
                full.set()
        full.wait(timeout=10)
        with lock:
            in_flight -= 1
            done.append(item)

    cell = threaded(work, cycle(list(range(7)), 3 * concurrency), concurrency)
    assert len(cell.latencies) == 3 * concurrency and sorted(done) == sorted(cycle(list(range(7)), 3 * concurrency))
    assert most == concurrency


@pytest.mark.parametrize("concurrency", [1, 4, 16])
def test_the_async_loop_keeps_concurrency_requests_in_flight(concurrency: int) -> None:
    in_flight, most, done = 0, 0, []

    async def work(item: int) -> None:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        await asyncio.sleep(0.002)
        in_flight -= 1
        done.append(item)

    cell = asyncio.run(looped(work, list(range(3 * concurrency)), concurrency))
    assert len(cell.latencies) == 3 * concurrency and sorted(done) == list(range(3 * concurrency))
    assert most == concurrency and all(latency >= 0.002 for latency in cell.latencies)


def test_failed_requests_are_counted_and_never_timed() -> None:
    def work(item: int) -> None:
        if item % 3 == 0:
            raise RuntimeError(f"refused {item}")

    async def awork(item: int) -> None:
        work(item)

    for cell in (threaded(work, list(range(9)), 4), asyncio.run(looped(awork, list(range(9)), 4))):
        assert cell.errors == 3 and len(cell.latencies) == 6
        assert cell.first_error.startswith("RuntimeError: refused")
