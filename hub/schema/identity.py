"""Analysts confirm or split identity links; every decision is audited and holds across re-runs of resolution."""

from __future__ import annotations

import datetime as dt
from enum import Enum

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from hub.access import identity


@strawberry.input(description="One agency's record of a person.")
class RecordInput:
    agency: str
    local_id: str


@strawberry.enum(description="What the analyst decided about two records.")
class IdentityDecisionKind(Enum):
    CONFIRM = "confirm"
    SPLIT = "split"


@strawberry.type(description="A recorded identity decision; it applies from the next `hub resolve` run.")
class IdentityDecisionReceipt:
    id: strawberry.ID
    decision: IdentityDecisionKind
    records: list[str]
    at: dt.datetime


async def decide_identity(
    info: Info, a: RecordInput, b: RecordInput, decision: IdentityDecisionKind, reason: str
) -> IdentityDecisionReceipt:
    made = await run_in_threadpool(
        identity.decide,
        info.context["access"],
        info.context["graph"],
        (a.agency, a.local_id),
        (b.agency, b.local_id),
        decision.value,
        reason,
    )
    return IdentityDecisionReceipt(
        id=strawberry.ID(made.id), decision=IdentityDecisionKind(made.decision), records=[made.a, made.b], at=made.at
    )
