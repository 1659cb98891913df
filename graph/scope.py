"""The record-level part of a policy decision, as the graph layer takes it: no read of partner data without one.

A ``Scope`` says which agencies' records of each label may be read, which reference links of each label may be
followed, the retention cut-off, and whose people may be reached at all (own-records purposes, age limits). Every
query over partner records, single look-ups and analytics alike (serial list, RFG scoring, alerts, networks), runs
inside one, so a record outside it never leaves the database and never counts towards anything the caller is shown.

The hub builds a scope from a caller's grant (``hub.access.context.scope_for``); the operator's command line, which
agreements do not bind, uses ``Scope.everything()``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graph.model import RECORD_TYPES

# the date that places each kind of record in time (for retention), and its Cypher temporal type
EVENT_DATES: dict[str, tuple[str, str]] = {
    "Relationship": ("start", "date"),
    "Incident": ("occurred_at", "datetime"),
    "RiskAssessment": ("assessed_at", "datetime"),
    "ProtectiveOrder": ("start", "date"),
    "Referral": ("referred_at", "datetime"),
    "Disclosure": ("applied_at", "datetime"),
    "SupportNeed": ("noted_at", "datetime"),
}


@dataclass(frozen=True)
class Scope:
    """What may be read at all. Labels missing from ``sources`` are not readable."""

    sources: Mapping[str, Sequence[str]]  # node label -> agencies whose records of that label may be read
    links: Mapping[str, Sequence[str]] = field(default_factory=dict)  # label -> reference relationship types
    since: dt.date | None = None  # retention: records dated before this are not read
    own_agency: str | None = None  # only people this agency itself holds a current record of
    born_after: dt.date | None = None  # age limit: only people every dated record of whom says born after this
    everyone: bool = False  # the operator's scope: every agency, including ones that have not submitted yet

    @classmethod
    def everything(cls) -> Scope:
        """No limit: for the operator's command line (``hub serial``, ``hub score``, ``hub alerts``)."""
        return cls(
            sources={},
            links={kind.label: list(kind.references.values()) for kind in RECORD_TYPES.values()},
            everyone=True,
        )

    def agencies(self, label: str) -> list[str]:
        """The agencies whose records of ``label`` may be read (the operator's scope names none: it reads all)."""
        return list(self.sources.get(label, ()))

    def follows(self, label: str, *rels: str) -> bool:
        """Records of ``label`` may be read and every one of these links followed."""
        readable = self.everyone or bool(self.sources.get(label))
        return readable and all(rel in self.links.get(label, ()) for rel in rels)

    def where(self, var: str, label: str) -> str:
        """The Cypher condition that keeps ``var`` (a record of ``label``) inside the scope: a current record of a
        readable agency, inside retention. Values are parameters (``params``), never text."""
        conditions = [f"{var}.deleted IS NULL"]
        if not self.everyone:
            conditions.append(f"{var}.agency IN $scope_{label}")
        if label in EVENT_DATES and self.since is not None:
            name, fn = EVENT_DATES[label]
            conditions.append(f"{var}.{name} >= {fn}($scope_since)")
        return "(" + " AND ".join(conditions) + ")"

    def params(self) -> dict[str, Any]:
        """The parameters ``where`` conditions read."""
        out: dict[str, Any] = {f"scope_{label}": list(agencies) for label, agencies in self.sources.items()}
        out.update({f"scope_{kind.label}": [] for kind in RECORD_TYPES.values() if kind.label not in self.sources})
        out["scope_since"] = self.since.isoformat() if self.since else None
        return out
