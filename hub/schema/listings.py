"""Listings for analysts: the filters and orders of ``people`` and ``incidents`` (Relay connections, ``pagination``).

The rules (who may list, what a filter may read) are in ``hub.access.listings``.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum

import strawberry


@strawberry.input(description="Which people to list. Every filter given must hold.")
class PeopleFilter:
    agency: str | None = strawberry.field(
        default=None, description="Only people with a current record from this agency (code)."
    )
    family_name: str | None = strawberry.field(
        default=None,
        description="Only people with this family name (as typed, or in lower case, capitals or capitalised) on a "
        "record whose agency shares family names as recorded with the caller.",
    )


@strawberry.input(description="Which incidents to list. Every filter given must hold.")
class IncidentFilter:
    start: dt.date | None = strawberry.field(
        default=None, name="from", description="Only incidents on or after this day (UTC)."
    )
    end: dt.date | None = strawberry.field(
        default=None, name="to", description="Only incidents on or before this day (UTC)."
    )
    categories: list[str] | None = strawberry.field(
        default=None,
        description="Only incidents of these categories (physical, coercive_control, stalking_harassment...).",
    )
    agency: str | None = strawberry.field(default=None, description="Only incidents this agency recorded (code).")


@strawberry.enum(description="The order of an incident listing.")
class IncidentOrder(Enum):
    OCCURRED_AT_DESC = strawberry.enum_value("OCCURRED_AT_DESC", description="Newest first (the default).")
    OCCURRED_AT_ASC = strawberry.enum_value("OCCURRED_AT_ASC", description="Oldest first.")
