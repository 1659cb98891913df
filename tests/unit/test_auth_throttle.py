"""Token buckets per key: a burst, an even refill, tokens given back, and bounded memory for made-up keys; the
guard's bound on waiting verifications."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from hub.auth.clients import ClientRegistry, clients_path, verification_seconds
from hub.auth.guard import Attempt, ClientGuard
from hub.auth.throttle import TokenBuckets


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_then_one_token_every_period_over_capacity() -> None:
    clock = Clock()
    buckets = TokenBuckets(10, period=60, clock=clock)
    assert [buckets.take("1.2.3.4") for _ in range(10)] == [0.0] * 10
    assert buckets.take("1.2.3.4") == pytest.approx(6.0)  # the next token comes in 60 / 10 seconds
    assert buckets.take("5.6.7.8") == 0.0, "each key has its own bucket"
    clock.now += 3
    assert buckets.take("1.2.3.4") == pytest.approx(3.0)
    clock.now += 3
    assert buckets.take("1.2.3.4") == 0.0
    assert buckets.take("1.2.3.4") > 0


def test_a_token_given_back_does_not_count() -> None:
    buckets = TokenBuckets(2, clock=Clock())
    for _ in range(5):
        assert buckets.take("c-1") == 0.0
        buckets.give_back("c-1")
    assert len(buckets) == 0, "a full bucket is not kept"


def test_made_up_keys_cost_bounded_memory() -> None:
    clock = Clock()
    buckets = TokenBuckets(3, max_keys=100, clock=clock)
    for n in range(10_000):
        buckets.take(f"c-{n}")
        clock.now += 0.001
    assert len(buckets) <= 100
    for _ in range(3):
        buckets.take("recent")
    assert buckets.take("recent") > 0, "the most recently used keys are kept"


def test_nonsense_is_refused() -> None:
    with pytest.raises(ValueError):
        TokenBuckets(0)


def test_the_guard_refuses_when_too_many_verifications_wait(tmp_path: Path) -> None:
    """One slot, eight waiting: of twenty simultaneous attempts (each from its own address, for its own id), the rest
    are told the hub is busy at once; an unknown id takes its slot for as long as a verification would."""
    guard = ClientGuard(ClientRegistry(clients_path(tmp_path)), concurrency=1)

    async def attempts() -> list[Attempt]:
        return await asyncio.gather(*(guard.authenticate(f"c-{n}", "guess", f"10.0.0.{n}") for n in range(20)))

    started = time.perf_counter()
    outcomes = asyncio.run(attempts())
    busy = [a for a in outcomes if a.busy]
    assert len(busy) == 11 and all(a.retry_after == 1 and a.client is None for a in busy)
    assert [a.failure for a in outcomes if not a.busy] == ["unknown client id"] * 9
    assert time.perf_counter() - started >= 9 * 0.5 * verification_seconds()  # one at a time, each as long
