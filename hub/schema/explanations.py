"""The policy in words for the caller: the purposes it may declare, and why something is or is not shared with it.
Non-personal: no record is read to answer."""

from __future__ import annotations

import strawberry


@strawberry.type(description="One version of a data-sharing agreement.")
class AgreementRef:
    id: str = strawberry.field(description="The agreement's id (`tees-matac`).")
    version: int = strawberry.field(description="The version in force.")
    title: str = strawberry.field(description="The agreement's title.")


@strawberry.type(description="A purpose the caller may declare today (X-Purpose), under the agreement that governs it.")
class PurposeOption:
    code: str = strawberry.field(description="The purpose code to send as X-Purpose.")
    description: str = strawberry.field(description="What the purpose is for, in the agreement's words.")
    access: str = strawberry.field(description="`records`, `aggregates` or `audit`.")
    agreement: AgreementRef = strawberry.field(description="The agreement version that governs it today.")
    justification_required: bool = strawberry.field(description="Whether X-Justification must be sent.")
    justification_pattern: str | None = strawberry.field(
        description="The shape a justification must have, `*` standing for any text (`MATAC-*`)."
    )
    justification_description: str | None = strawberry.field(description="What the justification is, in words.")


@strawberry.type(
    description="Whether a record type or field from a source agency is shared with the caller under its declared "
    "purpose and justification, with the reasons in the words of `hub agreements explain`."
)
class Explanation:
    allowed: bool = strawberry.field(description="Whether it is shared (masked fields count as shared).")
    reasons: list[str] = strawberry.field(
        description="Why, in words: the agreement and purpose that share it with its masks and retention, or every "
        "condition that is not met."
    )
    field: str = strawberry.field(
        description="The catalogue field explained (`entity.field`); for a record type, the field that stands for it."
    )
    source: str = strawberry.field(description="The agency whose records were asked about.")
    purpose: str | None = strawberry.field(description="The declared purpose, if any.")
    agreement: AgreementRef | None = strawberry.field(
        description="The agreement version that governs the purpose today, if any."
    )
