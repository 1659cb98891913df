"""The audit log port: append, query, prove, verify. There is no update or delete, so append-only is in the contract.

    AuditUnavailable   the trail cannot be opened, written or read; the caller refuses the request (fail closed)

Adapters translate their storage errors into ``AuditUnavailable`` at the boundary, always ``from`` the original.
"""

from __future__ import annotations

import abc
import datetime as dt
from collections.abc import Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Self

from hub.audit import merkle
from hub.audit.chain import Verification
from hub.audit.events import AuditEvent
from hub.audit.heads import TreeHead

if TYPE_CHECKING:
    from hub.audit.signing import VerifyKey  # signing imports AuditUnavailable from here


class AuditUnavailable(Exception):
    """The audit trail cannot be made durable or read. Messages never carry event content."""


class AuditLog(abc.ABC):
    @abc.abstractmethod
    def append(self, events: Sequence[AuditEvent]) -> list[int]:
        """Make ``events`` durable together, in order, with the Merkle tree's new nodes and a new signed tree head;
        return their positions only once they are durable."""

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
    def verify(self, checkpoints: Sequence[tuple[str, TreeHead]] = ()) -> Verification:
        """Check the whole chain, its checkpoints, its indexes and the Merkle tree; name the first position that fails.

        ``checkpoints`` are named signed tree heads kept outside the trail: the trail must extend each consistently.
        """

    @abc.abstractmethod
    def tree_head(self) -> TreeHead | None:
        """The latest signed tree head (None for an empty trail)."""

    def inclusion_proof(self, position: int, size: int) -> list[bytes]:
        """The audit path of the event at ``position`` (1-based) in the tree of the first ``size`` events."""
        return self._proof(merkle.inclusion_ranges(position - 1, size), size)

    def consistency_proof(self, old: int, new: int) -> list[bytes]:
        """The proof that the tree of the first ``new`` events extends the tree of the first ``old``."""
        return self._proof(merkle.consistency_ranges(old, new), new)

    @abc.abstractmethod
    def _proof(self, ranges: list[merkle.Range], size: int) -> list[bytes]:
        """The hashes of these subtree ranges of the tree of the first ``size`` events, read from the store."""

    @property
    @abc.abstractmethod
    def public_key(self) -> VerifyKey:
        """The key that verifies the trail's signatures."""

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
