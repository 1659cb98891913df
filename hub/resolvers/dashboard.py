"""The quarterly partnership dashboard."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from hub.access import dashboard
from hub.access.dashboard import Figure
from hub.schema.dashboard import Dashboard, DashboardCount


def _count(figure: Figure) -> DashboardCount:
    return DashboardCount(count=figure.count, suppressed=figure.suppressed, shared=figure.shared)


async def partnership_dashboard(
    info: Info,
    quarter: Annotated[str, strawberry.argument(description="The quarter to count, e.g. `2026-Q3`.")],
) -> Dashboard:
    board = await run_in_threadpool(
        dashboard.partnership_dashboard, info.context["access"], info.context["graph"], quarter
    )
    counts = {name: _count(figure) for name, figure in board.figures.items()}
    return Dashboard(
        quarter=board.quarter,
        start=board.start,
        end=board.end - dt.timedelta(days=1),  # the access layer's end is exclusive
        complete=board.complete,
        min_cell=board.min_cell,
        repeat_victimisation_rate=board.rates["repeat_victimisation"],
        dvds_disclosure_rate=board.rates["dvds_disclosure"],
        programme_engagement_rate=board.rates["programme_engagement"],
        **counts,
    )
