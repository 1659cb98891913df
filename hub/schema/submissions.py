"""Partner writes: ``submitRecords`` takes records in the partner format for the caller's own agency, in one call or
as the batches of a submission opened with ``openSubmission`` and closed with ``closeSubmission``."""

from __future__ import annotations

import datetime as dt

import strawberry


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
