"""The audit log port: append, query, verify. There is no update or delete, so append-only is part of the contract.

    AuditUnavailable   the trail cannot be opened, written or read; the caller refuses the request (fail closed)

Adapters translate their storage errors into ``AuditUnavailable`` at the boundary, always ``from`` the original.
"""

from __future__ import annotations

import abc
import datetime as dt
from collections.abc import Sequence
from types import TracebackType
from typing import Self

from hub.audit.chain import Verification
from hub.audit.events import AuditEvent


class AuditUnavailable(Exception):
    """The audit trail cannot be made durable or read. Messages never carry event content."""


class AuditLog(abc.ABC):
    @abc.abstractmethod
    def append(self, events: Sequence[AuditEvent]) -> list[int]:
        """Make ``events`` durable together, in order; return their positions only once they are durable."""

    @abc.abstractmethod
    def query(
        self,
        *,
        person: str | None = None,
        subject: str | None = None,
        agency: str | None = None,
        purpose: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        limit: int = 100,
        after_seq: int | None = None,
    ) -> list[tuple[int, AuditEvent]]:
        """Events matching every given filter, oldest first, after position ``after_seq`` (a paging cursor).

        ``since`` is inclusive and ``until`` exclusive.
        """

    @abc.abstractmethod
    def verify(self) -> Verification:
        """Check the whole chain, its checkpoints and its indexes; name the first position that fails."""

    @abc.abstractmethod
    def checkpoint(self) -> int | None:
        """Sign the latest position now; return it, or None if the trail is empty."""

    @abc.abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
