"""The audit trail for auditors: a page of events, and a subject access report that proves itself."""

from __future__ import annotations

import datetime as dt
import json
from functools import partial
from typing import Annotated

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from hub.access import audit
from hub.access.audit import AuditEvent, TreeHead
from hub.schema.audit import AuditEntry, AuditPage, SignedTreeHead, SubjectAccessReport


def _entry(position: int, e: AuditEvent, inclusion_proof: list[str] | None = None) -> AuditEntry:
    return AuditEntry(
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
        inclusion_proof=inclusion_proof,
    )


def _head(head: TreeHead) -> SignedTreeHead:
    return SignedTreeHead(
        tree_size=head.size,
        root_hash=head.root.hex(),
        timestamp=head.timestamp,
        key_id=head.key_id,
        signature=head.to_json()["signature"],
        json=head.dumps(),
    )


async def audit_events(
    info: Info,
    person: Annotated[
        strawberry.ID | None, strawberry.argument(description="Only events that disclosed this person's data.")
    ] = None,
    subject: Annotated[str | None, strawberry.argument(description="Only this caller's events.")] = None,
    agency: Annotated[str | None, strawberry.argument(description="Only callers from this agency.")] = None,
    purpose: Annotated[str | None, strawberry.argument(description="Only requests for this purpose.")] = None,
    since: Annotated[dt.datetime | None, strawberry.argument(description="Only events at or after this.")] = None,
    until: Annotated[dt.datetime | None, strawberry.argument(description="Only events before this.")] = None,
    first: Annotated[int, strawberry.argument(description=f"How many, 1 to {audit.MAX_PAGE}.")] = 100,
    after: Annotated[int | None, strawberry.argument(description="A previous page's `next`.")] = None,
) -> AuditPage:
    page, following = await run_in_threadpool(
        partial(
            audit.events_page,
            info.context["access"],
            info.context["audit_log"],
            person=str(person) if person else None,
            subject=subject,
            agency=agency,
            purpose=purpose,
            since=since,
            until=until,
            first=first,
            after=after,
        )
    )
    return AuditPage(events=[_entry(seq, e) for seq, e in page], next=following)


async def subject_access_report(
    info: Info,
    person_id: Annotated[strawberry.ID, strawberry.argument(description="The resolved person.")],
    consistency_from: Annotated[
        int | None,
        strawberry.argument(
            description="The size of a signed tree head the reader already holds: the report then proves that its own "
            "head extends it."
        ),
    ] = None,
) -> SubjectAccessReport:
    report = await run_in_threadpool(
        audit.subject_report, info.context["access"], info.context["audit_log"], str(person_id), consistency_from
    )
    return SubjectAccessReport(
        person_id=person_id,
        generated_at=report.generated_at,
        accesses=[_entry(seq, e, proof) for seq, e, proof in report.accesses],
        head=_head(report.head) if report.head else None,
        consistency_proof=report.consistency_proof,
        document=json.dumps(report.document, indent=2, sort_keys=True),
    )
