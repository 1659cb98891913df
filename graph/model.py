"""The graph model of partner records, as data.

Every partner record becomes one node, labelled by its type and keyed by ``agency:local_id`` (the
agency code cannot contain a colon, so keys never collide across agencies). References to people
become relationships from the record to the same agency's ``PersonRecord``. Per-agency person
records stay separate from the resolved ``Person`` nodes that identity resolution links them to.

Provenance on every record node: ``agency``, ``local_id``, ``recorded_at`` (the agency's clock),
``submission`` (the ``Submission`` that last changed it, which holds our clock, the file and the
agency), ``version`` and the ``hash`` of the submitted record. Schema fields are typed properties
(dates and date-times as temporal values in UTC); the ``identifiers`` map and any fields the
format does not name are kept as JSON text (``identifiers``, ``extra``). A change keeps the
previous state as a ``RecordVersion`` (with ``superseded_at``); a withdrawal sets ``deleted`` and
``withdrawn_at`` and keeps the node, its edges and its versions. Current records are those
without ``deleted``.
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
# properties) so that identity resolution can index them; the whole map is kept as JSON text.
LIFTED_IDENTIFIERS = ("pnc_id", "nhs_number", "ni_number", "probation_crn")

# Properties the hub writes itself; a partner field of the same name never overwrites them.
PROVENANCE = frozenset(
    {
        "key",
        "agency",
        "local_id",
        "recorded_at",
        "deleted",
        "withdrawn_at",
        "submission",
        "version",
        "hash",
        "identifiers",
        "extra",
    }
)


def record_key(agency: str, local_id: str) -> str:
    return f"{agency}:{local_id}"
