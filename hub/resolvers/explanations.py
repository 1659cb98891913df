"""The policy in words: the purposes a caller may declare, and why something is or is not shared with it."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from hub.access import explanations
from hub.access.explanations import AgreementVersion
from hub.schema.explanations import AgreementRef, Explanation, PurposeOption


def _agreement(agreement: AgreementVersion) -> AgreementRef:
    return AgreementRef(id=agreement.id, version=agreement.version, title=agreement.title)


def purpose_options(info: Info) -> list[PurposeOption]:
    access = info.context["access"]
    found = explanations.purposes(access, info.context["decider"].agreements, access.grant.today)
    return [
        PurposeOption(
            code=p.code,
            description=p.description,
            access=p.access,
            agreement=_agreement(p.agreement),
            justification_required=p.justification_required,
            justification_pattern=p.justification_pattern,
            justification_description=p.justification_description,
        )
        for p in found
    ]


def explain(
    info: Info,
    record_type: Annotated[str, strawberry.argument(description="The record type (`incident`, `person`...).")],
    field: Annotated[
        str | None, strawberry.argument(description="One of its fields (`victims`, `dob`...); none: the type.")
    ] = None,
    agency: Annotated[
        str | None, strawberry.argument(description="The source agency (default: the caller's own).")
    ] = None,
) -> Explanation:
    found = explanations.explain(info.context["access"], info.context["decider"].agreements, record_type, field, agency)
    return Explanation(
        allowed=found.allowed,
        reasons=list(found.reasons),
        field=found.field,
        source=found.source,
        purpose=found.purpose,
        agreement=_agreement(found.agreement) if found.agreement is not None else None,
    )
