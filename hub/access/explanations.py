"""The policy in words for the caller itself: which purposes it may declare, and why a record type or field is or
is not shared with it. Non-personal: nothing here reads the graph.

The words are those of ``hub agreements explain`` (``hub.policy.explain``); the verdict is the request's own Cedar
grant, and the two are held to agree (a disagreement is a hub bug, answered as INTERNAL, never papered over).
Anonymous callers are refused (FORBIDDEN, "not authenticated"), as every other caller-specific field refuses them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from graph.model import RECORD_TYPES
from hub.access.context import Access, BadRequest, Forbidden
from hub.policy import AgreementSet, explain_field, why_not
from hub.policy.agreements import Agreement
from hub.policy.catalogue import FIELDS

NO_PURPOSE = "no purpose declared (send the X-Purpose header)"  # the words the decider uses


@dataclass(frozen=True)
class AgreementVersion:
    id: str
    version: int
    title: str

    @classmethod
    def of(cls, agreement: Agreement | None) -> AgreementVersion | None:
        return None if agreement is None else cls(agreement.id, agreement.version, agreement.title)


@dataclass(frozen=True)
class Explanation:
    allowed: bool
    reasons: tuple[str, ...]
    field: str  # the catalogue key explained (``incident.victims``)
    source: str
    purpose: str | None
    agreement: AgreementVersion | None


@dataclass(frozen=True)
class PurposeOption:
    code: str
    description: str
    access: str
    agreement: AgreementVersion
    justification_required: bool
    justification_pattern: str | None
    justification_description: str | None


def _asker(access: Access) -> tuple[str, frozenset[str]]:
    if access.principal is None:
        raise Forbidden(access.grant.reasons)
    return access.principal.agency, access.principal.roles


def explain(
    access: Access, agreements: AgreementSet, record_type: str, field: str | None, agency: str | None
) -> Explanation:
    """Why ``record_type`` (or one of its fields) from ``agency`` (default: the caller's own) is or is not shared
    with the caller under its declared purpose and justification. Without a field, a record type is shared when any
    of its fields is: the words are those for the first shared field (its reference, ``local_id``, where shared),
    else those for its reference."""
    mine, roles = _asker(access)
    if record_type not in RECORD_TYPES:
        raise BadRequest(f"unknown record type (known: {', '.join(RECORD_TYPES)})")
    keys = [k for k, f in FIELDS.items() if f.entity == record_type]
    if field is not None and f"{record_type}.{field}" not in FIELDS:
        names = ", ".join(FIELDS[k].name for k in keys)
        raise BadRequest(f"unknown field of {record_type} (known: {names})")
    source = agency if agency is not None else mine
    if not source or len(source) > 100 or not source.isprintable():
        raise BadRequest("an agency is a code of at most 100 printable characters")
    key = f"{record_type}.{field}" if field is not None else f"{record_type}.local_id"
    purpose, grant = access.purpose, access.grant
    if access.problems or not purpose:
        return Explanation(False, access.problems or (NO_PURPOSE,), key, source, purpose, None)
    if field is None:  # the first shared field of the type stands for it
        key = next((k for k in keys if grant.may_see(record_type, FIELDS[k].name, source)), key)
    allowed, reasons = explain_field(
        agreements,
        agency=mine,
        roles=roles,
        purpose=purpose,
        field=key,
        source=source,
        justification=access.justification or "",
        today=grant.today,
    )
    if allowed != grant.may_see(record_type, FIELDS[key].name, source):
        raise RuntimeError("the explanation and the Cedar decision disagree")
    governing = AgreementVersion.of(agreements.for_purpose(purpose, grant.today))
    return Explanation(allowed, tuple(reasons), key, source, purpose, governing)


def purposes(access: Access, agreements: AgreementSet, today: dt.date) -> list[PurposeOption]:
    """The purposes the caller's agency and roles may declare today (and its token allows), each with the agreement
    version that governs it and what a justification must look like; asked before any purpose is declared."""
    agency, roles = _asker(access)
    allowed = access.principal.purposes if access.principal is not None else frozenset()
    out = []
    for agreement in sorted(agreements.in_force(today), key=lambda a: a.id):
        version = AgreementVersion(agreement.id, agreement.version, agreement.title)
        for code, terms in sorted(agreement.purposes.items()):
            if allowed and code not in allowed:
                continue
            just = terms.justification
            # a justification of the required shape, so that only the caller's agency and roles are judged
            sample = (just.like or "x").replace("*", "0") if just.required else ""
            if why_not(agreements, agency, roles, code, sample, today):
                continue
            out.append(
                PurposeOption(code, terms.description, terms.access, version, just.required, just.like, just.describe)
            )
    return out
