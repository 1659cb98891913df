"""Per-request data loaders: every nested field of a response asks for what it needs, and each kind of read is sent
to the graph once per level of the response, for all the people or incidents on it, not once per item.

A page of 50 people with their incidents, the people in those incidents and their orders costs one read for the page,
one for all the incidents, one for all the people in them and one for all the orders, however long the page is.
The loaders call the same functions in ``hub.access.views`` as a single look-up would (grant, masks, the disclosure
notes for the audit event); they only change how many ids go into each call. They live in the request's context, so
nothing is cached across requests or callers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from hub.access import identity, views
from hub.access.context import Access
from hub.access.identity import LinkView
from hub.access.views import PersonView, RecordView

T = TypeVar("T")
K = TypeVar("K")


class Loaders:
    """The loaders of one request, over its access (grant) and graph."""

    def __init__(self, access: Access, graph: Any) -> None:  # the graph only passes through, to hub.access
        self.access, self.graph = access, graph
        # resolved person id -> the person, or None when the caller may not see them
        self.people: DataLoader[str, PersonView | None] = DataLoader(load_fn=self._people)
        # incident key -> the incident, or None when the caller may not see it
        self.incidents: DataLoader[str, RecordView | None] = DataLoader(load_fn=self._incidents)
        # person id -> (role, incident) for the incidents the person is linked to
        self.involvements: DataLoader[str, list[tuple[str, RecordView]]] = DataLoader(load_fn=self._involvements)
        # (person id, record type) -> the person's records of that type
        self.records: DataLoader[tuple[str, str], list[RecordView]] = DataLoader(load_fn=self._records)
        # (incident key, source agency) -> (role, person id) for the people the incident names
        self.participants: DataLoader[tuple[str, str], list[tuple[str, str]]] = DataLoader(load_fn=self._participants)
        # person -> the links that joined their records (keyed by the view's id; the view says which records it shows)
        self.identity_links: DataLoader[PersonView, list[LinkView]] = DataLoader(
            load_fn=self._identity_links, cache_key_fn=lambda view: view.id
        )

    async def _call(self, work: Callable[..., T], *args: Any) -> T:
        """Graph reads block: keep them off the event loop."""
        return await run_in_threadpool(work, self.access, self.graph, *args)

    async def _people(self, ids: Sequence[str]) -> list[PersonView | None]:
        found = await self._call(views.find_people, list(ids))
        return [found.get(i) for i in ids]

    async def _incidents(self, keys: Sequence[str]) -> list[RecordView | None]:
        found = await self._call(views.find_incidents, list(keys))
        return [found.get(k) for k in keys]

    async def _involvements(self, ids: Sequence[str]) -> list[list[tuple[str, RecordView]]]:
        found = await self._call(views.incidents_of_people, list(ids))
        return [found[i] for i in ids]

    async def _records(self, keys: Sequence[tuple[str, str]]) -> list[list[RecordView]]:
        def read(access: Access, graph: Any) -> dict[tuple[str, str], list[RecordView]]:
            by_entity: dict[str, list[str]] = defaultdict(list)
            for person_id, entity in keys:
                by_entity[entity].append(person_id)
            out: dict[tuple[str, str], list[RecordView]] = {}
            for entity, ids in by_entity.items():  # one read per record type asked for, for every person at once
                for person_id, found in views.records_of_people(access, graph, ids, entity).items():
                    out[person_id, entity] = found
            return out

        found = await self._call(read)
        return [found[k] for k in keys]

    async def _participants(self, keys: Sequence[tuple[str, str]]) -> list[list[tuple[str, str]]]:
        incidents = [RecordView("incident", source, key, None, {}) for key, source in keys]
        found = await self._call(views.people_in_incidents, incidents)
        return [found[key] for key, _ in keys]

    async def _identity_links(self, people: Sequence[PersonView]) -> list[list[LinkView]]:
        found = await self._call(identity.identity_links_of, list(people))
        return [found[p.id] for p in people]


def loaders(info: Info) -> Loaders:
    """The request's loaders, made on first use."""
    context = info.context
    found = context.get("loaders")
    if found is None:
        found = context["loaders"] = Loaders(context["access"], context["graph"])
    return found
