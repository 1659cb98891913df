"""Partner writes: records in one call, or a submission opened, sent in batches and closed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.scalars import JSON
from strawberry.types import Info

from hub.access import batches
from hub.access.batches import SubmissionState
from hub.schema.submissions import RecordOutcome, Submission, SubmissionBatch, SubmissionReceipt


def _submission(s: SubmissionState) -> Submission:
    return Submission(
        id=strawberry.ID(s.id),
        name=s.name,
        status=s.status,
        opened_at=s.opened_at,
        closed_at=s.closed_at,
        received=sum(b.size for b in s.batches),
        batches=[
            SubmissionBatch(offset=b.offset, size=b.size, accepted=b.counts["accepted"], refused=b.counts["refused"])
            for b in s.batches
        ],
        **s.totals(),
    )


async def _run(info: Info, work: Callable[..., Any], *args: Any) -> Any:
    """Run an access-layer call in a worker thread with the request's access, graph and policy."""
    c = info.context
    return await run_in_threadpool(work, c["access"], c["graph"], c["decider"], *args)


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


async def submit_records(
    info: Info,
    records: Annotated[
        list[JSON], strawberry.argument(description="Records in the partner format (JSON objects), at most 10,000.")
    ],
    submission: Annotated[
        strawberry.ID | None, strawberry.argument(description="Send the records as a batch of this open submission.")
    ] = None,
    offset: Annotated[
        int | None,
        strawberry.argument(description="With `submission`: the position of the batch's first record, from 0."),
    ] = None,
) -> SubmissionReceipt:
    work_dir = info.context["settings"].data_dir / "tmp"
    where = str(submission) if submission is not None else None
    receipt = await _run(info, batches.submit_records, list(records), where, offset, work_dir, _today())
    return SubmissionReceipt(
        submission=strawberry.ID(receipt.submission) if receipt.submission else None,
        offset=receipt.offset,
        resent=receipt.resent,
        **receipt.counts,
        outcomes=[
            RecordOutcome(index=o.index, type=o.type, local_id=o.local_id, accepted=o.accepted, reason=o.reason)
            for o in receipt.outcomes
        ],
    )


async def open_submission(
    info: Info,
    name: Annotated[str | None, strawberry.argument(description="A label for the partner's own use.")] = None,
) -> Submission:
    return _submission(await _run(info, batches.open_submission, name, _today()))


async def close_submission(
    info: Info,
    submission: Annotated[strawberry.ID, strawberry.argument(description="The submission to close.")],
    total: Annotated[
        int | None, strawberry.argument(description="How many records were sent; refused if any did not arrive.")
    ] = None,
) -> Submission:
    return _submission(await _run(info, batches.close_submission, str(submission), total, _today()))


async def submission_status(
    info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The submission's id.")]
) -> Submission | None:
    state = await _run(info, batches.status, str(id), _today())
    return _submission(state) if state else None
