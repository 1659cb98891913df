"""Who is calling: the verified identity a token maps to, passed to resolvers and the policy."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Principal:
    subject: str
    agency: str
    roles: frozenset[str]
    client_id: str | None
    issuer: str
    # what the caller declared it is acting for, when the token carries it (`hub_purpose`, `hub_justification`)
    purpose: str | None = None
    justification: str | None = None
    # the purposes the token allows (`hub_purposes`); the policy decides what they authorise
    purposes: frozenset[str] = field(default_factory=frozenset)

    def has_role(self, role: str) -> bool:
        return role in self.roles
