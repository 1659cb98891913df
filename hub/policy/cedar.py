"""Agreements compiled to Cedar policies, checked against a Cedar schema before the hub uses them.

Cedar decides; the compiled text is what an auditor can read to see exactly what the hub enforces (``hub agreements
compile``). One ``permit`` per agreement version, purpose and mask: a field shared with a mask has its own policy, so
the policy that allowed a field tells which obligation applies. Dates are compared as ``yyyymmdd`` numbers, so an
agreement authorises nothing before it takes effect, after it expires or once a later version replaces it. A
suspended or draft version compiles to no policy at all. Anything Cedar was not told to permit is denied.

Entities:  ``Hub::User`` (attributes ``agency``, ``roles``) asks to ``read`` or ``aggregate`` a ``Hub::Field``
(``"incident.occurred_at"``), to ``submit`` a ``Hub::RecordType`` or to ``audit`` the ``Hub::Trail``. The context
carries the declared ``purpose``, the ``justification`` (empty when none), ``today`` and the ``source`` agency whose
record the field comes from.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass

import cedarpy

from hub.policy.agreements import Agreement, AgreementSet, Purpose
from hub.policy.catalogue import FIELDS

SCHEMA = """
namespace Hub {
  type Context = { purpose: String, justification: String, today: Long, source: String };
  entity Agency;
  entity User in [Agency] { agency: String, roles: Set<String> };
  entity Field { entity: String, name: String, category: String, special: Bool };
  entity RecordType;
  entity Trail;
  action read, aggregate appliesTo { principal: User, resource: Field, context: Context };
  action submit appliesTo { principal: User, resource: RecordType, context: Context };
  action audit appliesTo { principal: User, resource: Trail, context: Context };
}
"""
SUBMITTER_ROLE = "submitter"  # the role a partner system's token carries to push its agency's records
_ACTION = {"records": "read", "aggregates": "aggregate", "audit": "audit"}


@dataclass(frozen=True)
class Rule:
    """What one compiled policy stands for: the agreement version, purpose and mask behind a permit."""

    agreement: Agreement
    purpose: Purpose | None  # None for a submit permit
    mask: str | None = None


@dataclass(frozen=True)
class Compiled:
    text: str
    policies: cedarpy.PolicySet
    rules: tuple[Rule, ...]  # rules[i] explains Cedar's "policy{i}"

    def rule(self, policy_id: str) -> Rule:
        return self.rules[int(policy_id.removeprefix("policy"))]


class PolicyCompileError(ValueError):
    """The compiled policies do not validate against the schema: a bug in the compiler, not in an agreement."""


def _s(text: str) -> str:
    return json.dumps(text)  # agency codes, roles, purposes and field keys are plain ASCII by their patterns


def _day(day: dt.date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def _in_force(agreements: AgreementSet, agreement: Agreement) -> str:
    start, end = agreements.window(agreement)
    return f"context.today >= {_day(start)} && context.today < {_day(end)}"


def _recipients(purpose: Purpose) -> str:
    alternatives = [
        f"(principal.agency == {_s(agency)} && principal.roles.containsAny([{', '.join(map(_s, sorted(roles)))}]))"
        for agency, roles in sorted(purpose.recipients.items())
    ]
    return "(" + " || ".join(alternatives) + ")"


def _justification(purpose: Purpose) -> list[str]:
    if not purpose.justification.required:
        return []
    if purpose.justification.like:
        return [f"context.justification like {_s(purpose.justification.like)}"]
    return ['context.justification != ""']


def _permit(action: str, resource: str, conditions: Iterable[str], comment: str) -> str:
    body = " &&\n  ".join(conditions)
    head = f"permit (principal, action == Hub::Action::{_s(action)}, resource is {resource})"
    return f"// {comment}\n{head}\nwhen {{\n  {body}\n}};"


def compile_agreements(agreements: AgreementSet) -> Compiled:
    texts: list[str] = []
    rules: list[Rule] = []
    for agreement in agreements.agreements:
        if agreement.status != "active":
            continue  # suspended and draft versions authorise nothing
        in_force = _in_force(agreements, agreement)
        for purpose in agreement.purposes.values():
            action = _ACTION[purpose.access]
            common = [
                f"context.purpose == {_s(purpose.code)}",
                in_force,
                _recipients(purpose),
                *_justification(purpose),
            ]
            if purpose.access == "audit":
                texts.append(_permit(action, "Hub::Trail", common, f"{agreement.label}: {purpose.code}"))
                rules.append(Rule(agreement, purpose))
                continue
            # one permit per record type and mask: a type flows only from the sources that contribute it
            by_mask: dict[tuple[str, str | None], list[str]] = {}
            for key in sorted(purpose.fields):
                by_mask.setdefault((FIELDS[key].entity, purpose.masks.get(key)), []).append(key)
            for (entity, mask), keys in by_mask.items():
                contributing = agreement.sources(purpose, entity)
                if not contributing:
                    continue
                sources = ", ".join(map(_s, contributing))
                fields = ", ".join(f"Hub::Field::{_s(k)}" for k in keys)
                conditions = [*common, f"[{sources}].contains(context.source)", f"resource in [{fields}]"]
                comment = f"{agreement.label}: {purpose.code}, {entity}" + (f", masked: {mask}" if mask else "")
                texts.append(_permit(action, "Hub::Field", conditions, comment))
                rules.append(Rule(agreement, purpose, mask))
        for party in agreement.parties.values():
            if not party.contributes:
                continue
            types = ", ".join(f"Hub::RecordType::{_s(t)}" for t in sorted(party.contributes))
            conditions = [
                in_force,
                f"principal.agency == {_s(party.code)}",
                f"principal.roles.contains({_s(SUBMITTER_ROLE)})",
                "context.source == principal.agency",
                f"resource in [{types}]",
            ]
            texts.append(_permit("submit", "Hub::RecordType", conditions, f"{agreement.label}: {party.code} shares in"))
            rules.append(Rule(agreement, None))
    text = "\n\n".join(texts) + "\n"
    result = cedarpy.validate_policies(text, SCHEMA)
    if not result.validation_passed:
        raise PolicyCompileError("; ".join(e.error for e in result.errors))
    return Compiled(text, cedarpy.PolicySet.from_str(text) if texts else cedarpy.PolicySet.from_str(""), tuple(rules))


def field_entities() -> list[dict[str, object]]:
    return [
        {
            "uid": {"type": "Hub::Field", "id": f.key},
            "attrs": {"entity": f.entity, "name": f.name, "category": f.category, "special": f.special},
            "parents": [],
        }
        for f in FIELDS.values()
    ]


def user_entity(subject: str, agency: str, roles: Iterable[str]) -> dict[str, object]:
    return {
        "uid": {"type": "Hub::User", "id": subject},
        "attrs": {"agency": agency, "roles": sorted(roles)},
        "parents": [{"type": "Hub::Agency", "id": agency}],
    }


def today_number(day: dt.date) -> int:
    return _day(day)
