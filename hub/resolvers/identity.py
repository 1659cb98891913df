"""Identity decisions: an analyst confirms or splits the link between two person records."""

from __future__ import annotations

from typing import Annotated

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from hub.access import identity
from hub.schema.identity import IdentityDecisionKind, IdentityDecisionReceipt, RecordInput


async def decide_identity(
    info: Info,
    a: Annotated[RecordInput, strawberry.argument(description="One person record.")],
    b: Annotated[RecordInput, strawberry.argument(description="The other person record.")],
    decision: Annotated[IdentityDecisionKind, strawberry.argument(description="Confirm or split the link.")],
    reason: Annotated[str, strawberry.argument(description="Why, for the audit trail.")],
) -> IdentityDecisionReceipt:
    made = await run_in_threadpool(
        identity.decide,
        info.context["access"],
        info.context["graph"],
        (a.agency, a.local_id),
        (b.agency, b.local_id),
        "confirm" if decision is IdentityDecisionKind.CONFIRM else "split",
        reason,
    )
    return IdentityDecisionReceipt(
        id=strawberry.ID(made.id), decision=IdentityDecisionKind(made.decision), records=[made.a, made.b], at=made.at
    )
