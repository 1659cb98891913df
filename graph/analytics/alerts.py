"""Alerts computed from the graph on demand, and their acknowledgements.

Nothing here is stored except acknowledgements: every call to ``compute_alerts`` reads the current graph (resolved
people, current records; withdrawn records never count) and returns the alerts in force on ``as_of``. An alert's
``id`` is a hash of its kind and the keys that define it, so recomputing gives the same id and an acknowledgement
(an ``AlertAck`` node keyed by that id) stays attached to it.

The kinds, one set-based query each (two for a Right to Know):

``right_to_know``
    A known perpetrator (a resolved person who was ``PERPETRATOR`` on an incident at 16+, by the latest date of
    birth any of their records gives) in a new intimate relationship, or naming a victim on an incident, in the last
    ``recent_days``, where that partner or victim is not among their earlier victims. One alert per triggering record
    and (perpetrator, partner) pair; raised for the perpetrator. Under-16s are never known perpetrators.
``repeat_marac``
    An incident between a victim and a perpetrator within 12 months after the victim's last MARAC referral (forum
    ``MARAC``, role ``victim``) on or before ``as_of``, where that perpetrator had already been named against that
    victim on an incident on or before the referral (the referral itself names no perpetrator). Raised for the victim.
``order_expiring``
    A granted protective order whose ``end`` falls between ``as_of`` and ``as_of + order_days``. Raised for its
    subject; the protected people are in ``related``.
``operation_encompass``
    For each child present at an incident in the last ``encompass_days`` and each school holding a pupil record of the
    same resolved person: a notification with only what the design brief allows (police reference, date and time,
    brief circumstances, and the child's name and date of birth as the school holds them). Nothing about adults.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import neo4j

from graph.analytics.serial import utc
from graph.model import PERSON, RECORD_TYPES, RESOLVED_PERSON
from graph.persons import RESOLVED_AS
from graph.scope import Scope
from graph.store import Graph

RIGHT_TO_KNOW = "right_to_know"
REPEAT_MARAC = "repeat_marac"
ORDER_EXPIRING = "order_expiring"
OPERATION_ENCOMPASS = "operation_encompass"
KINDS: tuple[str, ...] = (RIGHT_TO_KNOW, REPEAT_MARAC, ORDER_EXPIRING, OPERATION_ENCOMPASS)

ACK = "AlertAcknowledgement"  # one per (purpose, alert): a note is read back only under the purpose it was made for
INCIDENT = RECORD_TYPES["incident"].label
RELATIONSHIP = RECORD_TYPES["relationship"].label
ORDER = RECORD_TYPES["order"].label
REFERRAL = RECORD_TYPES["referral"].label
SCHOOL_MARKER = "school"  # an agency whose code contains this holds a school's pupil roll

Record = tuple[str, str]  # (agency, local_id)


@dataclass(frozen=True)
class Notification:
    """An Operation Encompass notification: the fields the design brief lists, and nothing more."""

    school: str  # the school's agency code: who receives it
    police_reference: str  # the incident's local_id
    occurred_at: dt.datetime
    circumstances: str | None  # the incident category
    child_given_name: str | None  # as the school's record holds them
    child_family_name: str | None
    child_dob: dt.date | None

    def to_json(self) -> dict[str, Any]:
        return {
            "school": self.school,
            "police_reference": self.police_reference,
            "occurred_at": _iso(self.occurred_at),
            "circumstances": self.circumstances,
            "child_given_name": self.child_given_name,
            "child_family_name": self.child_family_name,
            "child_dob": self.child_dob.isoformat() if self.child_dob else None,
        }


@dataclass(frozen=True)
class Alert:
    id: str
    kind: str
    person: str  # the resolved person it is about
    raised_at: dt.datetime  # the event that triggered it (UTC; a date-only event at midnight)
    records: tuple[Record, ...]  # the records that evidence it
    summary: str  # short, no names
    related: tuple[str, ...] = ()  # other resolved people it concerns (partner, perpetrator, protected people)
    notification: Notification | None = None  # operation_encompass only

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "person": self.person,
            "raised_at": _iso(self.raised_at),
            "records": [list(r) for r in self.records],
            "summary": self.summary,
            "related": list(self.related),
            "notification": self.notification.to_json() if self.notification else None,
        }


@dataclass(frozen=True)
class Acknowledgement:
    alert_id: str
    who: str
    note: str
    at: dt.datetime


def alert_id(kind: str, *keys: str) -> str:
    """The stable id of an alert: a hash of its kind and the keys that define it."""
    digest = hashlib.sha256(json.dumps([kind, *keys], separators=(",", ":")).encode()).hexdigest()
    return f"AL-{digest[:20].upper()}"


def compute_alerts(
    graph: Graph,
    scope: Scope,
    *,
    as_of: dt.date,
    kinds: Iterable[str] | None = None,
    recent_days: int = 30,
    order_days: int = 14,
    encompass_days: int = 2,
    school_agencies: Sequence[str] | None = None,
) -> list[Alert]:
    """The alerts in force on ``as_of`` of the given kinds (default all), oldest trigger first, computed only from
    what ``scope`` lets through: an alert whose trigger or evidence lies outside it is never raised, and nothing
    outside it (a record, a link, a record past retention) counts towards one."""
    wanted = set(KINDS if kinds is None else kinds)
    unknown = wanted - set(KINDS)
    if unknown:
        raise ValueError(f"unknown alert kinds: {sorted(unknown)}; known: {list(KINDS)}")
    if min(recent_days, order_days, encompass_days) < 0:
        raise ValueError("alert windows cannot be negative")
    alerts: list[Alert] = []
    if RIGHT_TO_KNOW in wanted:
        alerts += right_to_know(graph, scope, as_of=as_of, recent_days=recent_days)
    if REPEAT_MARAC in wanted:
        alerts += repeat_marac(graph, scope, as_of=as_of)
    if ORDER_EXPIRING in wanted:
        alerts += order_expiring(graph, scope, as_of=as_of, days=order_days)
    if OPERATION_ENCOMPASS in wanted:
        alerts += operation_encompass(graph, scope, as_of=as_of, days=encompass_days, schools=school_agencies)
    alerts.sort(key=lambda a: (a.raised_at, a.kind, a.id))
    return alerts


# --- right to know -----------------------------------------------------------------------------------------------


def _known_perpetrator(scope: Scope, before: str, before_x: str, at: str) -> str:
    """Keep (n, p, q) where p was a perpetrator at 16+ on an earlier incident m (``before`` compares m with the
    trigger n; the latest date of birth of p's records decides age) and q is not among p's earlier victims. Earlier
    incidents count only inside the scope."""
    return (
        f"OPTIONAL MATCH (p)<-[:{RESOLVED_AS}]-(k:{PERSON.label}) WHERE k.deleted IS NULL "
        "WITH n, p, q, max(k.dob) AS dob "
        f"MATCH (p)<-[:{RESOLVED_AS}]-(a:{PERSON.label})<-[:PERPETRATOR]-(m:{INCIDENT}) "
        f"WHERE a.deleted IS NULL AND {scope.where('m', INCIDENT)} AND {before} "
        "AND (dob IS NULL OR dob + duration({years: 16}) <= date(m.occurred_at)) "
        f"AND EXISTS {{ MATCH (m)-[:VICTIM]->(e:{PERSON.label}) WHERE e.deleted IS NULL }} "
        "WITH n, p, q, collect(DISTINCT [m.agency, m.local_id]) AS prior "
        f"WHERE NOT EXISTS {{ MATCH (p)<-[:{RESOLVED_AS}]-(b:{PERSON.label})<-[:PERPETRATOR]-(x:{INCIDENT})"
        f"-[:VICTIM]->(c:{PERSON.label})-[:{RESOLVED_AS}]->(q) "
        f"WHERE b.deleted IS NULL AND c.deleted IS NULL AND {scope.where('x', INCIDENT)} AND {before_x} }} "
        f"RETURN n.key AS key, n.agency AS agency, n.local_id AS local_id, {at} AS at, "
        "p.person_id AS person, q.person_id AS other, prior"
    )


def _rtk_incidents(scope: Scope) -> str:
    return (
        f"MATCH (n:{INCIDENT}) WHERE {scope.where('n', INCIDENT)} AND n.occurred_at >= datetime($since) "
        "AND n.occurred_at < datetime($until) "
        f"MATCH (n)-[:PERPETRATOR]->(pr:{PERSON.label})-[:{RESOLVED_AS}]->(p:{RESOLVED_PERSON}), "
        f"(n)-[:VICTIM]->(vr:{PERSON.label})-[:{RESOLVED_AS}]->(q:{RESOLVED_PERSON}) "
        "WHERE pr.deleted IS NULL AND vr.deleted IS NULL AND p <> q "
        "WITH DISTINCT n, p, q "
    ) + _known_perpetrator(scope, "m.occurred_at < n.occurred_at", "x.occurred_at < n.occurred_at", "n.occurred_at")


def _rtk_relationships(scope: Scope) -> str:
    return (
        f"MATCH (n:{RELATIONSHIP}) WHERE {scope.where('n', RELATIONSHIP)} AND n.kind = 'intimate_partner' "
        "AND n.start >= date($since_day) AND n.start <= date($as_of) "
        f"MATCH (n)-[:PERSON|OTHER]->(pr:{PERSON.label})-[:{RESOLVED_AS}]->(p:{RESOLVED_PERSON}), "
        f"(n)-[:PERSON|OTHER]->(qr:{PERSON.label})-[:{RESOLVED_AS}]->(q:{RESOLVED_PERSON}) "
        "WHERE pr.deleted IS NULL AND qr.deleted IS NULL AND pr <> qr AND p <> q "
        "WITH DISTINCT n, p, q "
    ) + _known_perpetrator(scope, "date(m.occurred_at) < n.start", "date(x.occurred_at) < n.start", "n.start")


def right_to_know(graph: Graph, scope: Scope, *, as_of: dt.date, recent_days: int = 30) -> list[Alert]:
    """Needs who harmed whom (an incident's perpetrators and victims); the relationship trigger also needs who the
    partners are. A scope without them raises none: the alert's very existence would tell what it does not share."""
    if not scope.follows(INCIDENT, "PERPETRATOR", "VICTIM"):
        return []
    since = as_of - dt.timedelta(days=recent_days)
    params = _day_window(since, as_of) | scope.params()
    triggers = [(_rtk_incidents(scope), "incident with a new victim")]
    if scope.follows(RELATIONSHIP, "PERSON", "OTHER"):
        triggers.append((_rtk_relationships(scope), "new intimate partner"))
    out: list[Alert] = []
    for query, what in triggers:
        for row in graph.read(query, since_day=since.isoformat(), as_of=as_of.isoformat(), **params):
            prior = sorted((str(agency), str(local)) for agency, local in row["prior"])
            out.append(
                Alert(
                    id=alert_id(RIGHT_TO_KNOW, row["key"], row["person"], row["other"]),
                    kind=RIGHT_TO_KNOW,
                    person=row["person"],
                    raised_at=_when(row["at"]),
                    records=((row["agency"], row["local_id"]), *prior),
                    summary=f"Known perpetrator: {what} (consider a Right to Know disclosure); "
                    f"{len(prior)} earlier incident(s) as perpetrator",
                    related=(row["other"],),
                )
            )
    return out


# --- repeat MARAC ------------------------------------------------------------------------------------------------


def _repeat_marac(scope: Scope) -> str:
    marac = (
        f"{scope.where('f', REFERRAL)} AND f.forum = 'MARAC' AND f.role = 'victim' AND f.referred_at < datetime($until)"
    )
    return (
        f"MATCH (f:{REFERRAL})-[:SUBJECT]->(fr:{PERSON.label})-[:{RESOLVED_AS}]->(v:{RESOLVED_PERSON}) "
        f"WHERE fr.deleted IS NULL AND {marac} "
        "WITH v, max(f.referred_at) AS last "
        f"MATCH (v)<-[:{RESOLVED_AS}]-(fr:{PERSON.label})<-[:SUBJECT]-(f:{REFERRAL}) "
        f"WHERE fr.deleted IS NULL AND {marac} AND f.referred_at = last "
        "WITH v, last, min(f.key) AS ref "
        f"MATCH (f:{REFERRAL} {{key: ref}}) "
        f"MATCH (v)<-[:{RESOLVED_AS}]-(vr:{PERSON.label})<-[:VICTIM]-(n:{INCIDENT})-[:PERPETRATOR]->"
        f"(pr:{PERSON.label})-[:{RESOLVED_AS}]->(p:{RESOLVED_PERSON}) "
        f"WHERE vr.deleted IS NULL AND pr.deleted IS NULL AND {scope.where('n', INCIDENT)} AND p <> v "
        "AND n.occurred_at > last AND n.occurred_at < datetime($until) "
        "AND date(n.occurred_at) <= date(last) + duration({months: 12}) "
        f"AND EXISTS {{ MATCH (v)<-[:{RESOLVED_AS}]-(a:{PERSON.label})<-[:VICTIM]-(m:{INCIDENT})-[:PERPETRATOR]->"
        f"(b:{PERSON.label})-[:{RESOLVED_AS}]->(p) "
        f"WHERE a.deleted IS NULL AND b.deleted IS NULL AND {scope.where('m', INCIDENT)} AND m.occurred_at <= last }} "
        "WITH DISTINCT f, v, p, n "
        f"OPTIONAL MATCH (p)<-[:{RESOLVED_AS}]-(k:{PERSON.label}) WHERE k.deleted IS NULL "
        "WITH f, v, p, n, max(k.dob) AS dob "
        "WHERE dob IS NULL OR dob + duration({years: 16}) <= date(n.occurred_at) "
        "RETURN f.key AS ref, f.agency AS ref_agency, f.local_id AS ref_local, v.person_id AS victim, "
        "p.person_id AS perpetrator, n.key AS key, n.agency AS agency, n.local_id AS local_id, n.occurred_at AS at"
    )


def repeat_marac(graph: Graph, scope: Scope, *, as_of: dt.date) -> list[Alert]:
    """Needs MARAC referrals and their subjects, and who harmed whom on incidents."""
    if not (scope.follows(REFERRAL, "SUBJECT") and scope.follows(INCIDENT, "PERPETRATOR", "VICTIM")):
        return []
    rows = graph.read(_repeat_marac(scope), **_day_window(as_of, as_of), **scope.params())
    return [
        Alert(
            id=alert_id(REPEAT_MARAC, row["ref"], row["key"], row["victim"], row["perpetrator"]),
            kind=REPEAT_MARAC,
            person=row["victim"],
            raised_at=_when(row["at"]),
            records=((row["ref_agency"], row["ref_local"]), (row["agency"], row["local_id"])),
            summary="Repeat MARAC: abuse by the same perpetrator within 12 months of the victim's last MARAC referral",
            related=(row["perpetrator"],),
        )
        for row in rows
    ]


# --- protective orders -------------------------------------------------------------------------------------------


def _orders(scope: Scope) -> str:
    protected = (  # the protected people only where the scope follows that link
        f"OPTIONAL MATCH (o)-[:PROTECTS]->(xr:{PERSON.label})-[:{RESOLVED_AS}]->(x:{RESOLVED_PERSON}) "
        "WHERE xr.deleted IS NULL "
        if scope.follows(ORDER, "PROTECTS")
        else "WITH o, p, null AS x "
    )
    return (
        f"MATCH (o:{ORDER}) WHERE {scope.where('o', ORDER)} AND o.status = 'granted' "
        "AND o.`end` >= date($as_of) AND o.`end` <= date($last_day) "
        f"MATCH (o)-[:SUBJECT]->(sr:{PERSON.label})-[:{RESOLVED_AS}]->(p:{RESOLVED_PERSON}) WHERE sr.deleted IS NULL "
        f"{protected}"
        "RETURN o.key AS key, o.agency AS agency, o.local_id AS local_id, o.kind AS order_kind, o.`end` AS ends, "
        "p.person_id AS person, collect(DISTINCT x.person_id) AS protected"
    )


def order_expiring(graph: Graph, scope: Scope, *, as_of: dt.date, days: int = 14) -> list[Alert]:
    """Needs orders and their subjects; the protected people are named only where the scope follows that link."""
    if not scope.follows(ORDER, "SUBJECT"):
        return []
    rows = graph.read(
        _orders(scope),
        as_of=as_of.isoformat(),
        last_day=(as_of + dt.timedelta(days=days)).isoformat(),
        **scope.params(),
    )
    out = []
    for row in rows:
        ends = _day(row["ends"])
        out.append(
            Alert(
                id=alert_id(ORDER_EXPIRING, row["key"], ends.isoformat()),
                kind=ORDER_EXPIRING,
                person=row["person"],
                raised_at=dt.datetime.combine(ends, dt.time(), tzinfo=dt.UTC),
                records=((row["agency"], row["local_id"]),),
                summary=f"Protective order ({row['order_kind'] or 'unknown kind'}) ends in {(ends - as_of).days} "
                "day(s)",
                related=tuple(sorted(x for x in row["protected"] if x is not None)),
            )
        )
    return out


# --- Operation Encompass -----------------------------------------------------------------------------------------


def _encompass(scope: Scope) -> str:
    return (
        f"MATCH (n:{INCIDENT}) WHERE {scope.where('n', INCIDENT)} AND n.occurred_at >= datetime($since) "
        "AND n.occurred_at < datetime($until) "
        f"MATCH (n)-[:CHILD_PRESENT]->(cr:{PERSON.label})-[:{RESOLVED_AS}]->(c:{RESOLVED_PERSON})"
        f"<-[:{RESOLVED_AS}]-(s:{PERSON.label}) "
        f"WHERE cr.deleted IS NULL AND {scope.where('s', PERSON.label)} AND s <> cr AND s.agency <> n.agency "
        "AND (($schools IS NULL AND s.agency CONTAINS $marker) OR s.agency IN coalesce($schools, [])) "
        "AND (s.dob IS NULL OR s.dob + duration({years: 18}) > date(n.occurred_at)) "
        "WITH n, c, s.agency AS school, min(s.key) AS pupil "
        f"MATCH (s:{PERSON.label} {{key: pupil}}) "
        "RETURN n.key AS key, n.agency AS agency, n.local_id AS local_id, n.occurred_at AS at, "
        "n.category AS category, c.person_id AS child, school, s.local_id AS pupil, s.given_name AS given_name, "
        "s.family_name AS family_name, s.dob AS dob"
    )


def operation_encompass(
    graph: Graph, scope: Scope, *, as_of: dt.date, days: int = 2, schools: Collection[str] | None = None
) -> list[Alert]:
    """Needs the children present at incidents, and the school's own pupil record of the child."""
    if not scope.follows(INCIDENT, "CHILD_PRESENT"):
        return []
    params = _day_window(as_of - dt.timedelta(days=days), as_of) | scope.params()
    rows = graph.read(
        _encompass(scope), schools=None if schools is None else sorted(schools), marker=SCHOOL_MARKER, **params
    )
    out = []
    for row in rows:
        at = utc(row["at"])
        out.append(
            Alert(
                id=alert_id(OPERATION_ENCOMPASS, row["key"], row["child"], row["school"]),
                kind=OPERATION_ENCOMPASS,
                person=row["child"],
                raised_at=at,
                records=((row["agency"], row["local_id"]), (row["school"], row["pupil"])),
                summary="Operation Encompass: a pupil was present at a domestic abuse incident",
                notification=Notification(
                    school=row["school"],
                    police_reference=row["local_id"],
                    occurred_at=at,
                    circumstances=row["category"],
                    child_given_name=row["given_name"],
                    child_family_name=row["family_name"],
                    child_dob=_day(row["dob"]) if row["dob"] is not None else None,
                ),
            )
        )
    return out


# --- acknowledgements --------------------------------------------------------------------------------------------


def acknowledge(graph: Graph, alert_id: str, *, purpose: str, who: str, note: str, at: dt.datetime) -> bool:
    """Record that ``who``, acting for ``purpose``, acknowledged the alert; False when it was already acknowledged
    under that purpose (the first one stands). The note is read back only under the same purpose: a DVDS officer's
    note is nothing a MATAC panel may read.

    The caller audits the acknowledgement (the graph layer has no audit trail)."""
    if at.tzinfo is None:
        raise ValueError("an acknowledgement time must be timezone-aware")
    try:
        rows = graph.write(
            f"OPTIONAL MATCH (a:{ACK} {{key: $key}}) WITH count(a) AS n WHERE n = 0 "
            f"CREATE (x:{ACK} {{key: $key, alert_id: $id, purpose: $purpose, who: $who, note: $note, "
            "at: datetime($at)}) RETURN x.alert_id AS id",
            key=f"{purpose}/{alert_id}",
            id=alert_id,
            purpose=purpose,
            who=who,
            note=note,
            at=_iso(at),
        )
    except neo4j.exceptions.ConstraintError:  # acknowledged at the same moment by someone else: theirs stands
        return False
    return bool(rows)


def acknowledged(graph: Graph, ids: Iterable[str], *, purpose: str | None) -> dict[str, Acknowledgement]:
    """The acknowledgement of each of these alerts made under ``purpose`` (None: under any, for the operator)."""
    rows = graph.read(
        f"UNWIND $ids AS id MATCH (a:{ACK} {{alert_id: id}}) WHERE $purpose IS NULL OR a.purpose = $purpose "
        "RETURN a.alert_id AS id, a.who AS who, a.note AS note, a.at AS at ORDER BY a.at",
        ids=sorted(set(ids)),
        purpose=purpose,
    )
    out: dict[str, Acknowledgement] = {}
    for row in rows:
        out.setdefault(
            row["id"], Acknowledgement(alert_id=row["id"], who=row["who"], note=row["note"], at=utc(row["at"]))
        )
    return out


# --- helpers -----------------------------------------------------------------------------------------------------


def _day_window(since: dt.date, as_of: dt.date) -> dict[str, str]:
    """From the start of ``since`` to the end of ``as_of`` (whole days, UTC)."""
    return {
        "since": f"{since.isoformat()}T00:00:00Z",
        "until": f"{(as_of + dt.timedelta(days=1)).isoformat()}T00:00:00Z",
    }


def _day(value: Any) -> dt.date:
    value = value.to_native() if hasattr(value, "to_native") else value
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _when(value: Any) -> dt.datetime:
    """An event time as an aware UTC datetime; a date-only event at midnight."""
    native = value.to_native() if hasattr(value, "to_native") else value
    if isinstance(native, dt.datetime):
        return utc(native)
    return dt.datetime.combine(_day(native), dt.time(), tzinfo=dt.UTC)


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def summaries(alerts: Iterable[Alert], acks: Mapping[str, Acknowledgement]) -> list[dict[str, Any]]:
    """Alerts as JSON with their acknowledgement (None when not acknowledged)."""
    out = []
    for alert in alerts:
        ack = acks.get(alert.id)
        item = alert.to_json()
        item["acknowledged"] = None if ack is None else {"who": ack.who, "note": ack.note, "at": _iso(ack.at)}
        out.append(item)
    return out
