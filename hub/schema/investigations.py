"""Investigations: views an analyst saved (the people on screen and the filters), to reopen later.

Types only; the rules (owner, purpose, the people the current grant shows) are in ``hub.access.investigations``.
"""

from __future__ import annotations

import datetime as dt

import strawberry

from hub.schema.people import Person

_HIDDEN = (
    "Only the people the caller's current grant shows, checked as `person(id)` is: anyone it does not show is simply "
    "absent (no placeholder, no count), whatever was on screen when the view was saved."
)


@strawberry.input(description="The filters on screen when the view was saved; all optional.")
class InvestigationFiltersInput:
    area: str | None = strawberry.field(default=None, description="A postcode district (`TS18`).")
    agency: str | None = strawberry.field(default=None, description="An agency code.")
    start: dt.date | None = strawberry.field(default=None, name="from", description="The time range's first day.")
    end: dt.date | None = strawberry.field(default=None, name="to", description="The time range's last day.")
    centre_person_id: strawberry.ID | None = strawberry.field(
        default=None, description="The person at the centre of the network on screen."
    )
    hops: int | None = strawberry.field(default=None, description="The network's depth, 1 to 3.")


@strawberry.input(description="What is on screen: the people (at most 500 person ids) and the filters.")
class InvestigationInput:
    person_ids: list[strawberry.ID] = strawberry.field(description="The people on screen (`HP-...`), at most 500.")
    filters: InvestigationFiltersInput | None = strawberry.field(default=None, description="The filters on screen.")


@strawberry.type(description="The filters saved with an investigation.")
class InvestigationFilters:
    area: str | None = strawberry.field(description="A postcode district.")
    agency: str | None = strawberry.field(description="An agency code.")
    start: dt.date | None = strawberry.field(name="from", description="The time range's first day.")
    end: dt.date | None = strawberry.field(name="to", description="The time range's last day.")
    centre_person_id: strawberry.ID | None = strawberry.field(
        description="The person at the centre; null when the current grant does not show them."
    )
    hops: int | None = strawberry.field(description="The network's depth.")


@strawberry.type(
    description="A saved view, the caller's own: listed and opened only by the principal that saved it and only under "
    f"the purpose it was saved under (to anyone else, or under another purpose, it does not exist). {_HIDDEN}"
)
class Investigation:
    id: strawberry.ID = strawberry.field(description="The investigation's id (`INV-...`).")
    name: str = strawberry.field(description="The name the analyst gave it.")
    saved_at: dt.datetime = strawberry.field(description="When it was saved.")
    purpose: str = strawberry.field(description="The purpose it was saved under (the only one it is shown under).")
    justification: str | None = strawberry.field(description="The justification declared when it was saved.")
    person_ids: list[strawberry.ID] = strawberry.field(description=f"The people on screen. {_HIDDEN}")
    people: list[Person] = strawberry.field(description=f"The same people, to read further. {_HIDDEN}")
    filters: InvestigationFilters = strawberry.field(description="The filters on screen.")
