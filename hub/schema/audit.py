"""The audit trail over GraphQL, for auditors acting under the audit purpose: events and subject access reports.

A subject access report proves itself: each access carries its inclusion proof against the report's signed tree head,
and ``document`` is the whole report as the JSON file ``hub audit prove`` checks offline (``hub.audit.reports``).
"""

from __future__ import annotations

import datetime as dt

import strawberry


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
