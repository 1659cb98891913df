"""Publishing signed tree heads outside the hub (``HUB_AUDIT_WITNESS``): a directory, or an HTTP endpoint.

Whoever can write the hub's data directory can roll the trail back, wipe it or rewrite it and re-sign the result; a
head kept somewhere they cannot write is what catches them (``hub audit verify --checkpoint``). So the hub hands each
head, once it is durable, to a :class:`Publisher`: a thread that publishes it and never makes a request wait.

    offer(head)   O(1), never blocks: the head replaces any head still waiting (a later head vouches for everything
                  an earlier one did, so the witness needs only the latest)
    interval      at most one head per ``interval`` seconds (``HUB_AUDIT_WITNESS_INTERVAL``, default 1): a busy hub
                  does not pay a witness write per request, and an event is covered by a published head within
                  about that long. Certificate Transparency logs batch the same way (their maximum merge delay)
    failures      logged with the head's size and retried with backoff (0.5 s doubling to 30 s), never dropped
    close()       tries for a few seconds to publish the latest head; logs it if that fails

A directory witness writes ``head-<size>-<root prefix>.json`` per head (the ``hub audit checkpoint`` format), never
replacing a file: a rolled-back trail that reaches the same size again writes beside the head it contradicts. An
HTTP witness receives each head as a JSON ``POST``; any 2xx answer is success.
"""

from __future__ import annotations

import abc
import contextlib
import logging
import math
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
    """Publishes the latest head to a witness from a thread of its own, at most once per ``interval`` seconds;
    failures logged and retried."""

    def __init__(
        self,
        witness: Witness,
        *,
        interval: float = 1.0,
        retry_first: float = 0.5,
        retry_max: float = 30.0,
        close_within: float = 5.0,
    ) -> None:
        if interval < 0:
            raise ValueError("interval must not be negative")
        self.witness = witness
        self._latest: TreeHead | None = None  # the one head waiting: a later head vouches for every earlier one
        self._interval, self._retry_first, self._retry_max = interval, retry_first, retry_max
        self._close_within = close_within
        self._changed = threading.Condition()
        self._closing = False
        self._deadline = 0.0
        self._failures = 0
        self.published = 0  # heads the witness took
        self._thread = threading.Thread(target=self._run, name="audit-witness", daemon=True)
        self._thread.start()

    @property
    def waiting(self) -> TreeHead | None:
        """The head not yet published, if any."""
        with self._changed:
            return self._latest

    def offer(self, head: TreeHead) -> None:
        with self._changed:
            if self._latest is None or head.size >= self._latest.size:
                self._latest = head
            self._changed.notify()

    def close(self) -> None:
        """Publish the latest head within ``close_within`` seconds; log it if that fails. Idempotent."""
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
        since = -math.inf  # when the witness last took a head
        while True:
            with self._changed:
                while not self._closing:  # closing cuts the interval short
                    if self._latest is None:
                        self._changed.wait()
                    elif (wait := since + self._interval - time.monotonic()) > 0:
                        self._changed.wait(wait)
                    else:
                        break
                head = self._latest
                if head is None:  # closing, and nothing left
                    break
                if self._closing and time.monotonic() >= self._deadline:
                    _logger.error(
                        "audit witness %s: the signed tree head at size %d was not published before shutdown",
                        self.witness,
                        head.size,
                    )
                    break
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
            since = time.monotonic()
            with self._changed:
                if self._latest is head:
                    self._latest = None
                self.published += 1
                if self._failures:
                    _logger.warning(
                        "audit witness %s took the head at size %d after %d failed attempts",
                        self.witness,
                        head.size,
                        self._failures,
                    )
                self._failures = 0
            delay = self._retry_first
