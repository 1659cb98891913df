"""Group commit for the audit trail: one writer thread, one durable ``append`` for many requests' events.

Every response waits until its own event is durable, and every durable append costs an fsync. Requests that arrive
while an append is under way queue up, and the writer thread makes all of them durable together in the next append
(up to ``max_batch``), so under load the cost of an fsync is shared instead of paid per request.

A caller's future resolves only once its event is durable, with its position; if the batch cannot be written, every
future in it raises ``AuditUnavailable`` and the callers refuse their responses (fail closed). The writer carries on
with the next batch. Once it is closed, or if its thread dies, nothing waits: pending and new submissions raise
``AuditUnavailable``. A caller that gives up (a cancelled request) does not withdraw its event: it is still written.
The writer does not own the log: close the log after the writer.

Telemetry: a caller's wait is an ``audit.record`` span; each append is an ``audit.append`` span, the child of the
first event's ``audit.record`` and linked to the others', and its latency goes to the ``hub.audit.write.duration``
histogram. Neither says anything about the events' contents.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from concurrent.futures import Future
from types import TracebackType
from typing import Self

from opentelemetry import trace
from opentelemetry.trace import Link, NonRecordingSpan, SpanContext, StatusCode

from hub.audit.events import AuditEvent
from hub.audit.port import AuditLog, AuditUnavailable
from hub.telemetry import SECONDS, meter, span

_logger = logging.getLogger("hub.audit")
_write_duration = meter.create_histogram(
    "hub.audit.write.duration",
    unit="s",
    description="Audit appends, fsync included",
    explicit_bucket_boundaries_advisory=SECONDS,
)

_Item = tuple[AuditEvent, Future[int], SpanContext]  # the span context of the caller waiting for the event


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
        caller = trace.get_current_span().get_span_context()
        with self._lock:
            if not self._open:
                raise AuditUnavailable("the audit writer is not running")
            self._queue.put((event, future, caller))
        return future

    async def record(self, event: AuditEvent) -> int:
        """Make ``event`` durable without blocking the event loop; its position."""
        with span("audit.record"):
            return await asyncio.wrap_future(self.submit(event))

    def record_sync(self, event: AuditEvent, timeout: float | None = 30.0) -> int:
        """Make ``event`` durable, blocking this thread; its position. A timeout counts as a failed write."""
        with span("audit.record"):
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
            for _, future, _ in batch:
                _settle(future, AuditUnavailable("the audit writer stopped before the event was written"))

    def _write(self, batch: list[_Item]) -> None:
        for _, future, _ in batch:
            future.set_running_or_notify_cancel()  # cancelled or not, the event is written
        self._batches += 1
        callers = [caller for _, _, caller in batch if caller.is_valid]
        parent = trace.set_span_in_context(NonRecordingSpan(callers[0])) if callers else None
        links = [Link(caller) for caller in callers[1:]]
        started = time.perf_counter()
        with span("audit.append", {"hub.audit.events": len(batch)}, context=parent, links=links) as current:
            written = self._append(batch)
            if not written:
                current.set_status(StatusCode.ERROR)
        _write_duration.record(time.perf_counter() - started, {"hub.audit.outcome": "ok" if written else "failed"})

    def _append(self, batch: list[_Item]) -> bool:
        try:
            positions = self._log.append([event for event, _, _ in batch])
            if len(positions) != len(batch):
                raise AuditUnavailable(f"the audit log returned {len(positions)} positions for {len(batch)} events")
        except Exception as exc:
            message = str(exc) if isinstance(exc, AuditUnavailable) else f"audit write failed: {type(exc).__name__}"
            _logger.error("audit batch of %d events not written: %s", len(batch), message)
            for _, future, _ in batch:
                failure = AuditUnavailable(message)  # one per caller: raising it in many threads edits its traceback
                failure.__cause__ = exc
                _settle(future, failure)
            return False
        self._written += len(batch)
        for (_, future, _), position in zip(batch, positions, strict=True):
            _settle(future, position)
        return True


def _settle(future: Future[int], outcome: int | AuditUnavailable) -> None:
    if future.done():  # cancelled by its caller, or already settled
        return
    if isinstance(outcome, AuditUnavailable):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)
