"""Outcomes after tasking: per perpetrator and the matched cohort, as the caller's grant computes them."""

from __future__ import annotations

from typing import Annotated

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from hub.access import outcomes
from hub.access.outcomes import Figures, Interval, Period, PerpetratorOutcome
from hub.schema.outcomes import (
    Intervention,
    InterventionOutcomes,
    OutcomeComparison,
    OutcomeEstimate,
    OutcomeFigures,
    OutcomePeriod,
    OutcomeRateChange,
)
from hub.schema.outcomes import PerpetratorOutcome as PerpetratorOutcomeType
from hub.schema.serial import RecordRef

FORUMS = {Intervention.MATAC: "MATAC", Intervention.PERPETRATOR_PROGRAMME: "perpetrator_programme"}


def _estimate(i: Interval) -> OutcomeEstimate:
    return OutcomeEstimate(estimate=i.estimate, low=i.low, high=i.high)


def _period(p: Period) -> OutcomePeriod:
    def figures(side: Figures) -> OutcomeFigures:
        return OutcomeFigures(incidents=side.incidents, victims=side.victims, harm=side.harm, rfg_score=side.score)

    return OutcomePeriod(months=p.months, complete=p.complete, before=figures(p.before), after=figures(p.after))


def _perpetrator(o: PerpetratorOutcome) -> PerpetratorOutcomeType:
    return PerpetratorOutcomeType(
        person_id=strawberry.ID(o.person),
        records=[RecordRef(agency=a, local_id=lid) for a, lid in o.records],
        referred_at=o.referred_at,
        periods=[_period(p) for p in o.periods],
        comparisons=o.comparisons,
    )


async def intervention_outcomes(
    info: Info,
    intervention: Annotated[
        Intervention, strawberry.argument(description="MATAC tasking (default) or a perpetrator programme.")
    ] = Intervention.MATAC,
) -> InterventionOutcomes:
    found = await run_in_threadpool(
        outcomes.outcomes, info.context["access"], info.context["graph"], FORUMS[intervention]
    )
    summary = found.summary
    return InterventionOutcomes(
        intervention=intervention,
        min_cell=found.min_cell,
        referred=found.referred,
        followed_up=found.followed_up,
        matched=found.matched,
        comparison_people=found.comparison_people,
        suppressed=summary is None,
        comparisons=[
            OutcomeComparison(
                months=c.months,
                measure=c.measure,
                tasked_before=c.tasked_before,
                tasked_after=c.tasked_after,
                comparison_before=c.comparison_before,
                comparison_after=c.comparison_after,
                difference=_estimate(c.difference),
            )
            for c in (summary.comparisons if summary else ())
        ],
        rate_changes=[
            OutcomeRateChange(months=m, change=_estimate(i) if i else None)
            for m, i in (summary.rate_change.items() if summary else ())
        ],
        perpetrators=None if found.perpetrators is None else [_perpetrator(o) for o in found.perpetrators],
    )
