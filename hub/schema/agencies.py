"""Agencies: the partnership's directory, a federation entity keyed by code. Non-personal: any caller may read it."""

from __future__ import annotations

import datetime as dt
from enum import Enum

import strawberry


@strawberry.enum(description="What kind of organisation an agency is.")
class AgencySector(Enum):
    POLICE = strawberry.enum_value("police", description="A police force.")
    PROBATION = strawberry.enum_value("probation", description="The Probation Service.")
    HEALTH = strawberry.enum_value("health", description="NHS trusts and other health services.")
    CHILDRENS_SOCIAL_CARE = strawberry.enum_value("childrens_social_care", description="Children's social care.")
    ADULT_SOCIAL_CARE = strawberry.enum_value("adult_social_care", description="Adult social care.")
    HOUSING = strawberry.enum_value("housing", description="Housing providers.")
    VICTIM_SERVICES = strawberry.enum_value("victim_services", description="IDVA and other victim services.")
    EDUCATION = strawberry.enum_value("education", description="Schools (Operation Encompass).")
    PARTNERSHIP = strawberry.enum_value("partnership", description="The partnership board itself.")
    OTHER = strawberry.enum_value("other", description="Any other organisation.")


@strawberry.federation.type(
    keys=["code"],
    description="An agency of the partnership: police, probation, health, children's social care, housing, victim "
    "services, schools. Non-personal directory data; a federation entity keyed by `code` (an unknown code resolves to "
    "null).",
)
class Agency:
    code: strawberry.ID = strawberry.field(description="The agency's code, as agreements and records name it.")
    name: str | None = strawberry.field(description="The agency's name; null when no agreement or directory names it.")
    sector: AgencySector | None = strawberry.field(description="What kind of organisation it is; null when unknown.")
    first_submission_at: dt.datetime | None = strawberry.field(
        description="When its first submission of records reached the hub; null when it has submitted none."
    )
    agreements: list[str] = strawberry.field(
        description="The data-sharing agreements in force today that name it as a party (ids)."
    )
    contributes: list[str] = strawberry.field(
        description="The record types those agreements let it submit (`person`, `incident`...)."
    )
