"""Records as the caller may see them, built from ``hub.access`` views; an incident also as a federation entity.

An incident names its people only when a response asks for them, through the request's data loaders.
"""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from hub.access.views import RecordView
from hub.resolvers.loaders import Loaders, loaders
from hub.schema.records import TYPES, Identifier, Incident, Participant, PersonLink, Role


def record(info: Info, view: RecordView) -> Any:
    """The record type for one view, with what the caller may see of it."""
    values = dict(view.values)
    if view.entity == "person" and values.get("identifiers") is not None:
        values["identifiers"] = [Identifier(scheme=s, value=v) for s, v in values["identifiers"]]
    kind = TYPES[view.entity]
    extra: dict[str, Any] = {}
    if view.entity == "incident":
        if view.reference is None:  # the scope reads only incidents whose reference the grant shows
            raise ValueError("an incident without a reference the grant shows must not be read")
        extra = {
            "key": view.key,
            "id": strawberry.ID(view.reference),
            "participants": lambda: _participants(loaders(info), view),
        }
    if view.entity not in ("person", "incident"):
        extra["people"] = [PersonLink(field=f, person_id=strawberry.ID(p)) for f, p in view.links]
    return kind(agency=view.source, entity=view.entity, subject=view.subject, **values, **extra)


async def _participants(found: Loaders, incident: RecordView) -> list[Participant]:
    named = await found.participants.load((incident.key, incident.source))
    return [Participant(role=Role(role), person_id=strawberry.ID(p)) for role, p in named]


async def incident_reference(info: Info, id: str) -> Incident | None:
    """``_entities``: an incident the caller may not see resolves to null, like one that does not exist."""
    found = await loaders(info).incidents.load(str(id))
    return record(info, found) if found is not None else None
