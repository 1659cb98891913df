"""Group commit for the audit trail: one writer thread, one durable ``append`` for many requests' events.

Every response waits until its own event is durable, and every durable append costs an fsync. Requests that arrive
while an append is under way queue up, and the writer thread makes all of them durable together in the next append
(up to ``max_batch``), so under load the cost of an fsync is shared instead of paid per request.

A caller's future resolves only once its event is durable, with its position; if the batch cannot be written, every
future in it raises ``AuditUnavailable`` and the callers refuse their responses (fail closed). The writer carries on
with the next batch. Once it is closed, or if its thread dies, nothing waits: pending and new submissions raise
``AuditUnavailable``. A caller that gives up (a cancelled request) does not withdraw its event: it is still written.
The writer does not own the log: close the log after the writer.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from concurrent.futures import Future
from types import TracebackType
from typing import Self

from hub.audit.events import AuditEvent
from hub.audit.port import AuditLog, AuditUnavailable

_logger = logging.getLogger("hub.audit")

_Item = tuple[AuditEvent, Future[int]]


class AuditWriter:
    def __init__(self, log: AuditLog, *, max_batch: int = 256) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self._log, self._max_batch = log, max_batch
        self._queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()  # None: close, after what came before
        self._lock = threading.Lock()  # orders submissions against close and the thread's death
        self._open = self._closed = False
        self._thread: threading.Thread | None = None
        self._batches = self._written = 0

    @property
    def batches(self) -> int:
        """How many ``append`` calls the writer has made, failed ones included."""
        return self._batches

    @property
    def events_written(self) -> int:
        """How many events the writer has made durable."""
        return self._written

    def start(self) -> Self:
        with self._lock:
            if self._thread is not None or self._closed:
                raise RuntimeError("an audit writer can be started only once")
            self._thread = threading.Thread(target=self._run, name="audit-writer", daemon=True)
            self._thread.start()
            self._open = True  # only once the thread runs: nothing may queue where no one will take it
        return self

    def close(self) -> None:
        """Write what is queued, then stop the thread. Idempotent."""
        with self._lock:
            self._closed = True
            if self._open:
                self._open = False
                self._queue.put(None)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()

    def submit(self, event: AuditEvent) -> Future[int]:
        """Queue ``event``; the future resolves to its position once it is durable. Thread-safe."""
        future: Future[int] = Future()
        with self._lock:
            if not self._open:
                raise AuditUnavailable("the audit writer is not running")
            self._queue.put((event, future))
        return future

    async def record(self, event: AuditEvent) -> int:
        """Make ``event`` durable without blocking the event loop; its position."""
        return await asyncio.wrap_future(self.submit(event))

    def record_sync(self, event: AuditEvent, timeout: float | None = 30.0) -> int:
        """Make ``event`` durable, blocking this thread; its position. A timeout counts as a failed write."""
        try:
            return self.submit(event).result(timeout)
        except TimeoutError as exc:
            raise AuditUnavailable(f"the audit write did not finish within {timeout} s") from exc

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _run(self) -> None:
        batch: list[_Item] = []
        try:
            stop = False
            while not stop:
                item = self._queue.get()
                while item is not None:
                    batch.append(item)
                    if len(batch) >= self._max_batch:
                        break
                    try:
                        item = self._queue.get_nowait()
                    except queue.Empty:
                        break
                stop = item is None
                if batch:
                    self._write(batch)
                batch = []
        finally:  # closed or dying: refuse new submissions, and fail whatever is still waiting
            with self._lock:
                self._open = False
            while True:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is not None:
                    batch.append(item)
            for _, future in batch:
                _settle(future, AuditUnavailable("the audit writer stopped before the event was written"))

    def _write(self, batch: list[_Item]) -> None:
        for _, future in batch:
            future.set_running_or_notify_cancel()  # cancelled or not, the event is written
        self._batches += 1
        try:
            positions = self._log.append([event for event, _ in batch])
            if len(positions) != len(batch):
                raise AuditUnavailable(f"the audit log returned {len(positions)} positions for {len(batch)} events")
        except Exception as exc:
            message = str(exc) if isinstance(exc, AuditUnavailable) else f"audit write failed: {type(exc).__name__}"
            _logger.error("audit batch of %d events not written: %s", len(batch), message)
            for _, future in batch:
                failure = AuditUnavailable(message)  # one per caller: raising it in many threads edits its traceback
                failure.__cause__ = exc
                _settle(future, failure)
            return
        self._written += len(batch)
        for (_, future), position in zip(batch, positions, strict=True):
            _settle(future, position)


def _settle(future: Future[int], outcome: int | AuditUnavailable) -> None:
    if future.done():  # cancelled by its caller, or already settled
        return
    if isinstance(outcome, AuditUnavailable):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)
