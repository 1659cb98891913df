"""Analysts' confirm and split decisions on pairs of person records, kept as nodes in the graph.

A decision names two record keys (stored in sorted order), ``confirm`` or ``split``, a reason, who made it and
when. Every decision is kept; the latest for a pair is the one in force, so a split can be undone by a later
confirm. Identity resolution reads them on every run: a confirmed pair is always one person, a split pair never.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from graph.store import Graph

DECISION = "IdentityDecision"
Kind = Literal["confirm", "split"]
KINDS: tuple[Kind, ...] = ("confirm", "split")


@dataclass(frozen=True)
class Decision:
    id: str
    a: str  # record key, a < b
    b: str
    decision: Kind
    reason: str
    who: str
    at: dt.datetime


def record_decision(
    graph: Graph, a: str, b: str, decision: Kind, *, reason: str, who: str, at: dt.datetime | None = None
) -> Decision:
    """Store a decision on the pair (a, b) of person record keys."""
    if decision not in KINDS:
        raise ValueError(f"decision must be one of {KINDS}")
    if a == b:
        raise ValueError("a decision needs two different records")
    if not reason.strip() or not who.strip():
        raise ValueError("a decision needs a reason and who made it")
    first, second = sorted((a, b))
    made = Decision(uuid.uuid4().hex, first, second, decision, reason, who, at or dt.datetime.now(dt.UTC))
    graph.write(
        # keyed by its id: the same decision sent again (a retry after a lost commit) is still one decision
        f"MERGE (d:{DECISION} {{id: $id}}) ON CREATE SET d.a = $a, d.b = $b, d.decision = $decision, "
        "d.reason = $reason, d.who = $who, d.at = datetime($at)",
        id=made.id,
        a=made.a,
        b=made.b,
        decision=made.decision,
        reason=made.reason,
        who=made.who,
        at=made.at.isoformat(),
    )
    return made


def decisions(graph: Graph) -> list[Decision]:
    """Every decision ever made, oldest first."""
    rows = graph.read(
        f"MATCH (d:{DECISION}) RETURN d.id AS id, d.a AS a, d.b AS b, d.decision AS decision, "
        "d.reason AS reason, d.who AS who, toString(d.at) AS at ORDER BY at, id"
    )
    return [Decision(r["id"], r["a"], r["b"], r["decision"], r["reason"], r["who"], _datetime(r["at"])) for r in rows]


def in_force(made: Iterable[Decision]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(confirmed pairs, split pairs): the latest decision on each pair."""
    latest: dict[tuple[str, str], Decision] = {}
    for d in sorted(made, key=lambda d: (d.at, d.id)):
        latest[(d.a, d.b)] = d
    confirmed = [pair for pair, d in latest.items() if d.decision == "confirm"]
    split = [pair for pair, d in latest.items() if d.decision == "split"]
    return confirmed, split


def _datetime(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
