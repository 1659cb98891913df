"""Large partner submissions: opened, sent in batches of up to 10,000 records, closed.

Each batch is validated and written as it arrives, so a record may reference a person sent in an earlier batch (the
ingest checks references against the agency's records already in the hub). A batch names its offset in the whole
submission; one sent again (same offset, same records) is answered with its first receipt and writes nothing, so a
partner that lost a response simply sends the batch again. A batch overlapping another one is refused. Closing with
the total checks that no records went missing; a submission never closed stays 'open', its batches written.

Every call is decided by the same Cedar ``submit`` permits as a single ``submitRecords``, and notes what it did for
its one audit event. A submission belongs to its agency: another agency's looks exactly like one that does not exist.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import uuid
import zlib
from pathlib import Path
from typing import Any

from graph import submissions as store
from graph.store import Graph
from graph.submissions import SubmissionState
from hub.access.context import Access, BadRequest
from hub.access.submissions import Receipt, allowed_types, check_size, digest, note, replay, submit, write_batch
from hub.policy import Decider

_ID = re.compile(r"[0-9a-f]{32}")
# batches of one submission are taken one at a time (a retry racing its original must not write twice); striped so
# that the table stays small however many submissions the hub sees
_LOCKS = tuple(threading.Lock() for _ in range(64))


def submit_records(
    access: Access,
    graph: Graph,
    decider: Decider,
    records: list[Any],
    submission: str | None,
    offset: int | None,
    work_dir: Path,
    today: dt.date,
) -> Receipt:
    """``submitRecords``: the records of one call, or a batch of an open submission (which an offset needs)."""
    if submission is None:
        if offset not in (None, 0):
            raise BadRequest("an offset places a batch in a submission: name the submission")
        return submit(access, graph, decider, records, work_dir, today)
    return submit_batch(access, graph, decider, submission, offset, records, work_dir, today)


def open_submission(
    access: Access, graph: Graph, decider: Decider, name: str | None, today: dt.date
) -> SubmissionState:
    allowed_types(access, decider, today)
    agency = access.principal.agency  # type: ignore[union-attr]  # allowed_types refused anonymous callers
    if name is not None and (len(name) > 200 or not name.isprintable()):  # no NULs, no lone surrogates
        raise BadRequest("the submission's name must be printable text of at most 200 characters")
    submission = uuid.uuid4().hex
    store.open_submission(graph, submission=submission, agency=agency, name=name or "submission")
    access.notes.append(f"submission {submission} opened")
    return _own(graph, submission, agency)


def submit_batch(
    access: Access,
    graph: Graph,
    decider: Decider,
    submission: str,
    offset: int | None,
    records: list[Any],
    work_dir: Path,
    today: dt.date,
) -> Receipt:
    allowed = allowed_types(access, decider, today)
    agency = access.principal.agency  # type: ignore[union-attr]
    check_size(records)
    if offset is None or offset < 0:
        raise BadRequest("a batch names its offset: the position of its first record in the whole submission, from 0")
    with _lock(submission):
        state = _own(graph, submission, agency)
        sent = digest(records)
        for batch in state.batches:
            if (batch.offset, batch.size, batch.hash) == (offset, len(records), sent):
                receipt = replay(batch, submission, records)
                note(access, receipt)
                return receipt
            if batch.offset < offset + len(records) and offset < batch.offset + batch.size:
                raise BadRequest(
                    f"records {batch.offset} to {batch.offset + batch.size - 1} were received in another batch: "
                    "send that batch again exactly as it was, or continue after it"
                )
        if state.status != "open":
            raise BadRequest("the submission is closed: open a new one")
        receipt = write_batch(graph, agency, allowed, submission, offset, records, work_dir)
    note(access, receipt)
    return receipt


def close_submission(
    access: Access, graph: Graph, decider: Decider, submission: str, total: int | None, today: dt.date
) -> SubmissionState:
    allowed_types(access, decider, today)
    agency = access.principal.agency  # type: ignore[union-attr]
    with _lock(submission):
        state = _own(graph, submission, agency)
        if total is not None:
            missing = _gaps(state, total)
            if missing:
                raise BadRequest(f"not closed: records {', '.join(missing)} have not been received")
        if state.status == "open":  # closing again answers with the closed submission
            store.close(graph, state)
            state = _own(graph, submission, agency)
    access.notes.append(f"submission {submission} closed: {len(state.batches)} batches")
    return state


def status(access: Access, graph: Graph, decider: Decider, submission: str, today: dt.date) -> SubmissionState | None:
    allowed_types(access, decider, today)
    access.notes.append("submission status read")
    try:
        return _own(graph, submission, access.principal.agency)  # type: ignore[union-attr]
    except BadRequest:
        return None


def _own(graph: Graph, submission: str, agency: str) -> SubmissionState:
    state = store.find(graph, submission) if _ID.fullmatch(submission) else None
    if state is None or state.agency != agency:
        raise BadRequest("no such submission for this agency")
    return state


def _gaps(state: SubmissionState, total: int) -> list[str]:
    """The ranges of [0, total) that no batch covered (batches never overlap: ``submit_batch`` refuses that)."""
    if total < 0:
        raise BadRequest("the total is a number of records, 0 or more")
    gaps, at = [], 0
    for batch in state.batches:  # in offset order
        if batch.size and batch.offset > at:
            gaps.append(f"{at} to {batch.offset - 1}")
        at = max(at, batch.offset + batch.size)
    if at > total:
        raise BadRequest(f"not closed: records up to {at - 1} were received, beyond the total of {total}")
    if at < total:
        gaps.append(f"{at} to {total - 1}")
    return gaps


def _lock(submission: str) -> threading.Lock:
    return _LOCKS[zlib.crc32(submission.encode("utf-8", "replace")) % len(_LOCKS)]
