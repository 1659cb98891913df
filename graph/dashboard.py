"""The counts behind the quarterly partnership dashboard, as data: what each measure counts, from which record type,
reading which fields, and which other measure it is a part of (so that suppression can protect the difference).

Every measure counts current records dated in ``[start, end)`` from the agencies it is given; the conditions are
fixed here (never built from a request) and values they compare with are literals of the partner format's enums.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from graph.model import PERSON, RECORD_TYPES, RESOLVED_PERSON
from graph.scope import Scope
from graph.store import Graph

RESOLVED_AS = "RESOLVED_AS"


@dataclass(frozen=True)
class Measure:
    name: str
    entity: str  # the record type counted
    fields: tuple[str, ...]  # the catalogue fields it reads (the first places the record in time)
    condition: str  # a Cypher condition on ``n``; empty: every record
    within: str | None = None  # the measure this one is a part of
    description: str = ""


GRANTED = "['granted', 'breached', 'expired', 'discharged']"  # an order in any of these states was granted
MEASURES: tuple[Measure, ...] = (
    Measure("incidents", "incident", ("occurred_at",), "", None,
            "Domestic abuse incidents that happened in the quarter."),
    Measure("crimes", "incident", ("occurred_at", "crime"), "n.crime = true", "incidents",
            "Of those, recorded as crimes."),
    Measure("arrests", "incident", ("occurred_at", "outcome"), "n.outcome = 'arrest'", "incidents",
            "Of those, whose outcome is an arrest."),
    Measure("charges", "incident", ("occurred_at", "outcome"), "n.outcome IN ['charge', 'summons', 'conviction']",
            "incidents", "Of those, whose outcome is a charge, a summons or a conviction (which follows a charge)."),
    Measure("dvds_applications", "disclosure", ("applied_at",), "", None,
            "DVDS (Clare's Law) applications made in the quarter, Right to Ask and Right to Know."),
    Measure("dvds_right_to_know", "disclosure", ("applied_at", "scheme"), "n.scheme = 'right_to_know'",
            "dvds_applications", "Of those, Right to Know (police-initiated)."),
    Measure("dvds_decided", "disclosure", ("applied_at", "outcome"), "n.outcome IN ['disclosed', 'not_disclosed']",
            "dvds_applications", "Of those, decided (disclosed or not)."),
    Measure("dvds_disclosed", "disclosure", ("applied_at", "outcome"), "n.outcome = 'disclosed'", "dvds_decided",
            "Of the decided, where a disclosure was made."),
    Measure("orders_granted", "order", ("start", "status"), f"n.status IN {GRANTED}", None,
            "Protective orders and notices granted that took effect in the quarter."),
    Measure("marac_referrals", "referral", ("referred_at", "forum"), "n.forum = 'MARAC'", None,
            "Referrals to MARAC made in the quarter."),
    Measure("programme_referrals", "referral", ("referred_at", "forum"), "n.forum = 'perpetrator_programme'", None,
            "Referrals to a perpetrator behaviour-change programme made in the quarter."),
    Measure("programme_engaged", "referral", ("referred_at", "forum", "status"),
            "n.forum = 'perpetrator_programme' AND n.status = 'engaged'", "programme_referrals",
            "Of those, engaging with the programme."),
)  # fmt: skip
# parts of one whole that never overlap: what is left of the whole after all of them is protected too
DISJOINT: tuple[tuple[str, tuple[str, ...]], ...] = (("incidents", ("arrests", "charges")),)
# repeat victimisation reads who the victims of incidents are
VICTIM_FIELDS = ("occurred_at", "victims")


def tally(
    graph: Graph,
    scope: Scope,
    entity: str,
    date_field: str,
    measures: Mapping[str, Sequence[str]],
    start: dt.date,
    end: dt.date,
) -> dict[str, int]:
    """For each measure of ``entity`` (name -> agencies to count from, inside ``scope``), how many current records
    dated in ``[start, end)`` match it; one read for all of them."""
    label = RECORD_TYPES[entity].label
    allowed = set(scope.agencies(label))
    measures = {name: [a for a in agencies if a in allowed] for name, agencies in measures.items()}
    wanted = {m.name: m for m in MEASURES if measures.get(m.name) and m.entity == entity}
    if not wanted:
        return {}
    fn = "date" if date_field == "start" else "datetime"
    columns = ", ".join(
        f"count(CASE WHEN n.agency IN $a{i}{' AND ' + m.condition if m.condition else ''} THEN 1 END) AS c{i}"
        for i, m in enumerate(wanted.values())
    )
    row = graph.read(
        f"MATCH (n:{label}) WHERE {scope.where('n', label)} "
        f"AND n.{date_field} >= {fn}($start) AND n.{date_field} < {fn}($end) RETURN {columns}",
        **scope.params(),
        start=start.isoformat(),
        end=end.isoformat(),
        **{f"a{i}": list(measures[name]) for i, name in enumerate(wanted)},
    )[0]
    return {name: int(row[f"c{i}"]) for i, name in enumerate(wanted)}


def victims(graph: Graph, scope: Scope, start: dt.date, end: dt.date, lookback: dt.date) -> tuple[int, int]:
    """(victims, repeat victims): the resolved people named as victims of incidents inside ``scope`` in
    ``[start, end)``, and how many of them were victims of more than one such incident in ``[lookback, end)``."""
    label = RECORD_TYPES["incident"].label
    if not scope.follows(label, "VICTIM"):
        return 0, 0
    row = graph.read(
        f"MATCH (n:{label})-[:VICTIM]->(:{PERSON.label})-[:{RESOLVED_AS}]->(p:{RESOLVED_PERSON}) "
        f"WHERE {scope.where('n', label)} "
        "AND n.occurred_at >= datetime($start) AND n.occurred_at < datetime($end) "
        "WITH DISTINCT p "
        f"MATCH (p)<-[:{RESOLVED_AS}]-(:{PERSON.label})<-[:VICTIM]-(m:{label}) "
        f"WHERE {scope.where('m', label)} "
        "AND m.occurred_at >= datetime($lookback) AND m.occurred_at < datetime($end) "
        "WITH p, count(DISTINCT m) AS times "
        "RETURN count(p) AS victims, count(CASE WHEN times > 1 THEN 1 END) AS repeat",
        **scope.params(),
        start=start.isoformat(),
        end=end.isoformat(),
        lookback=lookback.isoformat(),
    )
    return (int(row[0]["victims"]), int(row[0]["repeat"])) if row else (0, 0)
