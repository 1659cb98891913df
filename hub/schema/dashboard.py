"""The quarterly partnership dashboard: counts for one quarter under an aggregates purpose, small numbers suppressed.

Each count is described as the measure it counts (``graph.dashboard.MEASURES``); a test holds the two to the same
words, and the repeat look-back to ``hub.access.dashboard``'s.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry


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


def _count(description: str) -> Any:
    return strawberry.field(description=description)


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
    incidents: DashboardCount = _count("Domestic abuse incidents that happened in the quarter.")
    crimes: DashboardCount = _count("Of those, recorded as crimes.")
    arrests: DashboardCount = _count("Of those, whose outcome is an arrest.")
    charges: DashboardCount = _count(
        "Of those, whose outcome is a charge, a summons or a conviction (which follows a charge)."
    )
    victims: DashboardCount = _count("Distinct people named as victims of incidents in the quarter.")
    repeat_victims: DashboardCount = _count(
        "Of those, victims of more than one incident in the 12 months to the quarter's end."
    )
    repeat_victimisation_rate: float | None = strawberry.field(
        description="Repeat victims over victims; null unless both are given."
    )
    dvds_applications: DashboardCount = _count(
        "DVDS (Clare's Law) applications made in the quarter, Right to Ask and Right to Know."
    )
    dvds_right_to_know: DashboardCount = _count("Of those, Right to Know (police-initiated).")
    dvds_decided: DashboardCount = _count("Of those, decided (disclosed or not).")
    dvds_disclosed: DashboardCount = _count("Of the decided, where a disclosure was made.")
    dvds_disclosure_rate: float | None = strawberry.field(
        description="Disclosures made over applications decided; null unless both are given."
    )
    orders_granted: DashboardCount = _count("Protective orders and notices granted that took effect in the quarter.")
    marac_referrals: DashboardCount = _count("Referrals to MARAC made in the quarter.")
    programme_referrals: DashboardCount = _count(
        "Referrals to a perpetrator behaviour-change programme made in the quarter."
    )
    programme_engaged: DashboardCount = _count("Of those, engaging with the programme.")
    programme_engagement_rate: float | None = strawberry.field(
        description="Programme referrals engaging over programme referrals; null unless both are given."
    )
