"""Partner writes: an agency submits its own records, of the types an agreement in force lets it contribute.

Records go through the same validation and idempotent write as ``hub ingest``; the per-record outcome says why any
was refused. A record claiming another agency is refused here, before validation, whatever the token's roles.

A large submission is opened, sent in batches and closed (``hub.access.batches``). Each batch names its ``offset``,
the position of its first record in the whole submission, so outcomes carry whole-submission indexes and a batch
sent again is recognised and answered without writing. A call without a submission is a submission of one batch.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from graph import submissions as store
from graph.ingest import ingest_file
from graph.model import RECORD_TYPES
from graph.store import Graph
from hub.access.context import Access, BadRequest, Forbidden
from hub.policy import Asker, Decider
from hub.policy.cedar import SUBMITTER_ROLE

MAX_RECORDS = 10_000


@dataclass(frozen=True)
class Outcome:
    index: int  # position in the whole submission, from 0
    type: str | None
    local_id: str | None
    accepted: bool
    reason: str | None = None


@dataclass(frozen=True)
class Receipt:
    submission: str | None  # None when the call carried no records and opened nothing
    offset: int
    resent: bool  # the batch had been received already: nothing was written, this is its first receipt
    counts: dict[str, int]
    outcomes: list[Outcome]


def allowed_types(access: Access, decider: Decider, today: dt.date) -> frozenset[str]:
    """What the caller may submit (Cedar's ``submit`` permits), or Forbidden when nothing."""
    principal = access.principal
    if principal is None:
        raise Forbidden(("not authenticated: send a bearer token",))
    allowed = decider.submittable(Asker(principal.subject, principal.agency, principal.roles), today)
    if not allowed:
        raise Forbidden(
            (
                f"no agreement in force lets {principal.agency!r} submit records (partner systems need the "
                f"{SUBMITTER_ROLE!r} role and a party entry that contributes the record type)",
            )
        )
    return allowed


def submit(
    access: Access, graph: Graph, decider: Decider, records: list[Any], work_dir: Path, today: dt.date
) -> Receipt:
    """A submission of one call: opened, written and closed here."""
    allowed = allowed_types(access, decider, today)
    agency = access.principal.agency  # type: ignore[union-attr]  # allowed_types refused anonymous callers
    check_size(records)
    if not records:  # nothing to open a submission for
        receipt = Receipt(None, 0, False, dict.fromkeys(store.COUNTS, 0), [])
        note(access, receipt)
        return receipt
    submission = uuid.uuid4().hex
    store.open_submission(graph, submission=submission, agency=agency, name="submitRecords")
    receipt = write_batch(graph, agency, allowed, submission, 0, records, work_dir)
    state = store.find(graph, submission)
    assert state is not None
    store.close(graph, state)
    note(access, receipt)
    return receipt


def check_size(records: list[Any]) -> None:
    if len(records) > MAX_RECORDS:
        raise BadRequest(f"at most {MAX_RECORDS} records per call; open a submission and send it in batches")


def write_batch(
    graph: Graph,
    agency: str,
    allowed: frozenset[str],
    submission: str,
    offset: int,
    records: list[Any],
    work_dir: Path,
) -> Receipt:
    """Screen, validate and write one batch under ``submission``, and keep its receipt with the submission."""
    outcomes: dict[int, Outcome] = {}
    kept: list[int] = []
    for i, record in enumerate(records):
        kind, local_id = _text(record, "type"), _text(record, "local_id")
        if not isinstance(record, dict):
            outcomes[i] = Outcome(offset + i, None, None, False, "not a JSON object")
        elif record.get("agency") != agency:
            outcomes[i] = Outcome(
                offset + i, kind, local_id, False, f"an agency submits only its own records ({agency})"
            )
        elif kind not in allowed:
            known = kind in RECORD_TYPES
            reason = f"no agreement in force lets the agency submit {kind!r}" if known else "type: not a record type"
            outcomes[i] = Outcome(offset + i, kind, local_id, False, reason)
        else:
            kept.append(i)
    counts = dict.fromkeys(store.COUNTS, 0)
    if kept:
        work_dir.mkdir(parents=True, exist_ok=True)
        path = work_dir / f"submission-{uuid.uuid4().hex}.jsonl"
        try:
            path.write_bytes(b"\n".join(_line(records[i]) for i in kept) + b"\n")
            report = ingest_file(graph, path, agency, submission=submission)
        finally:
            path.unlink(missing_ok=True)
        rejected = {r.line: r for r in report.rejects}
        for line, i in enumerate(kept, start=1):
            r = rejected.get(line)
            problem = f"{r.field}: {r.reason}" if r else None
            outcomes[i] = Outcome(offset + i, _text(records[i], "type"), _text(records[i], "local_id"), not r, problem)
        counts.update((k, v) for k, v in report.summary().items() if k in counts)
    results = [outcomes[i] for i in range(len(records))]
    counts["accepted"] = sum(o.accepted for o in results)
    counts["refused"] = len(results) - counts["accepted"]
    refusals = tuple(store.Refusal(o.index, o.type, o.local_id, o.reason or "") for o in results if not o.accepted)
    store.add_batch(graph, submission, store.Batch(offset, len(records), digest(records), counts, refusals))
    return Receipt(submission, offset, False, counts, results)


def replay(batch: store.Batch, submission: str, records: list[Any]) -> Receipt:
    """The first receipt of a batch sent again, rebuilt from what was kept: its refusals and its counts."""
    refused = {r.index: r for r in batch.refusals}
    outcomes = []
    for i, record in enumerate(records, start=batch.offset):
        r = refused.get(i)
        outcomes.append(
            Outcome(i, r.type, r.local_id, False, r.reason)
            if r
            else Outcome(i, _text(record, "type"), _text(record, "local_id"), True)
        )
    return Receipt(submission, batch.offset, True, dict(batch.counts), outcomes)


def note(access: Access, receipt: Receipt) -> None:
    """What the call did, for its audit event (ids and counts only: nothing personal)."""
    c = receipt.counts
    where = f" (submission {receipt.submission}, offset {receipt.offset})" if receipt.submission else ""
    resent = "; a batch sent again, nothing written" if receipt.resent else ""
    size = c["accepted"] + c["refused"]
    access.notes.append(f"records submitted: {size}, accepted: {c['accepted']}, refused: {c['refused']}{where}{resent}")


def digest(records: list[Any]) -> str:
    return hashlib.sha256(b"\n".join(_line(r, sort=True) for r in records)).hexdigest()


def _line(record: Any, *, sort: bool = False) -> bytes:
    """One record as a JSON line. The standard library takes what orjson refuses (integers beyond 64 bits, lone
    surrogates, which it escapes): ingest then gives such a record its own reason rather than failing the call."""
    try:
        return orjson.dumps(record, option=orjson.OPT_SORT_KEYS if sort else None)
    except TypeError:
        return json.dumps(record, sort_keys=sort, separators=(",", ":")).encode()


def _text(record: Any, name: str) -> str | None:
    value = record.get(name) if isinstance(record, dict) else None
    return value if isinstance(value, str) else None
