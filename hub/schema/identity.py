"""Identity review: the links that joined a person's records, with their evidence; analysts confirm or split them, and
every decision is audited and holds across re-runs of resolution."""

from __future__ import annotations

import datetime as dt
from enum import Enum

import strawberry

from hub.schema.serial import RecordRef


@strawberry.input(description="One agency's record of a person.")
class RecordInput:
    agency: str = strawberry.field(description="The code of the agency that holds the record.")
    local_id: str = strawberry.field(description="The agency's own reference for the person.")


@strawberry.enum(description="What the analyst decided about two records.")
class IdentityDecisionKind(Enum):
    CONFIRM = strawberry.enum_value("confirm", description="The two records are the same person.")
    SPLIT = strawberry.enum_value("split", description="The two records are different people.")


@strawberry.type(description="A recorded identity decision; it applies from the next `hub resolve` run.")
class IdentityDecisionReceipt:
    id: strawberry.ID = strawberry.field(description="The decision's id.")
    decision: IdentityDecisionKind = strawberry.field(description="What was decided.")
    records: list[str] = strawberry.field(description="The two records' keys (`agency:localId`).")
    at: dt.datetime = strawberry.field(description="When it was recorded.")


@strawberry.type(description="One comparison of two records as identity resolution scored it.")
class ComparisonEvidence:
    comparison: str = strawberry.field(
        description="What was compared: `given_name`, `family_name`, `dob`, `postcode`, `gender`, `national_id`, "
        "`neighbours` (a shared partner, child or other party)."
    )
    level: str = strawberry.field(description="How well they agreed, as the model names it (`exact`, `typo`...).")
    match_weight: float | None = strawberry.field(
        description="How much that level counted (log2 Bayes factor; positive for, negative against)."
    )
    # the catalogue fields the comparison is computed from: what showing it discloses, for the audit event
    fields: strawberry.Private[tuple[str, ...]] = ()


@strawberry.type(
    description="The link that joined one of a person's records to the person: the other record of the pair and "
    "the evidence. Shown only where the caller sees both records with their local ids; a comparison only where the "
    "agreement shares its fields as recorded."
)
class IdentityLink:
    record: RecordRef = strawberry.field(description="The record this link joined.")
    linked_with: RecordRef = strawberry.field(description="The other record of the pair that joined it.")
    match_probability: float | None = strawberry.field(
        description="The pair's match probability (1.0 for an analyst's confirmation)."
    )
    method: str = strawberry.field(
        description="How the pair was joined: `splink` (the model's score), `rule` (a deterministic rule for records "
        "without a date of birth) or `decision` (an analyst confirmed it)."
    )
    rule: str | None = strawberry.field(description="The deterministic rule that made the join, in words, if any.")
    comparisons: list[ComparisonEvidence] = strawberry.field(
        description="Each comparison's level and match weight, those the caller's agreement lets it see."
    )
    subject: strawberry.Private[str] = ""  # the resolved person, for the audit event
    rule_fields: strawberry.Private[tuple[str, ...]] = ()
