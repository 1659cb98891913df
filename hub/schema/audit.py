"""The audit trail over GraphQL, for auditors acting under the audit purpose: events and subject access reports.

A subject access report proves itself: each access carries its inclusion proof against the report's signed tree head,
and ``document`` is the whole report as the JSON file ``hub audit prove`` checks offline (``hub.audit.reports``).
"""

from __future__ import annotations

import datetime as dt
import json
from functools import partial
from typing import Annotated

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from hub.audit import AuditEvent, AuditLog
from hub.audit.heads import TreeHead
from hub.audit.reports import build_report
from hub.exceptions import BadRequest

MAX_PAGE = 500


@strawberry.type(description="One request to the hub: who asked, for what, under which agreement, what was decided.")
class AuditEntry:
    position: int = strawberry.field(description="Position in the hash chain.")
    at: dt.datetime = strawberry.field(description="When the request was decided.")
    subject: str = strawberry.field(description="Who asked: the token's subject (`unauthenticated` without one).")
    agency: str = strawberry.field(description="The caller's agency.")
    client: str | None = strawberry.field(description="The partner system's client id, for client credentials tokens.")
    roles: list[str] = strawberry.field(description="The caller's roles.")
    purpose: str | None = strawberry.field(description="The purpose the caller declared.")
    agreement: str | None = strawberry.field(description="The agreement that decided the request.")
    agreement_version: str | None = strawberry.field(description="Its version.")
    justification: str | None = strawberry.field(description="The case reference the caller gave.")
    operation: str | None = strawberry.field(description="The GraphQL operation name, if any.")
    query_hash: str | None = strawberry.field(description="SHA-256 of the query text.")
    decision: str = strawberry.field(description="`allow` or `deny`.")
    reasons: list[str] = strawberry.field(description="Why, in words.")
    persons: list[strawberry.ID] = strawberry.field(description="Resolved people whose data was disclosed.")
    fields: list[str] = strawberry.field(description="Catalogue fields disclosed (`entity.field`).")
    trace_id: str | None = strawberry.field(description="The request's trace id (W3C traceparent).")
    inclusion_proof: list[str] | None = strawberry.field(
        default=None,
        description="In a subject access report: the audit path (hex SHA-256 hashes, RFC 9162 order) proving that this "
        "event is leaf `position - 1` of the report's signed tree head; null elsewhere.",
    )

    @classmethod
    def of(cls, position: int, e: AuditEvent, inclusion_proof: list[str] | None = None) -> AuditEntry:
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
            inclusion_proof=inclusion_proof,
        )


@strawberry.type(description="A page of audit events, oldest first; pass `next` as `after` for the following page.")
class AuditPage:
    events: list[AuditEntry] = strawberry.field(description="The events of this page, oldest first.")
    next: int | None = strawberry.field(description="Pass as `after` for the next page; null on the last page.")


@strawberry.type(
    description="A signed tree head (RFC 6962): the hub's signed statement that the audit trail's first `treeSize` "
    "events have the Merkle root `rootHash`."
)
class SignedTreeHead:
    tree_size: int = strawberry.field(description="How many events the tree covers.")
    root_hash: str = strawberry.field(description="The Merkle tree's root (hex SHA-256).")
    timestamp: str = strawberry.field(description="When the head was signed (UTC).")
    key_id: str = strawberry.field(description="SHA-256 of the signing key's DER public key (hex).")
    signature: str = strawberry.field(description="Ed25519 signature (base64) over the head, as `json` documents.")
    json: str = strawberry.field(description="The head as the JSON `hub audit checkpoint` writes and verify reads.")

    @classmethod
    def of(cls, head: TreeHead) -> SignedTreeHead:
        return cls(
            tree_size=head.size,
            root_hash=head.root.hex(),
            timestamp=head.timestamp,
            key_id=head.key_id,
            signature=head.to_json()["signature"],
            json=head.dumps(),
        )


@strawberry.type(description="Who accessed a person's data, when, under which agreement and why (UK GDPR Art. 15).")
class SubjectAccessReport:
    person_id: strawberry.ID = strawberry.field(description="The resolved person the report is about.")
    generated_at: dt.datetime = strawberry.field(description="When the report was made.")
    accesses: list[AuditEntry] = strawberry.field(
        description="Every request that disclosed their data, oldest first, each with its inclusion proof."
    )
    head: SignedTreeHead | None = strawberry.field(
        description="The signed tree head every inclusion proof is checked against (null only while the trail is "
        "empty)."
    )
    consistency_proof: list[str] | None = strawberry.field(
        description="With `consistencyFrom`: the proof (hex hashes) that `head` extends the tree of that size."
    )
    document: str = strawberry.field(
        description="The whole report as JSON, for the data subject's adviser: `hub audit prove FILE --public-key PEM` "
        "checks it offline, without trusting the hub."
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
    first: Annotated[int, strawberry.argument(description=f"How many, 1 to {MAX_PAGE}.")] = 100,
    after: Annotated[int | None, strawberry.argument(description="A previous page's `next`.")] = None,
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
    info.context["access"].require_audit()
    log: AuditLog = info.context["audit_log"]
    rows: list[tuple[int, AuditEvent]] = []
    after = None
    while True:
        page = await run_in_threadpool(partial(log.query, person=str(person_id), limit=MAX_PAGE, after_seq=after))
        rows.extend(page)
        if len(page) < MAX_PAGE:
            break
        after = page[-1][0]
    try:
        report = await run_in_threadpool(
            partial(build_report, log, str(person_id), rows, consistency_from=consistency_from)
        )
    except ValueError as exc:
        raise BadRequest(str(exc)) from exc
    proofs = [access["inclusion_proof"] for access in report["accesses"]]
    consistency = report.get("consistency")
    return SubjectAccessReport(
        person_id=person_id,
        generated_at=dt.datetime.fromisoformat(report["generated_at"]),
        accesses=[AuditEntry.of(seq, e, proof) for (seq, e), proof in zip(rows, proofs, strict=True)],
        head=SignedTreeHead.of(TreeHead.from_json(report["head"])) if report["head"] else None,
        consistency_proof=consistency["proof"] if consistency else None,
        document=json.dumps(report, indent=2, sort_keys=True),
    )
