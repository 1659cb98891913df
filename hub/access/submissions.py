"""Partner writes: an agency submits its own records, of the types an agreement in force lets it contribute.

Records go through the same validation and idempotent write as ``hub ingest``; the per-record outcome says why any
was refused. A record claiming another agency is refused here, before validation, whatever the token's roles.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from graph.ingest import IngestReport, ingest_file
from graph.store import Graph
from hub.access.context import Access, BadRequest, Forbidden
from hub.policy import Asker, Decider
from hub.policy.cedar import SUBMITTER_ROLE

MAX_RECORDS = 10_000


@dataclass(frozen=True)
class Outcome:
    index: int  # position in the submitted list, from 0
    type: str | None
    local_id: str | None
    accepted: bool
    reason: str | None = None


def submit(
    access: Access, graph: Graph, decider: Decider, records: list[Any], work_dir: Path, today: dt.date
) -> tuple[IngestReport | None, list[Outcome]]:
    principal = access.principal
    if principal is None:
        raise Forbidden(("not authenticated: send a bearer token",))
    if len(records) > MAX_RECORDS:
        raise BadRequest(f"at most {MAX_RECORDS} records per call; split the submission")
    allowed = decider.submittable(Asker(principal.subject, principal.agency, principal.roles), today)
    if not allowed:
        raise Forbidden(
            (
                f"no agreement in force lets {principal.agency!r} submit records (partner systems need the "
                f"{SUBMITTER_ROLE!r} role and a party entry that contributes the record type)",
            )
        )
    outcomes: dict[int, Outcome] = {}
    kept: list[int] = []
    for i, record in enumerate(records):
        kind = record.get("type") if isinstance(record, dict) else None
        local_id = record.get("local_id") if isinstance(record, dict) else None
        if not isinstance(record, dict):
            outcomes[i] = Outcome(i, None, None, False, "not a JSON object")
        elif record.get("agency") != principal.agency:
            reason = f"an agency submits only its own records ({principal.agency})"
            outcomes[i] = Outcome(i, kind, local_id, False, reason)
        elif kind not in allowed:
            outcomes[i] = Outcome(i, kind, local_id, False, f"no agreement in force lets the agency submit {kind!r}")
        else:
            kept.append(i)
    report = None
    if kept:
        work_dir.mkdir(parents=True, exist_ok=True)
        path = work_dir / f"submission-{uuid.uuid4().hex}.jsonl"
        try:
            path.write_bytes(b"\n".join(orjson.dumps(records[i]) for i in kept) + b"\n")
            report = ingest_file(graph, path, principal.agency)
        finally:
            path.unlink(missing_ok=True)
        rejected = {r.line: r for r in report.rejects}
        for line, i in enumerate(kept, start=1):
            r = rejected.get(line)
            kind, local_id = records[i].get("type"), records[i].get("local_id")
            problem = f"{r.field}: {r.reason}" if r else None
            outcomes[i] = Outcome(i, kind, local_id if isinstance(local_id, str) else None, r is None, problem)
    results = [outcomes[i] for i in range(len(records))]
    accepted = sum(o.accepted for o in results)
    access.notes.append(f"records submitted: {len(records)}, accepted: {accepted}, refused: {len(records) - accepted}")
    return report, results
