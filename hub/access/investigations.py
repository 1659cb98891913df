"""Investigations (saved views) under a request's grant.

An investigation belongs to the principal that saved it (issuer, subject, agency) and to the purpose it was saved
under: like an acknowledgement's note, it is something a purpose wrote, and no agreement shares it with another
purpose, so under any other purpose, and to anyone else, it does not exist. Its people are always read again through
the same path as ``person(id)`` (``find_people``: scope, own-records, age limits), at saving and at every opening: a
person the current grant does not show is simply absent, exactly as a made-up id is (at saving, such ids are not
even stored). Saving is audited before it takes effect; opening names, in the request's audit event, the people it
disclosed.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field, replace
from typing import Any

from graph import investigations
from graph.investigations import Investigation, Owner
from graph.store import Graph
from hub.access.context import Access, BadRequest
from hub.access.views import PersonView, find_people
from hub.audit import AuditEvent
from hub.audit.requests import intent_event

PERSON_ID = re.compile(r"^HP-[0-9A-F]{12}$")  # graph.persons.new_person_id
DISTRICT = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")
AGENCY = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
MAX_NAME, MAX_PEOPLE, MAX_LISTED = 120, 500, 100


@dataclass(frozen=True)
class Filters:
    """What was on screen beside the people: all optional."""

    area: str | None = None
    agency: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    centre: str | None = None
    hops: int | None = None


@dataclass
class Opened:
    """An investigation as the caller may see it now: only the people the current grant shows."""

    investigation: Investigation
    people: list[PersonView] = field(default_factory=list)
    filters: Filters = field(default_factory=Filters)


def _owner(access: Access) -> tuple[Owner, str]:
    access.require_records()  # saved views hold people: person-level purposes only
    principal, purpose = access.principal, access.grant.purpose
    assert principal is not None and purpose is not None  # a records grant names both
    return Owner(principal.issuer, principal.subject, principal.agency), purpose


def _filters(given: Filters) -> Filters:
    area = given.area.strip().upper() if given.area is not None else None
    if area is not None and not DISTRICT.match(area):
        raise BadRequest("area is a postcode district such as TS18")
    if given.agency is not None and not AGENCY.match(given.agency):
        raise BadRequest("agency is an agency code (lower case letters, digits and hyphens, at most 64)")
    if given.start and given.end and given.start > given.end:
        raise BadRequest("the time range ends before it starts")
    if given.hops is not None and not 1 <= given.hops <= 3:
        raise BadRequest("hops is 1 to 3")
    if given.centre is not None and not PERSON_ID.match(given.centre):
        raise BadRequest("the centre person is a person id (HP- and 12 hexadecimal digits)")
    return replace(given, area=area)


def draft(access: Access, graph: Graph, name: str, person_ids: list[str], filters: Filters) -> Opened:
    """A new investigation from what the caller sent, checked and cut down to the people it may see now."""
    _, purpose = _owner(access)
    name = name.strip()
    if not name or len(name) > MAX_NAME or not name.isprintable():
        raise BadRequest(f"an investigation needs a name of 1 to {MAX_NAME} printable characters")
    if len(person_ids) > MAX_PEOPLE:
        raise BadRequest(f"an investigation holds at most {MAX_PEOPLE} people")
    if not all(PERSON_ID.match(p) for p in person_ids):
        raise BadRequest("person ids are HP- and 12 hexadecimal digits")
    filters = _filters(filters)
    wanted = list(dict.fromkeys(person_ids))
    seen = find_people(access, graph, [*wanted, *([filters.centre] if filters.centre else [])])
    filters = replace(filters, centre=filters.centre if filters.centre in seen else None)
    investigation = Investigation(
        id="INV-" + uuid.uuid4().hex[:16].upper(),
        name=name,
        person_ids=tuple(p for p in wanted if p in seen),
        filters=_stored(filters),
        purpose=purpose,
        justification=access.justification,
        saved_at=dt.datetime.now(dt.UTC),
    )
    return Opened(investigation, [seen[p] for p in investigation.person_ids], filters)


def save_event(access: Access, made: Opened, traceparent: str | None) -> AuditEvent | None:
    """The event made durable before the investigation is stored (no trail, no change)."""
    return intent_event(access, f"investigation {made.investigation.id} save requested", traceparent)


def save(access: Access, graph: Graph, made: Opened) -> Opened:
    owner, _ = _owner(access)
    investigations.save(graph, owner, made.investigation)
    access.notes.append(f"investigation {made.investigation.id} saved")
    return made


def open_investigation(access: Access, graph: Graph, investigation_id: str) -> Opened | None:
    """One of the caller's investigations, under its current purpose and grant; None when there is none (someone
    else's, another purpose's and a made-up id look the same)."""
    owner, purpose = _owner(access)
    if len(investigation_id) > 40:
        return None
    found = investigations.owned(graph, owner, purpose, investigation_id=investigation_id, limit=1)
    opened = _reopen(access, graph, found)
    for one in opened:
        access.notes.append(f"investigation {one.investigation.id} opened")
    return opened[0] if opened else None


def list_investigations(access: Access, graph: Graph, limit: int) -> list[Opened]:
    """The caller's investigations under its current purpose, newest first, each with the people it may see now."""
    owner, purpose = _owner(access)
    if not 1 <= limit <= MAX_LISTED:
        raise BadRequest(f"first is 1 to {MAX_LISTED}")
    return _reopen(access, graph, investigations.owned(graph, owner, purpose, limit=limit))


def _reopen(access: Access, graph: Graph, found: list[Investigation]) -> list[Opened]:
    """The saved people read again through the current grant (one read for all): the hidden are simply absent."""
    ids = {p for inv in found for p in (*inv.person_ids, inv.filters.get("centre"))}
    seen = find_people(access, graph, sorted(p for p in ids if isinstance(p, str)))
    out = []
    for inv in found:
        filters = _loaded(inv.filters)
        filters = replace(filters, centre=filters.centre if filters.centre in seen else None)
        out.append(Opened(inv, [seen[p] for p in inv.person_ids if p in seen], filters))
    return out


def _stored(filters: Filters) -> dict[str, Any]:
    out: dict[str, Any] = {
        "area": filters.area,
        "agency": filters.agency,
        "from": filters.start.isoformat() if filters.start else None,
        "to": filters.end.isoformat() if filters.end else None,
        "centre": filters.centre,
        "hops": filters.hops,
    }
    return {k: v for k, v in out.items() if v is not None}


def _loaded(stored: dict[str, Any]) -> Filters:
    def day(value: Any) -> dt.date | None:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None

    return Filters(
        area=stored.get("area"),
        agency=stored.get("agency"),
        start=day(stored.get("from")),
        end=day(stored.get("to")),
        centre=stored.get("centre"),
        hops=stored.get("hops"),
    )
