"""Counts for the research purpose, small cells suppressed."""

from __future__ import annotations

from typing import Annotated

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from hub.access import counts
from hub.schema.statistics import CountCell, CountTable


async def count_records(
    info: Info,
    record_type: Annotated[str, strawberry.argument(description="The record type: `incident`, `referral`...")],
    by: Annotated[
        list[str], strawberry.argument(description="One to three catalogue fields to group by (`category`...).")
    ],
) -> CountTable:
    access, graph = info.context["access"], info.context["graph"]
    minimum, cells = await run_in_threadpool(counts.count, access, graph, record_type, by)
    return CountTable(
        record_type=record_type,
        by=by,
        min_cell=minimum,
        cells=[CountCell(values=c.values, count=c.count, suppressed=c.count is None) for c in cells],
    )
