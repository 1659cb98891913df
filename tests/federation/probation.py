"""A partner subgraph for the federation tests: a probation case system that extends the hub's ``Person``.

Probation knows its cases by the hub's resolved person id (what partners keep in their case files). It adds
``Person.probationCase`` to the hub's entity and lists its cases with references to the hub's ``Person``, ``Agency``
and ``Incident`` entities, so a gateway query runs both ways: partner -> hub ``_entities`` (the hub's policy decides
what of each shows) and hub -> partner.
Synthetic data only. It applies no policy of its own, and it keeps what it was sent, for the tests to inspect.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import strawberry
from strawberry.asgi import GraphQL
from strawberry.federation.schema_directives import Key
from strawberry.federation.types import FieldSet
from strawberry.types import Info


@dataclass(frozen=True)
class Case:
    case_ref: str
    tier: str
    offender_manager: str
    person_id: str
    agency: str = "probation-ne"
    index_offence: str | None = None  # the hub's incident id, agency:localId


@dataclass
class Caseload:
    """The partner's state: its cases, the headers each request came with, and whom the gateway asked it about."""

    cases: list[Case]
    seen_headers: list[dict[str, str]] = field(default_factory=list)
    looked_up: list[str] = field(default_factory=list)

    def for_person(self, person_id: str) -> Case | None:
        self.looked_up.append(person_id)
        return next((c for c in self.cases if c.person_id == person_id), None)


@strawberry.type(description="A probation case: the supervising offender manager and the case's tier.")
class ProbationCase:
    case_ref: str
    tier: str
    offender_manager: str
    person: Person | None = strawberry.field(description="The hub's person; null where the hub shows the caller none.")
    supervising_agency: Agency | None = strawberry.field(
        description="The probation region supervising the case (hub's)."
    )
    index_offence: Incident | None = strawberry.field(description="The offence the order was made for (hub's).")

    @classmethod
    def of(cls, case: Case) -> ProbationCase:
        return cls(
            case_ref=case.case_ref,
            tier=case.tier,
            offender_manager=case.offender_manager,
            person=Person(id=strawberry.ID(case.person_id)),
            supervising_agency=Agency(code=strawberry.ID(case.agency)),
            index_offence=Incident(id=strawberry.ID(case.index_offence)) if case.index_offence else None,
        )


# references only: the hub resolves these entities, through its policy
@strawberry.federation.type(keys=[Key(fields=FieldSet("code"), resolvable=False)])
class Agency:
    code: strawberry.ID


@strawberry.federation.type(keys=[Key(fields=FieldSet("id"), resolvable=False)])
class Incident:
    id: strawberry.ID | None  # as nullable as the hub's


@strawberry.federation.type(keys=["id"])  # the hub describes Person; a second description would only clash
class Person:
    id: strawberry.ID

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Person:
        return cls(id=id)

    @strawberry.field(description="This person's probation case, if they are on probation's caseload.")
    def probation_case(self, info: Info) -> ProbationCase | None:
        case = info.context["caseload"].for_person(str(self.id))
        return ProbationCase.of(case) if case else None


@strawberry.type
class Query:
    @strawberry.field(description="Every case on the caseload.")
    def probation_cases(self, info: Info) -> list[ProbationCase]:
        return [ProbationCase.of(case) for case in info.context["caseload"].cases]


class _App(GraphQL[dict[str, Any], None]):
    def __init__(self, caseload: Caseload) -> None:
        super().__init__(strawberry.federation.Schema(query=Query, types=[Person]), graphql_ide=None)
        self.caseload = caseload

    async def get_context(self, request: Any, response: Any) -> dict[str, Any]:
        self.caseload.seen_headers.append(dict(request.headers))
        return {"caseload": self.caseload}


def probation_app(caseload: Caseload) -> GraphQL[dict[str, Any], None]:
    """The partner's ASGI app over the given caseload."""
    return _App(caseload)
