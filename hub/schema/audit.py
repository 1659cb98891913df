"""The audit trail over GraphQL, for auditors acting under the audit purpose: events and subject access reports."""

from __future__ import annotations

import datetime as dt
from functools import partial

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from hub.audit import AuditEvent, AuditLog

MAX_PAGE = 500


@strawberry.type(description="One request to the hub: who asked, for what, under which agreement, what was decided.")
class AuditEntry:
    position: int = strawberry.field(description="Position in the hash chain.")
    at: dt.datetime
    subject: str
    agency: str
    client: str | None
    roles: list[str]
    purpose: str | None
    agreement: str | None
    agreement_version: str | None
    justification: str | None
    operation: str | None
    query_hash: str | None
    decision: str
    reasons: list[str]
    persons: list[strawberry.ID] = strawberry.field(description="Resolved people whose data was disclosed.")
    fields: list[str] = strawberry.field(description="Catalogue fields disclosed (`entity.field`).")
    trace_id: str | None

    @classmethod
    def of(cls, position: int, e: AuditEvent) -> AuditEntry:
        return cls(
            position=position,
            at=e.at,
            subject=e.subject,
            agency=e.agency,
            client=e.client,
            roles=list(e.roles),
            purpose=e.purpose,
            agreement=e.agreement,
            agreement_version=e.agreement_version,
            justification=e.justification,
            operation=e.operation,
            query_hash=e.query_hash,
            decision=e.decision,
            reasons=list(e.reasons),
            persons=[strawberry.ID(p) for p in e.persons],
            fields=list(e.fields),
            trace_id=e.trace_id,
        )


@strawberry.type(description="A page of audit events, oldest first; pass `next` as `after` for the following page.")
class AuditPage:
    events: list[AuditEntry]
    next: int | None


@strawberry.type(description="Who accessed a person's data, when, under which agreement and why (UK GDPR Art. 15).")
class SubjectAccessReport:
    person_id: strawberry.ID
    generated_at: dt.datetime
    accesses: list[AuditEntry]


async def audit_events(
    info: Info,
    person: strawberry.ID | None = None,
    subject: str | None = None,
    agency: str | None = None,
    purpose: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    first: int = 100,
    after: int | None = None,
) -> AuditPage:
    info.context["access"].require_audit()
    log: AuditLog = info.context["audit_log"]
    limit = max(1, min(first, MAX_PAGE))
    rows = await run_in_threadpool(
        lambda: log.query(
            person=str(person) if person else None,
            subject=subject,
            agency=agency,
            purpose=purpose,
            since=since,
            until=until,
            limit=limit + 1,
            after_seq=after,
        )
    )
    page = rows[:limit]
    return AuditPage(events=[AuditEntry.of(seq, e) for seq, e in page], next=page[-1][0] if len(rows) > limit else None)


async def subject_access_report(info: Info, person_id: strawberry.ID) -> SubjectAccessReport:
    info.context["access"].require_audit()
    log: AuditLog = info.context["audit_log"]
    found: list[AuditEntry] = []
    after = None
    while True:
        rows = await run_in_threadpool(partial(log.query, person=str(person_id), limit=MAX_PAGE, after_seq=after))
        found.extend(AuditEntry.of(seq, e) for seq, e in rows)
        if len(rows) < MAX_PAGE:
            break
        after = rows[-1][0]
    return SubjectAccessReport(person_id=person_id, generated_at=dt.datetime.now(dt.UTC), accesses=found)
