"""The quarterly partnership dashboard: counts for one quarter under an aggregates purpose, small numbers suppressed."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from graph.dashboard import MEASURES
from hub.access import dashboard
from hub.access.dashboard import REPEAT_LOOKBACK_MONTHS, Figure

_DESCRIBED = {m.name: m.description for m in MEASURES}


@strawberry.type(description="One count on the dashboard, or why it is not given.")
class DashboardCount:
    count: int | None = strawberry.field(description="How many; null when suppressed or not shared.")
    suppressed: bool = strawberry.field(
        description="True when the count is below the minimum cell size, or would let a small number be worked out "
        "from another count on the dashboard."
    )
    shared: bool = strawberry.field(
        description="False when the agreement shares nothing this count is made from (it is not zero: it is unknown)."
    )


def _count(figure: Figure) -> DashboardCount:
    return DashboardCount(count=figure.count, suppressed=figure.suppressed, shared=figure.shared)


def _field(name: str, description: str = "") -> Any:
    return strawberry.field(description=description or _DESCRIBED[name])


@strawberry.type(
    description="The quarterly partnership dashboard: what the agencies recorded in one quarter, counted only from "
    "the sources the agreement shares each figure from. No totals are given beyond these counts."
)
class Dashboard:
    quarter: str = strawberry.field(description="The quarter, e.g. `2026-Q3`.")
    start: dt.date = strawberry.field(description="Its first day.")
    end: dt.date = strawberry.field(description="Its last day.")
    complete: bool = strawberry.field(description="False while the quarter is still running: the counts are so far.")
    min_cell: int = strawberry.field(description="Counts below this are suppressed (the agreement's minimum cell).")
    incidents: DashboardCount = _field("incidents")
    crimes: DashboardCount = _field("crimes")
    arrests: DashboardCount = _field("arrests")
    charges: DashboardCount = _field("charges")
    victims: DashboardCount = _field("victims", "Distinct people named as victims of incidents in the quarter.")
    repeat_victims: DashboardCount = _field(
        "repeat_victims",
        f"Of those, victims of more than one incident in the {REPEAT_LOOKBACK_MONTHS} months to the quarter's end.",
    )
    repeat_victimisation_rate: float | None = strawberry.field(
        description="Repeat victims over victims; null unless both are given."
    )
    dvds_applications: DashboardCount = _field("dvds_applications")
    dvds_right_to_know: DashboardCount = _field("dvds_right_to_know")
    dvds_decided: DashboardCount = _field("dvds_decided")
    dvds_disclosed: DashboardCount = _field("dvds_disclosed")
    dvds_disclosure_rate: float | None = strawberry.field(
        description="Disclosures made over applications decided; null unless both are given."
    )
    orders_granted: DashboardCount = _field("orders_granted")
    marac_referrals: DashboardCount = _field("marac_referrals")
    programme_referrals: DashboardCount = _field("programme_referrals")
    programme_engaged: DashboardCount = _field("programme_engaged")
    programme_engagement_rate: float | None = strawberry.field(
        description="Programme referrals engaging over programme referrals; null unless both are given."
    )


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
        end=board.end - dt.timedelta(days=1),
        complete=board.complete,
        min_cell=board.min_cell,
        repeat_victimisation_rate=board.rates["repeat_victimisation"],
        dvds_disclosure_rate=board.rates["dvds_disclosure"],
        programme_engagement_rate=board.rates["programme_engagement"],
        **counts,
    )
