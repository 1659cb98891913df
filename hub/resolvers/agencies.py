"""Agencies: the directory, as a list, one by code, and as the federation entity keyed by code."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from hub.access import agencies
from hub.access.agencies import AgencyInfo
from hub.schema.agencies import Agency, AgencySector


def _agency(a: AgencyInfo) -> Agency:
    return Agency(
        code=strawberry.ID(a.code),
        name=a.name,
        sector=AgencySector(a.sector) if a.sector else None,
        first_submission_at=a.first_submission_at,
        agreements=list(a.agreements),
        contributes=list(a.contributes),
    )


async def _directory(info: Info) -> dict[str, AgencyInfo]:
    """The directory, read once per request however many fields or entities ask for it."""
    context: dict[str, Any] = info.context
    task = context.get("agency_directory")
    if task is None:
        work = run_in_threadpool(agencies.directory, context["access"], context["graph"], context["decider"])
        task = context["agency_directory"] = asyncio.ensure_future(work)
    return await task


async def agency_list(info: Info) -> list[Agency]:
    return [_agency(a) for a in (await _directory(info)).values()]


async def agency_by_code(
    info: Info, code: Annotated[strawberry.ID, strawberry.argument(description="The agency's code.")]
) -> Agency | None:
    return await agency_reference(info, code)


async def agency_reference(info: Info, code: str) -> Agency | None:
    """``_entities``: an unknown code resolves to null."""
    found = (await _directory(info)).get(str(code))
    return _agency(found) if found is not None else None
