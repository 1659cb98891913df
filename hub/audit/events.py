"""The audit event: one request's access decision, as a value with one canonical JSON form.

The canonical form (sorted keys, no whitespace, fixed-width UTC time) is what the hash chain covers, so an event
read back from storage hashes exactly as it did when it was written.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

Decision = Literal["allow", "deny"]

# fixed width, so the stored text sorts in time order and time-range queries can compare strings
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
_TUPLES = ("roles", "reasons", "persons", "fields")


def utc_text(at: dt.datetime) -> str:
    """The canonical text of an aware datetime; naive ones are refused rather than guessed."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("audit times must be timezone-aware")
    return at.astimezone(dt.UTC).strftime(_TIME_FORMAT)


@dataclass(frozen=True, kw_only=True)  # sixteen fields: positional construction would invite mix-ups
class AuditEvent:
    """Who asked for what, under which agreement and purpose, what was decided and whose data left the hub.

    ``persons`` holds resolved person ids only: no names or other personal data belong in the trail's index.
    """

    at: dt.datetime
    subject: str
    agency: str
    client: str | None = None
    roles: tuple[str, ...] = ()
    purpose: str | None = None
    agreement: str | None = None
    agreement_version: str | None = None
    justification: str | None = None
    operation: str | None = None
    query_hash: str | None = None
    decision: Decision
    reasons: tuple[str, ...] = ()
    persons: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    trace_id: str | None = None

    def __post_init__(self) -> None:
        # normalise on creation so that equal events have equal canonical JSON
        object.__setattr__(self, "at", dt.datetime.strptime(utc_text(self.at), _TIME_FORMAT).replace(tzinfo=dt.UTC))
        if self.decision not in ("allow", "deny"):
            raise ValueError(f"decision must be 'allow' or 'deny', not {self.decision!r}")
        if not self.subject or not self.agency:
            raise ValueError("an audit event needs a subject and an agency")
        for name in _TUPLES:
            value: Sequence[str] = getattr(self, name)
            if isinstance(value, str):
                raise TypeError(f"{name} must be a sequence of strings, not a string")
            object.__setattr__(self, name, tuple(value))

    def to_json(self) -> str:
        data: dict[str, Any] = asdict(self)
        data["at"] = utc_text(self.at)
        return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> AuditEvent:
        data = json.loads(text)
        known = {f.name for f in fields(cls)}
        if not isinstance(data, dict) or set(data) - known:
            raise ValueError("not an audit event")
        data["at"] = dt.datetime.fromisoformat(data["at"])
        return cls(**data)
