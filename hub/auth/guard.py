"""Client authentication at ``/oauth/token`` made expensive for guessers and cheap for everyone else.

Each attempt first takes a token from two buckets (``hub.auth.throttle``): one for the caller's address, one for the
client id it names, whether or not that id exists. An empty bucket refuses the attempt at once (429 and
``Retry-After``) with no scrypt work at all; a successful authentication gives both tokens back, so only failures
count. An attempt that gets through waits for one of ``concurrency`` verification slots (at most ``8 * concurrency``
wait; beyond that the hub is busy: 503 and ``Retry-After``), and the scrypt runs in a worker thread, never on the
event loop, so guessers can take at most those slots' share of the CPU. An unknown client id holds a slot for as long
as a verification takes but costs no scrypt: it looks, and takes, the same as a wrong secret.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import anyio
import anyio.to_thread

from hub.auth.clients import Client, ClientRegistry, secret_matches, verification_seconds
from hub.auth.throttle import TokenBuckets

ID_LENGTH = 200  # of an attempted client id, as kept for throttling and written to the audit trail


@dataclass(frozen=True)
class Attempt:
    """What came of one client authentication: the client, or why not (safe for the audit trail: no secret)."""

    client: Client | None
    failure: str | None = None
    retry_after: int | None = None  # seconds, when refused without trying: throttled (429) or busy (503)
    busy: bool = False


class ClientGuard:
    def __init__(
        self,
        registry: ClientRegistry,
        *,
        failures: int = 10,
        concurrency: int = 2,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._registry = registry
        self._by_address = TokenBuckets(failures, clock=clock)
        self._by_client = TokenBuckets(failures, clock=clock)
        self._slots = anyio.CapacityLimiter(concurrency)
        self._max_waiting = 8 * concurrency
        self._seconds = verification_seconds()  # what an unknown id is made to take; follows the real ones

    async def authenticate(self, client_id: str, secret: str, address: str) -> Attempt:
        key = client_id[:ID_LENGTH]
        wait = self._by_address.take(address)
        if wait:
            return Attempt(None, "throttled: too many failures from this address", math.ceil(wait))
        wait = self._by_client.take(key)
        if wait:
            self._by_address.give_back(address)
            return Attempt(None, "throttled: too many failures for this client id", math.ceil(wait))
        if self._slots.statistics().tasks_waiting >= self._max_waiting:
            self._by_address.give_back(address)
            self._by_client.give_back(key)
            return Attempt(None, "busy: too many client authentications waiting", 1, busy=True)
        async with self._slots:
            started = time.perf_counter()
            known, client = await anyio.to_thread.run_sync(self._check, client_id, secret)
            took = time.perf_counter() - started
            if known:
                self._seconds = 0.8 * self._seconds + 0.2 * took
            else:
                await anyio.sleep(max(0.0, self._seconds - took))
        if client is None:  # the same answer, after the same time; only the audit trail tells them apart
            return Attempt(None, "wrong secret" if known else "unknown client id")
        self._by_address.give_back(address)
        self._by_client.give_back(key)
        return Attempt(client)

    def _check(self, client_id: str, secret: str) -> tuple[bool, Client | None]:
        """In a worker thread: whether the id is registered, and the client if the secret is its own."""
        found = self._registry.lookup(client_id)
        if found is None:
            return False, None
        return True, found[0] if secret_matches(secret, found[1]) else None
