"""Serial perpetrators under the MATAC definition, read from the resolved people in the graph.

A serial perpetrator is a resolved ``Person`` aged 16+ at the incident, linked as ``PERPETRATOR`` (suspect or
offender) to more than one domestic abuse incident against two or more distinct resolved victims, counting every
agency's incidents, within a look-back window (default the 3 years before ``as_of``). Withdrawn records (incidents,
person records) never count. An incident at which the person was under 16 (by the latest date of birth any of their
records gives, the rule ``graph.persons`` applies everywhere) is never a perpetrator's: it is a child safeguarding
concern, returned apart as ``concerns``.

The graph is read in pages of perpetrators: one query lists who was named as a perpetrator in the window, then per
page one query returns each of their incidents with the victims who count, and the totals and (person, victim) pairs
are summed here. The same facts feed the RFG scoring (``graph.analytics.rfg``). Whatever clustering identity
resolution has written (``RESOLVED_AS``) is used as it stands.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graph.model import PERSON, RECORD_TYPES, RESOLVED_PERSON
from graph.persons import RESOLVED_AS
from graph.scope import Scope
from graph.store import Graph

INCIDENT = RECORD_TYPES["incident"].label
RELATIONSHIP = RECORD_TYPES["relationship"].label
LOOKBACK_YEARS = 3
PAGE = 2000

Record = tuple[str, str]  # (agency, local_id)


def shift_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a non-leap year
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class Window:
    """Incidents on or after ``since`` and on or before ``as_of`` (whole days, UTC), inside ``scope`` (a caller's
    grant: which agencies' incidents, which links, retention; the operator's command line reads everything)."""

    since: dt.date
    as_of: dt.date
    scope: Scope

    @classmethod
    def lookback(
        cls,
        scope: Scope,
        as_of: dt.date | None = None,
        *,
        years: int = LOOKBACK_YEARS,
        since: dt.date | None = None,
    ) -> Window:
        end = as_of or dt.datetime.now(dt.UTC).date()
        start = since or shift_years(end, -years)
        if scope.since is not None:
            start = max(start, scope.since)
        if start > end:
            raise ValueError(f"the window starts ({start}) after it ends ({end})")
        return cls(since=start, as_of=end, scope=scope)

    @property
    def readable(self) -> bool:
        """Whether the scope shows who harmed whom at all: without it nothing is listed or scored."""
        return self.scope.follows(INCIDENT, "PERPETRATOR", "VICTIM")

    def incidents(self, var: str) -> str:
        """The condition on incident ``var``: inside the scope and the window."""
        return (
            f"{self.scope.where(var, INCIDENT)} AND {var}.occurred_at >= datetime($since) "
            f"AND {var}.occurred_at < datetime($until)"
        )

    def params(self) -> dict[str, Any]:
        until = self.as_of + dt.timedelta(days=1)  # the whole of the as_of day
        return {
            "since": f"{self.since.isoformat()}T00:00:00Z",
            "until": f"{until.isoformat()}T00:00:00Z",
            **self.scope.params(),
        }


# --- facts per perpetrator, as both the serial list and the RFG scoring read them ---------------------------------


@dataclass
class VictimFacts:
    person: str
    incidents: int
    first: dt.datetime
    last: dt.datetime
    agencies: tuple[str, ...]

    def add(self, at: dt.datetime, agency: str) -> None:
        _count(self, at, agency)


@dataclass
class Facts:
    """What one person did in the window, in one capacity (as an adult or as an under-16)."""

    incidents: int
    first: dt.datetime
    last: dt.datetime
    harm_sum: float
    harm_max: float
    agencies: tuple[str, ...]
    victims: dict[str, VictimFacts] = field(default_factory=dict)

    def add(self, at: dt.datetime, agency: str, harm: float) -> None:
        _count(self, at, agency)
        self.harm_sum += harm
        self.harm_max = max(self.harm_max, harm)


def _count(facts: VictimFacts | Facts, at: dt.datetime, agency: str) -> None:
    facts.incidents += 1
    facts.first, facts.last = min(facts.first, at), max(facts.last, at)
    if agency not in facts.agencies:
        facts.agencies = tuple(sorted((*facts.agencies, agency)))


@dataclass
class PersonFacts:
    person: str
    adult: Facts | None = None  # incidents at 16+ (or with no date of birth known): a perpetrator's
    child: Facts | None = None  # incidents under 16: a safeguarding concern, never a perpetrator's


def _incidents_query(window: Window) -> str:
    """One row per incident of the people ``$ids`` in the window with the victims who count: totals and per-victim
    pairs are summed in Python, which reads the graph once instead of twice (the slow part at a million incidents).
    The person's age rule reads every current record of theirs (the youngest claim protects a child); a victim who
    counts is a current record of a resolved person other than the perpetrator."""
    return (
        f"UNWIND $ids AS pid MATCH (p:{RESOLVED_PERSON} {{person_id: pid}}) "
        f"OPTIONAL MATCH (p)<-[:{RESOLVED_AS}]-(k:{PERSON.label}) WHERE k.deleted IS NULL "
        "WITH p, max(k.dob) AS dob "
        f"MATCH (p)<-[:{RESOLVED_AS}]-(pr:{PERSON.label})<-[:PERPETRATOR]-(n:{INCIDENT}) "
        f"WHERE pr.deleted IS NULL AND {window.incidents('n')} "
        "WITH DISTINCT p, dob, n "  # two records of one person named on one incident: the incident counts once
        "WITH p, n, (dob IS NOT NULL AND dob + duration({years: 16}) > date(n.occurred_at)) AS child "
        f"MATCH (n)-[:VICTIM]->(vr:{PERSON.label})-[:{RESOLVED_AS}]->(v:{RESOLVED_PERSON}) "
        "WHERE vr.deleted IS NULL AND v <> p "
        "WITH p, child, n, collect(DISTINCT v.person_id) AS victims "
        "RETURN p.person_id AS person, child, n.occurred_at.epochSeconds AS at, n.agency AS agency, "
        "coalesce(n.harm_score, $harm[n.category], $harm_fallback) AS harm, victims"
    )


def perpetrator_ids(graph: Graph, window: Window) -> list[str]:
    """Every resolved person named through a current record as perpetrator on a current incident in the window."""
    if not window.readable:
        return []
    rows = graph.read(
        f"MATCH (n:{INCIDENT}) WHERE {window.incidents('n')} "
        f"MATCH (n)-[:PERPETRATOR]->(r:{PERSON.label})-[:{RESOLVED_AS}]->(p:{RESOLVED_PERSON}) "
        "WHERE r.deleted IS NULL RETURN DISTINCT p.person_id AS id",
        **window.params(),
    )
    return sorted(row["id"] for row in rows)


def facts_page(
    graph: Graph,
    window: Window,
    ids: Sequence[str],
    *,
    harm: Mapping[str, float] | None = None,
    harm_fallback: float = 0.0,
) -> dict[str, PersonFacts]:
    """The facts of these people in the window: totals and per-victim pairs, split by the under-16 rule.

    ``harm`` gives the gravity of an incident with no ``harm_score`` by category, else ``harm_fallback``."""
    out: dict[str, PersonFacts] = {}
    for row in incident_rows(graph, window, ids, harm=harm, harm_fallback=harm_fallback):
        # epoch seconds, not a datetime: the driver's decoding of a million temporal values cost more than the query
        at = dt.datetime.fromtimestamp(row["at"], dt.UTC)
        agency, harm_of = row["agency"], float(row["harm"] or 0.0)
        person = out.setdefault(row["person"], PersonFacts(row["person"]))
        facts = person.child if row["child"] else person.adult
        if facts is None:
            facts = Facts(incidents=0, first=at, last=at, harm_sum=0.0, harm_max=harm_of, agencies=())
            if row["child"]:
                person.child = facts
            else:
                person.adult = facts
        facts.add(at, agency, harm_of)
        for victim in row["victims"]:
            pair = facts.victims.get(victim)
            if pair is None:
                pair = facts.victims[victim] = VictimFacts(person=victim, incidents=0, first=at, last=at, agencies=())
            pair.add(at, agency)
    return out


def incident_rows(
    graph: Graph,
    window: Window,
    ids: Sequence[str],
    *,
    harm: Mapping[str, float] | None = None,
    harm_fallback: float = 0.0,
) -> list[dict[str, Any]]:
    """One row per incident of these people in the window (``person``, ``child``: under 16 at it, ``at``: epoch
    seconds, ``agency``, ``harm``, ``victims``: the resolved victims who count), for who sums them their own way."""
    if not window.readable:
        return []
    return graph.read(
        _incidents_query(window),
        harm=dict(harm or {}),
        harm_fallback=float(harm_fallback),
        ids=list(ids),
        **window.params(),
    )


def iter_facts(
    graph: Graph,
    window: Window,
    *,
    page: int = PAGE,
    harm: Mapping[str, float] | None = None,
    harm_fallback: float = 0.0,
    advance: Callable[[int], object] | None = None,
) -> Iterator[list[PersonFacts]]:
    """Pages of perpetrators' facts; ``advance(n)`` is told how many people each page held."""
    ids = perpetrator_ids(graph, window)
    for start in range(0, len(ids), page):
        chunk = ids[start : start + page]
        facts = facts_page(graph, window, chunk, harm=harm, harm_fallback=harm_fallback)
        yield [facts[i] for i in chunk if i in facts]
        if advance is not None:
            advance(len(chunk))


def is_serial(facts: Facts | None) -> bool:
    """More than one incident against two or more distinct victims (the facts are already 16+ and windowed)."""
    return facts is not None and facts.incidents > 1 and len(facts.victims) >= 2


def records_of(graph: Graph, scope: Scope, person_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """Each person's current records the scope may read: agency, local_id and postcode, in (agency, local_id)
    order. Facets and filters (agencies, districts) are computed from these, so no other agency's roll shows."""
    out: dict[str, list[dict[str, Any]]] = {pid: [] for pid in person_ids}
    for start in range(0, len(person_ids), PAGE):
        rows = graph.read(
            f"UNWIND $ids AS pid MATCH (:{RESOLVED_PERSON} {{person_id: pid}})<-[:{RESOLVED_AS}]-(k:{PERSON.label}) "
            f"WHERE {scope.where('k', PERSON.label)} "
            "RETURN pid, k.agency AS agency, k.local_id AS local_id, k.postcode AS postcode",
            ids=list(person_ids[start : start + PAGE]),
            **scope.params(),
        )
        for row in rows:
            out[row["pid"]].append({"agency": row["agency"], "local_id": row["local_id"], "postcode": row["postcode"]})
    for records in out.values():
        records.sort(key=lambda r: (r["agency"], r["local_id"]))
    return out


# --- the serial list -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Victim:
    person: str
    records: tuple[Record, ...]
    first: dt.datetime  # the first incident against this victim in the window
    last: dt.datetime  # the last one
    incidents: int
    agencies: tuple[str, ...]  # agencies whose incidents name the pair
    relationship_start: dt.date | None = None  # the earliest start any current Relationship record gives
    relationship_kinds: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "person": self.person,
            "records": [list(r) for r in self.records],
            "first": iso(self.first),
            "last": iso(self.last),
            "incidents": self.incidents,
            "agencies": list(self.agencies),
            "relationship_start": self.relationship_start.isoformat() if self.relationship_start else None,
            "relationship": list(self.relationship_kinds),
        }


@dataclass(frozen=True)
class HarmRecord:
    """A person's harm in the window: the victims in time order (by first incident), the incidents, the agencies
    holding a record of the person or an incident, the first and the last incident."""

    person: str
    records: tuple[Record, ...]
    victims: tuple[Victim, ...]
    incidents: int
    agencies: tuple[str, ...]
    first: dt.datetime
    last: dt.datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "person": self.person,
            "records": [list(r) for r in self.records],
            "victims": [v.to_json() for v in self.victims],
            "incidents": self.incidents,
            "agencies": list(self.agencies),
            "first": iso(self.first),
            "last": iso(self.last),
        }


@dataclass(frozen=True)
class SerialPerpetrator(HarmRecord):
    """A serial perpetrator under the MATAC definition (16 or over at every incident counted)."""


@dataclass(frozen=True)
class ChildHarmConcern(HarmRecord):
    """Harm by someone under 16 at the incident: a child safeguarding concern, never a perpetrator."""


@dataclass(frozen=True)
class SerialReport:
    window: Window
    perpetrators: tuple[SerialPerpetrator, ...]
    concerns: tuple[ChildHarmConcern, ...]


def find_serial(
    graph: Graph,
    scope: Scope,
    *,
    as_of: dt.date | None = None,
    years: int = LOOKBACK_YEARS,
    since: dt.date | None = None,
    page: int = PAGE,
    advance: Callable[[int], object] | None = None,
) -> SerialReport:
    """The serial perpetrators in the look-back window before ``as_of`` (default today; ``since`` overrides the
    start), most victims first, and every under-16's harm in the window as a concern, from what ``scope`` lets
    through: its incidents, links, retention and person records."""
    window = Window.lookback(scope, as_of, years=years, since=since)
    serial: list[PersonFacts] = []
    concerns: list[PersonFacts] = []
    for facts in iter_facts(graph, window, page=page, advance=advance):
        serial += [f for f in facts if is_serial(f.adult)]
        concerns += [f for f in facts if f.child is not None]
    pairs = [(f.person, v) for f in serial if f.adult for v in f.adult.victims]
    links = _relationships(graph, scope, pairs)
    people = sorted(
        {f.person for f in serial + concerns}
        | {v for f in serial if f.adult for v in f.adult.victims}
        | {v for f in concerns if f.child for v in f.child.victims}
    )
    records = {
        pid: tuple((r["agency"], r["local_id"]) for r in rs) for pid, rs in records_of(graph, scope, people).items()
    }

    def victims(person: str, facts: Facts) -> tuple[Victim, ...]:
        out = [
            Victim(
                person=v.person,
                records=records[v.person],
                first=v.first,
                last=v.last,
                incidents=v.incidents,
                agencies=v.agencies,
                relationship_start=links.get((person, v.person), (None, ()))[0],
                relationship_kinds=links.get((person, v.person), (None, ()))[1],
            )
            for v in facts.victims.values()
        ]
        return tuple(sorted(out, key=lambda v: (v.first, v.person)))

    def agencies(person: str, facts: Facts) -> tuple[str, ...]:
        return tuple(sorted(set(facts.agencies) | {agency for agency, _ in records[person]}))

    listed = [
        SerialPerpetrator(
            person=f.person,
            records=records[f.person],
            victims=victims(f.person, f.adult),
            incidents=f.adult.incidents,
            agencies=agencies(f.person, f.adult),
            first=f.adult.first,
            last=f.adult.last,
        )
        for f in serial
        if f.adult is not None
    ]
    listed.sort(key=lambda s: (-len(s.victims), -s.incidents, -s.last.timestamp(), s.person))
    flagged = [
        ChildHarmConcern(
            person=f.person,
            records=records[f.person],
            victims=victims(f.person, f.child),
            incidents=f.child.incidents,
            agencies=agencies(f.person, f.child),
            first=f.child.first,
            last=f.child.last,
        )
        for f in concerns
        if f.child is not None
    ]
    flagged.sort(key=lambda c: (-c.last.timestamp(), c.person))
    return SerialReport(window=window, perpetrators=tuple(listed), concerns=tuple(flagged))


_Links = dict[tuple[str, str], tuple[dt.date | None, tuple[str, ...]]]


def _relationships(graph: Graph, scope: Scope, pairs: Sequence[tuple[str, str]]) -> _Links:
    """For (perpetrator, victim) pairs: the earliest start and the kinds of the current Relationship records the
    scope may read between any of their current records, in either direction."""
    out: _Links = {}
    if not scope.follows(RELATIONSHIP, "PERSON", "OTHER"):
        return out
    for start in range(0, len(pairs), PAGE):
        rows = graph.read(
            f"UNWIND $pairs AS pair MATCH (:{RESOLVED_PERSON} {{person_id: pair[0]}})<-[:{RESOLVED_AS}]-"
            f"(a:{PERSON.label})<-[:PERSON|OTHER]-(r:{RELATIONSHIP})-[:PERSON|OTHER]->(b:{PERSON.label})"
            f"-[:{RESOLVED_AS}]->(:{RESOLVED_PERSON} {{person_id: pair[1]}}) "
            f"WHERE {scope.where('r', RELATIONSHIP)} AND a.deleted IS NULL AND b.deleted IS NULL AND a <> b "
            "RETURN pair[0] AS person, pair[1] AS victim, min(r.start) AS start, collect(DISTINCT r.kind) AS kinds",
            pairs=[list(p) for p in pairs[start : start + PAGE]],
            **scope.params(),
        )
        for row in rows:
            begun = row["start"].to_native() if row["start"] is not None else None
            out[(row["person"], row["victim"])] = (begun, tuple(sorted(k for k in row["kinds"] if k)))
    return out


def utc(value: Any) -> dt.datetime:
    """A datetime from the driver as an aware UTC one (ArcadeDB may hand a stored UTC value back naive)."""
    value = value.to_native() if hasattr(value, "to_native") else value
    return value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)


def iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
