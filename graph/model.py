"""The graph model of partner records, as data.

Every partner record becomes one node, labelled by its type and keyed by ``agency:local_id`` (the
agency code cannot contain a colon, so keys never collide across agencies). References to people
become relationships from the record to the same agency's ``PersonRecord``. Per-agency person
records stay separate from the resolved ``Person`` nodes that identity resolution links them to.

Provenance on every record node: ``agency``, ``local_id``, ``recorded_at`` (the agency's clock),
``first_ingested_at`` and ``ingested_at`` (ours), ``submission`` (the submission that last
changed it), ``version``, ``hash`` of the submitted line and ``source`` (the line itself, as
canonical JSON). A change keeps the previous state as a ``RecordVersion``; a withdrawal
(``deleted: true``) marks the node and keeps it, its edges and its versions.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RecordType:
    name: str  # the partner format's `type`
    label: str  # the node label
    references: dict[str, str]  # field holding person local_id(s) -> relationship type


RECORD_TYPES: dict[str, RecordType] = {
    t.name: t
    for t in (
        RecordType("person", "PersonRecord", {}),
        RecordType("relationship", "Relationship", {"person": "PERSON", "other": "OTHER"}),
        RecordType(
            "incident",
            "Incident",
            {"perpetrators": "PERPETRATOR", "victims": "VICTIM", "children_present": "CHILD_PRESENT"},
        ),
        RecordType("risk_assessment", "RiskAssessment", {"subject": "SUBJECT"}),
        RecordType("order", "ProtectiveOrder", {"subject": "SUBJECT", "protected": "PROTECTS"}),
        RecordType("referral", "Referral", {"subject": "SUBJECT"}),
        RecordType("disclosure", "Disclosure", {"subject": "SUBJECT", "recipient": "RECIPIENT"}),
        RecordType("support_need", "SupportNeed", {"subject": "SUBJECT"}),
    )
}

PERSON = RECORD_TYPES["person"]
RECORD_LABELS = tuple(t.label for t in RECORD_TYPES.values())
REFERENCE_TYPES = tuple(sorted({rel for t in RECORD_TYPES.values() for rel in t.references.values()}))

# Non-record nodes
AGENCY = "Agency"
SUBMISSION = "Submission"
VERSION = "RecordVersion"
RESOLVED_PERSON = "Person"

# Well-known national identifiers are lifted out of the `identifiers` map (maps cannot be
# properties) so that identity resolution can index them; the full map stays in `source`.
LIFTED_IDENTIFIERS = ("pnc_id", "nhs_number", "ni_number", "probation_crn")

# Properties the hub writes itself; a partner field of the same name never overwrites them.
PROVENANCE = frozenset(
    {
        "key",
        "agency",
        "local_id",
        "recorded_at",
        "deleted",
        "first_ingested_at",
        "ingested_at",
        "withdrawn_at",
        "submission",
        "version",
        "hash",
        "source",
    }
)


def record_key(agency: str, local_id: str) -> str:
    return f"{agency}:{local_id}"
