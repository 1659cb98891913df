"""Outcomes after tasking: per perpetrator (person-level purposes) and the matched cohort summary (suppressed under an
aggregates purpose)."""

from __future__ import annotations

import datetime as dt
from enum import Enum

import strawberry

from hub.schema.serial import RecordRef


@strawberry.enum(description="What a perpetrator was referred to: the index date is their first referral to it.")
class Intervention(Enum):
    MATAC = strawberry.enum_value("MATAC", description="Tasking by the MATAC panel (a referral with forum MATAC).")
    PERPETRATOR_PROGRAMME = strawberry.enum_value(
        "perpetrator_programme", description="A behaviour-change programme (forum perpetrator_programme)."
    )


@strawberry.type(description="One person's figures over one period, from the incidents the caller's grant covers.")
class OutcomeFigures:
    incidents: int = strawberry.field(description="Incidents naming them as perpetrator (aged 16+).")
    victims: int = strawberry.field(description="Distinct resolved victims of those incidents.")
    harm: float = strawberry.field(description="Their harm (harm index, as the RFG(V) gravity reads it).")
    rfg_score: float = strawberry.field(
        description="The RFG(V) score over this period alone, on its last day (config/rfg.yaml); 0 without incidents."
    )


@strawberry.type(description="The months before and after the index date.")
class OutcomePeriod:
    months: int = strawberry.field(description="6 or 12.")
    complete: bool = strawberry.field(
        description="False when part of it lies beyond today or before the agreement's retention window."
    )
    before: OutcomeFigures = strawberry.field(description="The months before the first referral.")
    after: OutcomeFigures = strawberry.field(description="The months from the first referral on.")


@strawberry.type(description="A perpetrator referred to the intervention, before and after.")
class PerpetratorOutcome:
    person_id: strawberry.ID = strawberry.field(description="The perpetrator's resolved person id.")
    records: list[RecordRef] = strawberry.field(description="The perpetrator's records the caller may see.")
    referred_at: dt.datetime = strawberry.field(description="Their first referral: the index date.")
    periods: list[OutcomePeriod] = strawberry.field(description="6 and 12 months before and after.")
    comparisons: int = strawberry.field(
        description="How many similar perpetrators not referred they were compared with (0: not followed up for "
        "12 months yet, no incident in the 12 months before, or nobody alike)."
    )


@strawberry.type(description="An estimate with its 95% bootstrap interval.")
class OutcomeEstimate:
    estimate: float = strawberry.field(description="The estimate.")
    low: float | None = strawberry.field(description="The interval's lower end; null when it cannot be computed.")
    high: float | None = strawberry.field(description="Its upper end.")


@strawberry.type(description="One measure over one period: the matched cohort against its comparison.")
class OutcomeComparison:
    months: int = strawberry.field(description="The period: 6 or 12 months each side of the index date.")
    measure: str = strawberry.field(description="`incidents`, `victims`, `harm` or `score` (RFG(V)).")
    tasked_before: float = strawberry.field(description="Mean per referred person, before.")
    tasked_after: float = strawberry.field(description="Mean per referred person, after.")
    comparison_before: float = strawberry.field(description="Mean per matched set of comparison people, before.")
    comparison_after: float = strawberry.field(description="The same, after.")
    difference: OutcomeEstimate = strawberry.field(
        description="The difference in differences: (referred after - before) - (comparison after - before)."
    )


@strawberry.type(description="The relative change in the incident rate over one period.")
class OutcomeRateChange:
    months: int = strawberry.field(description="6 or 12.")
    change: OutcomeEstimate | None = strawberry.field(
        description="(referred after/before) / (comparison after/before) - 1: -0.3 is 30% fewer incidents than "
        "the comparison suggests; null when a count it needs is zero."
    )


@strawberry.type(
    description="What happened after perpetrators were referred, over the incidents the caller's grant covers, "
    "against similar perpetrators who were not (matched on their RFG(V) bands, incidents, victims and harm in the 12 "
    "months before the same date). Observational: a difference is not proof that the intervention caused it."
)
class InterventionOutcomes:
    intervention: Intervention = strawberry.field(description="The intervention.")
    min_cell: int = strawberry.field(description="Counts below this are suppressed (the agreement's minimum cell).")
    referred: int | None = strawberry.field(description="People referred (16+); null when suppressed.")
    followed_up: int | None = strawberry.field(
        description="Of those, with 12 months before and after inside the readable span: the cohort."
    )
    matched: int | None = strawberry.field(description="Of those, compared with at least one similar person.")
    comparison_people: int | None = strawberry.field(description="Distinct people in the comparison.")
    suppressed: bool = strawberry.field(
        description="True when the comparison is withheld: too few matched or comparison people to publish."
    )
    comparisons: list[OutcomeComparison] = strawberry.field(description="Each measure over 6 and 12 months.")
    rate_changes: list[OutcomeRateChange] = strawberry.field(description="The incident rate change, 6 and 12 months.")
    perpetrators: list[PerpetratorOutcome] | None = strawberry.field(
        description="Each person referred, newest referral first; null unless the purpose shares who harmed whom "
        "about anyone (MATAC, MARAC)."
    )
