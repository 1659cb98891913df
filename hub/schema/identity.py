"""Analysts confirm or split identity links; every decision is audited and holds across re-runs of resolution."""

from __future__ import annotations

import datetime as dt
from enum import Enum

import strawberry


@strawberry.input(description="One agency's record of a person.")
class RecordInput:
    agency: str = strawberry.field(description="The code of the agency that holds the record.")
    local_id: str = strawberry.field(description="The agency's own reference for the person.")


@strawberry.enum(description="What the analyst decided about two records.")
class IdentityDecisionKind(Enum):
    CONFIRM = strawberry.enum_value("confirm", description="The two records are the same person.")
    SPLIT = strawberry.enum_value("split", description="The two records are different people.")


@strawberry.type(description="A recorded identity decision; it applies from the next `hub resolve` run.")
class IdentityDecisionReceipt:
    id: strawberry.ID = strawberry.field(description="The decision's id.")
    decision: IdentityDecisionKind = strawberry.field(description="What was decided.")
    records: list[str] = strawberry.field(description="The two records' keys (`agency:localId`).")
    at: dt.datetime = strawberry.field(description="When it was recorded.")
