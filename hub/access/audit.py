"""The audit trail for auditors: pages of events and subject access reports with their proofs, under an audit grant.

The trail is read only for a caller whose grant gives the audit purpose (``require_audit``); anyone else gets
``FORBIDDEN`` before the trail is touched.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from hub.access.context import Access
from hub.audit import AuditEvent, AuditLog
from hub.audit.heads import TreeHead
from hub.audit.reports import build_report
from hub.exceptions import BadRequest

MAX_PAGE = 500

__all__ = ["MAX_PAGE", "AuditEvent", "Report", "TreeHead", "events_page", "subject_report"]


def events_page(
    access: Access,
    log: AuditLog,
    *,
    person: str | None,
    subject: str | None,
    agency: str | None,
    purpose: str | None,
    since: dt.datetime | None,
    until: dt.datetime | None,
    first: int,
    after: int | None,
) -> tuple[list[tuple[int, AuditEvent]], int | None]:
    """A page of events matching every filter (1 to ``MAX_PAGE``), and the position to continue after, if any."""
    access.require_audit()
    limit = max(1, min(first, MAX_PAGE))
    rows = log.query(
        person=person,
        subject=subject,
        agency=agency,
        purpose=purpose,
        since=since,
        until=until,
        limit=limit + 1,
        after_seq=after,
    )
    page = rows[:limit]
    return page, page[-1][0] if len(rows) > limit else None


@dataclass(frozen=True)
class Report:
    """A subject access report: each access with its inclusion proof against ``head``, and the whole document."""

    accesses: list[tuple[int, AuditEvent, list[str]]]
    head: TreeHead | None
    consistency_proof: list[str] | None
    generated_at: dt.datetime
    document: dict[str, Any]


def subject_report(access: Access, log: AuditLog, person: str, consistency_from: int | None) -> Report:
    """Every access to ``person``'s data, oldest first, with the proofs ``hub audit prove`` checks offline."""
    access.require_audit()
    rows: list[tuple[int, AuditEvent]] = []
    after = None
    while True:
        page = log.query(person=person, limit=MAX_PAGE, after_seq=after)
        rows.extend(page)
        if len(page) < MAX_PAGE:
            break
        after = page[-1][0]
    try:
        report = build_report(log, person, rows, consistency_from=consistency_from)
    except ValueError as exc:
        raise BadRequest(str(exc)) from exc
    proofs = [item["inclusion_proof"] for item in report["accesses"]]
    consistency = report.get("consistency")
    return Report(
        accesses=[(seq, event, proof) for (seq, event), proof in zip(rows, proofs, strict=True)],
        head=TreeHead.from_json(report["head"]) if report["head"] else None,
        consistency_proof=consistency["proof"] if consistency else None,
        generated_at=dt.datetime.fromisoformat(report["generated_at"]),
        document=report,
    )
