"""The data catalogue: every field the hub can disclose, named as agreements name it (``entity.field``).

Agreements may share only what is listed here, so a typo in an agreement is an error at load, never a silent gap.
Each field has a data category (what an information governance officer reads) and is marked when it is special
category data (UK GDPR Article 9: health), which an agreement may share only under a stated condition.

Fields named after a record type's references (``incident.perpetrators`` ...) are the links between a record and
the people it names: sharing one discloses *that* a person was involved in that role, and which person.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    entity: str  # the partner format's record type
    name: str
    category: str
    special: bool = False
    kind: str = "text"  # text | date | datetime | number | flag | list | link: what masks make sense

    @property
    def key(self) -> str:
        return f"{self.entity}.{self.name}"


def _fields(entity: str, category: str, *specs: str | tuple[str, str], special: bool = False) -> list[Field]:
    out = []
    for spec in ("local_id", *specs):
        name, kind = (spec, "text") if isinstance(spec, str) else spec
        out.append(Field(entity, name, category, special, kind))
    return out


FIELDS: dict[str, Field] = {
    f.key: f
    for f in (
        *_fields("person", "identity", "given_name", "family_name", ("other_names", "list"), ("dob", "date"), "gender"),
        Field("person", "postcode", "contact"),
        Field("person", "address", "contact"),
        Field("person", "identifiers", "identifiers", kind="list"),
        *_fields("relationship", "relationships", "kind", ("start", "date"), ("end", "date")),
        Field("relationship", "person", "relationships", kind="link"),
        Field("relationship", "other", "relationships", kind="link"),
        *_fields(
            "incident",
            "incidents",
            ("occurred_at", "datetime"),
            "category",
            ("crime", "flag"),
            "offence",
            ("harm_score", "number"),
            "risk_level",
            "outcome",
        ),
        Field("incident", "perpetrators", "incidents", kind="link"),
        Field("incident", "victims", "incidents", kind="link"),
        Field("incident", "children_present", "incidents", kind="link"),
        *_fields("risk_assessment", "risk", "tool", ("score", "number"), "level", ("assessed_at", "datetime")),
        Field("risk_assessment", "subject", "risk", kind="link"),
        *_fields("order", "orders", "kind", ("start", "date"), ("end", "date"), "status"),
        Field("order", "subject", "orders", kind="link"),
        Field("order", "protected", "orders", kind="link"),
        *_fields("referral", "referrals", "forum", "role", ("referred_at", "datetime"), "status"),
        Field("referral", "subject", "referrals", kind="link"),
        *_fields(
            "disclosure", "disclosures", "scheme", ("applied_at", "datetime"), ("decided_at", "datetime"), "outcome"
        ),
        Field("disclosure", "subject", "disclosures", kind="link"),
        Field("disclosure", "recipient", "disclosures", kind="link"),
        *_fields("support_need", "health", "need", ("noted_at", "datetime"), special=True),
        Field("support_need", "subject", "health", special=True, kind="link"),
    )
}

ENTITIES: tuple[str, ...] = tuple(dict.fromkeys(f.entity for f in FIELDS.values()))

# The date that places a record in time, for retention windows. Person records have none: who someone is does not
# expire, but everything that happened to them does.
EVENT_DATE: dict[str, str | None] = {
    "person": None,
    "relationship": "start",
    "incident": "occurred_at",
    "risk_assessment": "assessed_at",
    "order": "start",
    "referral": "referred_at",
    "disclosure": "applied_at",
    "support_need": "noted_at",
}

# Masks an agreement may require, and the field kinds each applies to.
MASKS: dict[str, frozenset[str]] = {
    "redact": frozenset({"text", "date", "datetime", "number", "flag", "list", "link"}),  # present, value withheld
    "initial": frozenset({"text"}),  # "Jordan" -> "J"
    "year": frozenset({"date", "datetime"}),  # "1987-03-02" -> "1987"
    "month": frozenset({"date", "datetime"}),  # "1987-03-02" -> "1987-03"
    "district": frozenset({"text"}),  # postcode "TS18 1AB" -> "TS18"
}
# least revealing first: when two permits disagree the most revealing one wins, as Cedar's "any permit" does
MASK_ORDER: tuple[str | None, ...] = ("redact", "initial", "district", "year", "month", None)
