"""Partner writes: ``submitRecords`` takes records in the partner format for the caller's own agency."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.scalars import JSON
from strawberry.types import Info

from hub.access import submissions


@strawberry.type(description="What became of one submitted record.")
class RecordOutcome:
    index: int = strawberry.field(description="Position in the submitted list, from 0.")
    type: str | None
    local_id: str | None
    accepted: bool
    reason: str | None = strawberry.field(description="Why it was refused: the field and the problem.")


@strawberry.type(description="The receipt for a submission. Re-submitting the same records changes nothing.")
class SubmissionReceipt:
    submission: str | None = strawberry.field(description="The submission's id, when anything was written.")
    accepted: int
    refused: int
    created: int
    updated: int
    unchanged: int
    stale: int
    withdrawn: int
    outcomes: list[RecordOutcome]


async def submit_records(info: Info, records: list[JSON]) -> SubmissionReceipt:
    context = info.context
    today = dt.datetime.now(dt.UTC).date()
    work_dir = context["settings"].data_dir / "tmp"
    report, outcomes = await run_in_threadpool(
        submissions.submit, context["access"], context["graph"], context["decider"], list(records), work_dir, today
    )
    summary: dict[str, Any] = report.summary() if report else {}
    accepted = sum(o.accepted for o in outcomes)
    return SubmissionReceipt(
        submission=summary.get("submission"),
        accepted=accepted,
        refused=len(outcomes) - accepted,
        **{k: summary.get(k, 0) for k in ("created", "updated", "unchanged", "stale", "withdrawn")},
        outcomes=[
            RecordOutcome(index=o.index, type=o.type, local_id=o.local_id, accepted=o.accepted, reason=o.reason)
            for o in outcomes
        ],
    )
