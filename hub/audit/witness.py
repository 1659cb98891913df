"""Publishing every new signed tree head outside the hub (``HUB_AUDIT_WITNESS``): a directory, or an HTTP endpoint.

Whoever can write the hub's data directory can roll the trail back, wipe it or rewrite it and re-sign the result; a
head kept somewhere they cannot write is what catches them (``hub audit verify --checkpoint``). So the hub hands each
head, once it is durable, to a :class:`Publisher`: a thread that publishes it and never makes a request wait.

    offer(head)   O(1), never blocks: the head joins a bounded backlog; when the backlog is full the oldest head
                  gives way (each later head vouches for everything an earlier one did), so the latest always stays
    failures      logged with the head's size and retried with backoff (0.5 s doubling to 30 s), never dropped
    close()       tries for a few seconds to publish the latest head (it vouches for those before it); logs failure

A directory witness writes ``head-<size>-<root prefix>.json`` per head (the ``hub audit checkpoint`` format), never
replacing a file: a rolled-back trail that reaches the same size again writes beside the head it contradicts. An
HTTP witness receives each head as a JSON ``POST``; any 2xx answer is success.
"""

from __future__ import annotations

import abc
import collections
import contextlib
import logging
import os
import tempfile
import threading
import time
from pathlib import Path

import httpx

from hub.audit.heads import TreeHead

_logger = logging.getLogger("hub.audit.witness")


class WitnessError(Exception):
    """The witness did not take the head; the message says why (never anything but the head's size)."""


class Witness(abc.ABC):
    @abc.abstractmethod
    def publish(self, head: TreeHead) -> None:
        """Keep ``head`` outside the hub, or raise ``WitnessError``."""

    def close(self) -> None:  # noqa: B027 - most witnesses hold nothing
        """Release what the witness holds."""


class DirectoryWitness(Witness):
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def __str__(self) -> str:
        return str(self.directory)

    def publish(self, head: TreeHead) -> None:
        name = self.directory / f"head-{head.size:012d}-{head.root.hex()[:16]}.json"
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            if name.exists():  # this tree was published already: the same size and root
                return
            fd, temp = tempfile.mkstemp(dir=self.directory, prefix=".head-", suffix=".tmp")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as out:
                    out.write(head.dumps())
                    out.flush()
                    os.fsync(out.fileno())
                os.chmod(temp, 0o644)
                with contextlib.suppress(FileExistsError):  # never replaces: a file already there stays as it is
                    os.link(temp, name)
            finally:
                os.unlink(temp)
        except OSError as exc:
            raise WitnessError(f"{type(exc).__name__}: {exc.strerror or exc}") from exc


class HttpWitness(Witness):
    def __init__(self, url: str, *, timeout: float = 5.0) -> None:
        self.url = url
        self._client = httpx.Client(timeout=timeout)

    def __str__(self) -> str:
        return self.url.split("?")[0]

    def publish(self, head: TreeHead) -> None:
        try:
            response = self._client.post(self.url, json=head.to_json())
        except httpx.HTTPError as exc:
            raise WitnessError(type(exc).__name__) from exc
        if not response.is_success:
            raise WitnessError(f"HTTP {response.status_code}")

    def close(self) -> None:
        self._client.close()


def witness_for(target: str) -> Witness:
    """The witness ``HUB_AUDIT_WITNESS`` names: an ``http(s)://`` URL, else a directory."""
    if target.startswith(("http://", "https://")):
        return HttpWitness(target)
    return DirectoryWitness(Path(target))


class Publisher:
    """Publishes heads to a witness from a thread of its own, latest kept, failures logged and retried."""

    def __init__(
        self,
        witness: Witness,
        *,
        backlog: int = 64,
        retry_first: float = 0.5,
        retry_max: float = 30.0,
        close_within: float = 5.0,
    ) -> None:
        if backlog < 1:
            raise ValueError("backlog must be at least 1")
        self.witness = witness
        self._pending: collections.deque[TreeHead] = collections.deque()
        self._backlog, self._retry_first, self._retry_max = backlog, retry_first, retry_max
        self._close_within = close_within
        self._changed = threading.Condition()
        self._closing = False
        self._deadline = 0.0
        self._skipped = self._failures = 0
        self.published = 0  # heads the witness took
        self._thread = threading.Thread(target=self._run, name="audit-witness", daemon=True)
        self._thread.start()

    def offer(self, head: TreeHead) -> None:
        with self._changed:
            if len(self._pending) >= self._backlog:
                dropped = self._pending.popleft()
                if not self._skipped:
                    _logger.warning(
                        "audit witness %s is behind: the backlog is full, so older heads (first at size %d) give way "
                        "to later ones, which vouch for them",
                        self.witness,
                        dropped.size,
                    )
                self._skipped += 1
            self._pending.append(head)
            self._changed.notify()

    def close(self) -> None:
        """Publish what is left within ``close_within`` seconds; log what could not be. Idempotent."""
        with self._changed:
            if not self._closing:
                self._closing = True
                self._deadline = time.monotonic() + self._close_within
            self._changed.notify()
        if self._thread is not threading.current_thread():
            self._thread.join()
        self.witness.close()

    def _run(self) -> None:
        delay = self._retry_first
        while True:
            with self._changed:
                while not self._pending and not self._closing:
                    self._changed.wait()
                if not self._pending or (self._closing and time.monotonic() >= self._deadline):
                    break
                # in order while running; when closing, the latest first (it vouches for all before it)
                head = self._pending[-1] if self._closing else self._pending[0]
            try:
                self.witness.publish(head)
            except Exception as exc:  # a witness that fails in any way is retried, never the hub's problem
                self._failures += 1
                _logger.error(
                    "audit witness %s did not take the signed tree head at size %d: %s; retrying in %.1f s",
                    self.witness,
                    head.size,
                    exc if isinstance(exc, WitnessError) else type(exc).__name__,
                    delay,
                )
                with self._changed:
                    if self._closing:  # a last few tries before the deadline
                        self._changed.wait(min(delay, max(0.0, self._deadline - time.monotonic())))
                    else:  # close() cuts the wait short
                        self._changed.wait_for(lambda: self._closing, delay)
                delay = min(delay * 2, self._retry_max)
                continue
            with self._changed:
                if self._closing and self._pending and self._pending[-1] is head:
                    self._skipped += len(self._pending) - 1  # covered by the head just published
                    self._pending.clear()
                elif self._pending and self._pending[0] is head:
                    self._pending.popleft()
                self.published += 1
                if self._failures or self._skipped:
                    _logger.warning(
                        "audit witness %s took the head at size %d after %d failed attempts (%d older heads skipped)",
                        self.witness,
                        head.size,
                        self._failures,
                        self._skipped,
                    )
                self._failures = self._skipped = 0
            delay = self._retry_first
        with self._changed:
            left = len(self._pending)
        if left:
            _logger.error(
                "audit witness %s: %d signed tree heads were not published before shutdown (the latest at size %d)",
                self.witness,
                left,
                self._pending[-1].size,
            )
