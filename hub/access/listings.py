"""Listings for analysts: people and incidents page by page, filtered and ordered, under a request's grant.

A listing is browsing, not answering about one subject, so it needs a purpose that shares who harmed whom (both the
perpetrator and the victim links of incidents) over anyone (subject scope ``any``): MATAC and MARAC may list; DVDS
(one subject's history) and Operation Encompass (a school's own pupils) may not. This is the same rule the serial
perpetrator list follows. What a listing holds is read within the request's scope, exactly like a single look-up,
and every item is masked and noted by the same functions in ``views``. A filter or ordering may use only what the
grant shows: filtering by family name reads only the sources that share it as recorded; ordering and date filters on
incidents use only the sources that share when they happened.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from graph import persons
from graph.store import Graph
from hub.access.context import Access, BadRequest, Forbidden, born_after
from hub.access.pages import Page, decode, encode, page_size
from hub.access.views import PersonView, RecordView, person_view, record_view

BROWSE_LINKS = ("perpetrators", "victims")


@dataclass(frozen=True)
class PeopleFilter:
    agency: str | None = None  # people with a current record from this agency
    family_name: str | None = None  # the usual spellings; matched only on records whose source shares it unmasked


@dataclass(frozen=True)
class IncidentFilter:
    start: dt.date | None = None  # on or after this day (UTC)
    end: dt.date | None = None  # on or before this day (UTC)
    categories: tuple[str, ...] | None = None
    agency: str | None = None
    newest_first: bool = True


def require_browsing(access: Access) -> None:
    """Listings are for purposes that share who harmed whom, about anyone."""
    access.require_records()
    grant = access.grant
    if grant.terms is not None and grant.terms.subject_scope != "any":
        raise Forbidden((f"purpose {grant.terms.code!r} answers about the caller's own records only: no listings",))
    shares = any(all(grant.may_see("incident", f, s) for f in BROWSE_LINKS) for s in grant.sources("incident"))
    if not shares:
        raise Forbidden((f"{grant.agreement_label} does not share who harmed whom for {grant.purpose!r}: no listings",))


def list_people(
    access: Access, graph: Graph, where: PeopleFilter, first: int | None, after: str | None
) -> Page[PersonView]:
    """A page of the people the caller may see, by resolved id."""
    require_browsing(access)
    size = page_size(first)
    position = decode("people", after, 1)
    rows = persons.list_people(
        graph, access.scope, _people_filter(access, where), limit=size + 1, after=position[0] if position else None
    )
    items = []
    for row in rows[:size]:
        view = person_view(access, row)
        if view is not None:  # the age limit is pushed into the query too: this never drops a row
            items.append((encode("people", [view.id]), view))
    return Page(items, has_next=len(rows) > size)


def count_people(access: Access, graph: Graph, where: PeopleFilter) -> int:
    """How many people the listing holds over all its pages (only people the caller may see)."""
    require_browsing(access)
    return persons.count_people(graph, access.scope, _people_filter(access, where))


def _people_filter(access: Access, where: PeopleFilter) -> persons.PeopleFilter:
    grant = access.grant
    sources = grant.sources("person")
    if where.agency is not None and where.agency not in sources:
        raise Forbidden((f"{grant.agreement_label} does not share person records from {where.agency!r}",))
    # a masked family name (an initial) must not be matched in full: only sources that share it as recorded
    named = [
        s
        for s in sources
        if "family_name" in grant.fields("person", s) and grant.fields("person", s)["family_name"] is None
    ]
    if where.family_name is not None:
        if not where.family_name.strip() or len(where.family_name) > 200:
            raise BadRequest("familyName: give a family name of 1 to 200 characters")
        if not named:
            raise Forbidden((f"{grant.agreement_label} does not share family names as recorded for {grant.purpose!r}",))
    return persons.PeopleFilter(where.agency, where.family_name, named, born_after(access.grant))


def list_incidents(
    access: Access, graph: Graph, where: IncidentFilter, first: int | None, after: str | None
) -> Page[RecordView]:
    """A page of the incidents the caller may see, by when they happened (newest first unless asked otherwise)."""
    require_browsing(access)
    size = page_size(first)
    order = "desc" if where.newest_first else "asc"
    position = decode(f"incidents-{order}", after, 2)
    rows = persons.list_incidents(
        graph,
        access.scope,
        _incident_filter(access, where),
        limit=size + 1,
        newest_first=where.newest_first,
        after=(position[0], position[1]) if position else None,
    )
    items = [
        (
            encode(f"incidents-{order}", [row["at"], row["record"]["key"]]),
            record_view(access, "incident", row["record"], None),
        )
        for row in rows[:size]
    ]
    return Page(items, has_next=len(rows) > size)


def count_incidents(access: Access, graph: Graph, where: IncidentFilter) -> int:
    """How many incidents the listing holds over all its pages (only incidents the caller may see)."""
    require_browsing(access)
    return persons.count_incidents(graph, access.scope, _incident_filter(access, where))


def _incident_filter(access: Access, where: IncidentFilter) -> persons.IncidentFilter:
    grant = access.grant
    if where.start is not None and where.end is not None and where.end < where.start:
        raise BadRequest("to is before from: give a date range that runs forwards")
    if where.categories is not None:
        unknown = sorted(set(where.categories) - set(incident_categories()))
        if unknown or not where.categories:
            raise BadRequest(f"unknown incident categories {unknown} (known: {', '.join(incident_categories())})")
    if where.agency is not None and where.agency not in grant.sources("incident"):
        raise Forbidden((f"{grant.agreement_label} does not share incidents from {where.agency!r}",))
    # ordering and dates use when it happened; a category filter reads the category: only where the grant shows them
    needed = ("occurred_at", "category") if where.categories is not None else ("occurred_at",)
    sources = [
        s
        for s in grant.sources("incident")
        if (where.agency is None or s == where.agency) and all(grant.may_see("incident", f, s) for f in needed)
    ]
    if not sources:
        raise Forbidden((f"{grant.agreement_label} does not share {' and '.join(needed)} of incidents to list by",))
    return persons.IncidentFilter(
        agencies=sources,
        start=_midnight(where.start),
        end=_midnight(where.end + dt.timedelta(days=1)) if where.end is not None else None,
        categories=where.categories,
    )


def _midnight(day: dt.date | None) -> dt.datetime | None:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC) if day is not None else None


@cache
def incident_categories() -> tuple[str, ...]:
    """The categories the partner format allows for an incident."""
    schema = json.loads((Path(persons.__file__).with_name("partner-records.schema.json")).read_text())
    incident = next(s for s in schema["oneOf"] if s["title"] == "incident")
    return tuple(incident["properties"]["category"]["enum"])
