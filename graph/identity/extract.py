"""Read what identity resolution needs from the graph: current person records and cheap graph evidence.

Records are read in pages ordered by key (the unique index), so memory holds one page of driver rows at a time;
the result is a columnar ``pyarrow`` table, or its batches one page at a time (``record_batches``).

Graph evidence is the people a record is named beside as partner (intimate or ex-partner relationships) or on the
other side of an incident (victim / perpetrator): for each, a signature of given-name initial and date of birth,
robust to name typos and comparable across agencies because it does not depend on any agency's keys.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

import pyarrow as pa

from graph.identity.features import first_name, normalise
from graph.identity.progress import ProgressFactory, silent
from graph.model import LIFTED_IDENTIFIERS, PERSON, RESOLVED_PERSON
from graph.persons import RESOLVED_AS
from graph.store import Graph

COLUMNS: tuple[str, ...] = ("key", "agency", "local_id", "given_name", "family_name", "other_names", "dob")
COLUMNS += ("gender", "postcode", "address", *LIFTED_IDENTIFIERS)
# the record's current resolution: its person and the link it joined through (None for a person of its own)
CURRENT = ("person_id", "linked_with", "match_probability")

SCHEMA = pa.schema(
    [(name, pa.string()) for name in COLUMNS if name != "other_names"]
    + [("other_names", pa.list_(pa.string()))]
    + [("person_id", pa.string()), ("linked_with", pa.string()), ("match_probability", pa.float64())]
    + [("neighbours", pa.list_(pa.string())), ("perpetrator", pa.bool_())]
)

PARTNER_KINDS = ("intimate_partner", "ex_partner")


def count_records(graph: Graph, agencies: Sequence[str] | None = None) -> int:
    rows = graph.read(
        f"MATCH (r:{PERSON.label}) WHERE r.deleted IS NULL AND ($agencies IS NULL OR r.agency IN $agencies) "
        "RETURN count(r) AS n",
        agencies=None if agencies is None else list(agencies),
    )
    return int(rows[0]["n"])


def read_records(
    graph: Graph,
    *,
    agencies: Sequence[str] | None = None,
    page: int = 10_000,
    progress: ProgressFactory = silent,
) -> pa.Table:
    """Every current person record (of these agencies, default all) with its fields, its current resolution and
    its neighbours' signatures."""
    batches = list(record_batches(graph, agencies=agencies, page=page, progress=progress))
    return pa.Table.from_batches(batches, schema=SCHEMA)


def record_batches(
    graph: Graph,
    *,
    agencies: Sequence[str] | None = None,
    page: int = 10_000,
    progress: ProgressFactory = silent,
) -> Iterator[pa.RecordBatch]:
    """``read_records`` a page at a time, for a caller that writes them on as they come."""
    total = count_records(graph, agencies)
    with progress("reading", total) as bar:
        for rows in _pages(graph, page, None if agencies is None else list(agencies)):
            neighbours = _neighbours(graph, [row["key"] for row in rows])
            for row in rows:
                row["dob"] = _iso(row["dob"])
                row["neighbours"] = neighbours.get(row["key"], [])
            yield pa.RecordBatch.from_pylist(rows, schema=SCHEMA)
            bar.update(len(rows))


def _pages(graph: Graph, page: int, agencies: list[str] | None) -> Iterator[list[dict[str, Any]]]:
    after = ""
    fields = ", ".join(f"r.{name} AS {name}" for name in COLUMNS)
    while True:
        rows = graph.read(
            f"MATCH (r:{PERSON.label}) WHERE r.key > $after AND r.deleted IS NULL "
            "AND ($agencies IS NULL OR r.agency IN $agencies) "
            f"WITH r ORDER BY r.key LIMIT $page OPTIONAL MATCH (r)-[e:{RESOLVED_AS}]->(p:{RESOLVED_PERSON}) "
            f"RETURN {fields}, p.person_id AS person_id, e.linked_with AS linked_with, "
            "e.match_probability AS match_probability, "
            "EXISTS { MATCH (r)<-[:PERPETRATOR]-(n:Incident) WHERE n.deleted IS NULL } AS perpetrator "
            "ORDER BY r.key",
            after=after,
            page=page,
            agencies=agencies,
        )
        if not rows:
            return
        yield rows
        after = rows[-1]["key"]


def _neighbours(graph: Graph, keys: list[str]) -> dict[str, list[str]]:
    """For each record, signatures of its partners and of the other side of its incidents: ``initial|dob`` where the
    other person's date of birth is known, and ``initial|~surname`` always (a support service often knows a victim and
    her partner by name only, so the name is the one thing both agencies' records of the pair share).

    Only partner relationships and perpetrator-victim pairs count: siblings share parents and children present
    share everyone, which would make a household look like one person.
    """
    out: dict[str, set[str]] = {}
    queries = (
        (
            f"UNWIND $keys AS k MATCH (r:{PERSON.label} {{key: k}})<-[:PERSON|OTHER]-(n:Relationship)"
            f"-[:PERSON|OTHER]->(o:{PERSON.label}) WHERE n.kind IN $partners"
        ),
        (
            f"UNWIND $keys AS k MATCH (r:{PERSON.label} {{key: k}})<-[a:PERPETRATOR|VICTIM]-(n:Incident)"
            f"-[b:PERPETRATOR|VICTIM]->(o:{PERSON.label}) WHERE type(a) <> type(b)"
        ),
    )
    for match in queries:
        rows = graph.read(
            f"{match} AND o.key <> k AND n.deleted IS NULL AND o.deleted IS NULL "
            "RETURN k AS key, collect(DISTINCT [o.given_name, o.dob, o.family_name]) AS people",
            keys=keys,
            partners=list(PARTNER_KINDS),
        )
        for row in rows:
            signatures = out.setdefault(row["key"], set())
            for given, dob, family in row["people"]:
                initial = (first_name(given) or "?")[0]
                if dob is not None:
                    signatures.add(f"{initial}|{_iso(dob)}")
                if normalise(family):
                    signatures.add(f"{initial}|~{normalise(family)}")
    return {key: sorted(values) for key, values in out.items()}


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    iso = getattr(value, "iso_format", None)  # neo4j.time.Date
    return str(iso()) if callable(iso) else str(value)
