"""Token buckets, one per key (a client address, a client id): a burst of ``capacity``, refilled evenly over a minute.

Small on purpose: the hub runs as one process, so the buckets live in its memory. A bucket that has refilled
completely holds nothing worth keeping and is forgotten, and at most ``max_keys`` buckets are kept (the least
recently used are dropped first), so keys made up by the million cost bounded memory. Not thread-safe: the event
loop owns it.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class TokenBuckets:
    def __init__(
        self,
        capacity: int,
        *,
        period: float = 60.0,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if capacity < 1 or period <= 0 or max_keys < 1:
            raise ValueError("a token bucket needs a capacity of 1 or more, a positive period and room for a key")
        self.capacity, self._rate, self._max_keys, self._clock = capacity, capacity / period, max_keys, clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, when they were counted)

    def take(self, key: str) -> float:
        """Take a token for ``key``: 0.0 if one was taken, else the seconds until one will be there (none taken)."""
        now = self._clock()
        tokens = self._tokens(key, now)
        if tokens < 1:
            return (1 - tokens) / self._rate
        self._store(key, tokens - 1, now)
        return 0.0

    def give_back(self, key: str) -> None:
        """Return a token taken for an attempt that turned out not to count (a successful authentication)."""
        now = self._clock()
        self._store(key, self._tokens(key, now) + 1, now)

    def _tokens(self, key: str, now: float) -> float:
        tokens, then = self._buckets.get(key, (self.capacity, now))
        return min(self.capacity, tokens + (now - then) * self._rate)

    def _store(self, key: str, tokens: float, now: float) -> None:
        self._buckets.pop(key, None)  # re-inserted last: the dict's order is the order of last use
        if tokens >= self.capacity:
            return  # a full bucket is the same as no bucket
        if len(self._buckets) >= self._max_keys:
            self._forget(now)
        self._buckets[key] = (tokens, now)

    def _forget(self, now: float) -> None:
        """Drop the buckets that have refilled, and if that is not enough, the least recently used half."""
        full = [k for k in self._buckets if self._tokens(k, now) >= self.capacity]
        for key in full:
            del self._buckets[key]
        if len(self._buckets) >= self._max_keys:
            for key in list(self._buckets)[: len(self._buckets) // 2 + 1]:
                del self._buckets[key]

    def __len__(self) -> int:
        return len(self._buckets)
