"""People: the federation entity partners extend, and what is recorded about them, through the trust layer."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any, TypeVar

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from hub.access import views
from hub.access.views import PersonView
from hub.schema.records import (
    Disclosure,
    Incident,
    PersonRecord,
    ProtectiveOrder,
    Referral,
    Relationship,
    RiskAssessment,
    SupportNeed,
    from_view,
)

T = TypeVar("T")


async def _run(info: Info, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Graph reads block: keep them off the event loop."""
    return await run_in_threadpool(work, info.context["access"], info.context["graph"], *args, **kwargs)


@strawberry.enum(description="How a person is involved in an incident.")
class Role(Enum):
    PERPETRATOR = "PERPETRATOR"
    VICTIM = "VICTIM"
    CHILD_PRESENT = "CHILD_PRESENT"
    CHILD_HARM_CONCERN = strawberry.enum_value(
        "CHILD_HARM_CONCERN",
        description="Harmful behaviour by a child under 16: a safeguarding concern. Under-16s are never perpetrators.",
    )


@strawberry.type(description="A person's part in an incident.")
class Involvement:
    role: Role
    incident: Incident


@strawberry.type(description="Someone an incident names, and how.")
class Participant:
    role: Role
    person_id: strawberry.ID


@strawberry.federation.type(
    keys=["id"],
    description="A person as the hub resolves them across agencies. Only what the caller's agreement and purpose "
    "allow is shown; a person the caller may not see does not exist for them.",
)
class Person:
    id: strawberry.ID
    view: strawberry.Private[PersonView]

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Person | None:
        return await person_by_id(info, id)

    @strawberry.field(description="The agency records that make up this person, those the caller may see.")
    def records(self) -> list[PersonRecord]:
        return [from_view(v) for v in self.view.records]

    @strawberry.field(description="Incidents this person is linked to, oldest first, within the retention window.")
    async def incidents(self, info: Info) -> list[Involvement]:
        rows = await _run(info, views.incidents_of, self.view.id)
        return [Involvement(role=Role(role), incident=from_view(v)) for role, v in rows]

    @strawberry.field(description="Personal connections recorded about this person.")
    async def relationships(self, info: Info) -> list[Relationship]:
        return [from_view(v) for v in await _run(info, views.records_of, self.view.id, "relationship")]

    @strawberry.field(description="Protective orders about or protecting this person.")
    async def orders(self, info: Info) -> list[ProtectiveOrder]:
        return [from_view(v) for v in await _run(info, views.records_of, self.view.id, "order")]

    @strawberry.field(description="Referrals about this person.")
    async def referrals(self, info: Info) -> list[Referral]:
        return [from_view(v) for v in await _run(info, views.records_of, self.view.id, "referral")]

    @strawberry.field(description="Risk assessments about this person.")
    async def risk_assessments(self, info: Info) -> list[RiskAssessment]:
        return [from_view(v) for v in await _run(info, views.records_of, self.view.id, "risk_assessment")]

    @strawberry.field(description="DVDS applications about this person or made by them.")
    async def disclosures(self, info: Info) -> list[Disclosure]:
        return [from_view(v) for v in await _run(info, views.records_of, self.view.id, "disclosure")]

    @strawberry.field(description="Support needs (special category data: shared only where an agreement says so).")
    async def support_needs(self, info: Info) -> list[SupportNeed]:
        return [from_view(v) for v in await _run(info, views.records_of, self.view.id, "support_need")]


def _person(view: PersonView | None) -> Person | None:
    return Person(id=strawberry.ID(view.id), view=view) if view else None


async def person_by_id(info: Info, id: strawberry.ID) -> Person | None:
    return _person(await _run(info, views.find_person, person_id=str(id)))


async def person_by_record(info: Info, agency: str, local_id: str) -> Person | None:
    return _person(await _run(info, views.find_person, agency=agency, local_id=local_id))


async def incident_people(info: Info, incident: Incident) -> list[Participant]:
    loader = info.context.get("incident_people")
    if loader is None:  # one loader per request: every incident in the response is asked about in one query
        access, graph = info.context["access"], info.context["graph"]

        async def load(keys: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
            incidents = [views.RecordView("incident", source, key, None, {}) for key, source in keys]
            found = await run_in_threadpool(views.people_in_incidents, access, graph, incidents)
            return [found[key] for key, _ in keys]

        loader = info.context["incident_people"] = DataLoader(load_fn=load)
    found = await loader.load((incident.key, incident.agency))
    return [Participant(role=Role(role), person_id=strawberry.ID(p)) for role, p in found]
