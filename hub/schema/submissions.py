"""Partner writes: ``submitRecords`` takes records in the partner format for the caller's own agency, in one call or
as the batches of a submission opened with ``openSubmission`` and closed with ``closeSubmission``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.scalars import JSON
from strawberry.types import Info

from graph.submissions import SubmissionState
from hub.access import batches, submissions
from hub.access.context import BadRequest


@strawberry.type(description="What became of one submitted record.")
class RecordOutcome:
    index: int = strawberry.field(description="Position in the whole submission, from 0 (offset + position in batch).")
    type: str | None = strawberry.field(description="The record's `type`, as sent.")
    local_id: str | None = strawberry.field(description="The record's `local_id`, as sent.")
    accepted: bool = strawberry.field(description="Valid and written (or already stored as sent).")
    reason: str | None = strawberry.field(description="Why it was refused: the field and the problem.")


@strawberry.type(description="The receipt for one call. Sending the same records again changes nothing.")
class SubmissionReceipt:
    submission: strawberry.ID | None = strawberry.field(description="The submission the records were written under.")
    offset: int = strawberry.field(description="Where this batch starts in the whole submission.")
    resent: bool = strawberry.field(
        description="True when this batch had been received already: nothing was written and this is its first receipt."
    )
    accepted: int = strawberry.field(description="Records accepted (written, or already stored as sent).")
    refused: int = strawberry.field(description="Records refused; their outcomes say why.")
    created: int = strawberry.field(description="Records new to the hub.")
    updated: int = strawberry.field(description="Records that changed a stored record (its previous state is kept).")
    unchanged: int = strawberry.field(description="Records identical to what was stored.")
    stale: int = strawberry.field(description="Older (by `recorded_at`) than the stored state, so ignored.")
    withdrawn: int = strawberry.field(description="Records withdrawn (`deleted: true`).")
    outcomes: list[RecordOutcome] = strawberry.field(description="One per record sent, in order.")


@strawberry.type(description="One batch a submission has received.")
class SubmissionBatch:
    offset: int = strawberry.field(description="Where the batch starts in the submission, from 0.")
    size: int = strawberry.field(description="How many records it held.")
    accepted: int = strawberry.field(description="Records of it accepted.")
    refused: int = strawberry.field(description="Records of it refused.")


@strawberry.type(description="A submission sent in batches: its status and what it has received so far.")
class Submission:
    id: strawberry.ID = strawberry.field(description="The submission's id: name it in `submitRecords`.")
    name: str | None = strawberry.field(description="The label the partner gave it.")
    status: str = strawberry.field(description="`open` until closed; an interrupted submission stays `open`.")
    opened_at: dt.datetime | None = strawberry.field(description="When it was opened.")
    closed_at: dt.datetime | None = strawberry.field(description="When it was closed; null while open.")
    received: int = strawberry.field(description="Records received in all batches.")
    batches: list[SubmissionBatch] = strawberry.field(description="The batches received, in offset order.")
    accepted: int = strawberry.field(description="Records accepted over all batches.")
    refused: int = strawberry.field(description="Records refused over all batches.")
    created: int = strawberry.field(description="Records new to the hub.")
    updated: int = strawberry.field(description="Records that changed a stored record.")
    unchanged: int = strawberry.field(description="Records identical to what was stored.")
    stale: int = strawberry.field(description="Records older than the stored state, so ignored.")
    withdrawn: int = strawberry.field(description="Records withdrawn.")

    @classmethod
    def of(cls, s: SubmissionState) -> Submission:
        return cls(
            id=strawberry.ID(s.id),
            name=s.name,
            status=s.status,
            opened_at=s.opened_at,
            closed_at=s.closed_at,
            received=sum(b.size for b in s.batches),
            batches=[
                SubmissionBatch(
                    offset=b.offset, size=b.size, accepted=b.counts["accepted"], refused=b.counts["refused"]
                )
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
    if submission is None and offset not in (None, 0):
        raise BadRequest("an offset places a batch in a submission: name the submission")
    if submission is None:
        receipt = await _run(info, submissions.submit, list(records), work_dir, _today())
    else:
        receipt = await _run(info, batches.submit_batch, str(submission), offset, list(records), work_dir, _today())
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
    return Submission.of(await _run(info, batches.open_submission, name, _today()))


async def close_submission(
    info: Info,
    submission: Annotated[strawberry.ID, strawberry.argument(description="The submission to close.")],
    total: Annotated[
        int | None, strawberry.argument(description="How many records were sent; refused if any did not arrive.")
    ] = None,
) -> Submission:
    return Submission.of(await _run(info, batches.close_submission, str(submission), total, _today()))


async def submission_status(
    info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The submission's id.")]
) -> Submission | None:
    state = await _run(info, batches.status, str(id), _today())
    return Submission.of(state) if state else None
