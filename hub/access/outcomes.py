"""Outcomes after tasking under a request's grant: per perpetrator only for purposes that share who harmed whom about
anyone (as the serial list); for aggregates purposes only the matched cohort summary, small numbers suppressed.

Both read the same way (``graph.analytics.outcomes``), inside a scope of the incident and referral sources from which
the grant shares every field the measure reads, so nothing the caller may not see counts. Under an aggregates
purpose, counts below the agreement's minimum cell size are withheld, so is a count whose difference from another it
contains would be small (the referred, of them followed up, of them matched), and so is the whole summary unless both
the matched people and the comparison people reach the minimum: a mean over a handful describes the handful.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from graph.analytics.cohort import Figures, Interval, Summary
from graph.analytics.outcomes import FORUMS, REFERRAL, OutcomeReport, Period, PerpetratorOutcome, measure_outcomes
from graph.analytics.rfg import load_config
from graph.analytics.serial import INCIDENT
from graph.scope import Scope
from graph.store import Graph
from hub.access.context import Access, BadRequest, Forbidden
from hub.access.counts import min_cell, shown
from hub.access.serial import analysis_scope

INCIDENT_FIELDS = ("occurred_at", "perpetrators", "victims", "category", "harm_score")
REFERRAL_FIELDS = ("referred_at", "forum", "subject")
# counts nested in one another (part, whole): a small difference between two would give a small number away
NESTED = (("matched", "followed_up"), ("matched", "referred"), ("followed_up", "referred"))
__all__ = ["Figures", "Interval", "Outcomes", "Period", "PerpetratorOutcome", "outcomes"]


@dataclass(frozen=True)
class Outcomes:
    forum: str
    min_cell: int
    referred: int | None  # None when suppressed
    followed_up: int | None
    matched: int | None
    comparison_people: int | None
    summary: Summary | None  # None when suppressed
    perpetrators: list[PerpetratorOutcome] | None  # None: the purpose gives aggregates only


def outcomes(access: Access, graph: Graph, forum: str) -> Outcomes:
    if forum not in FORUMS:
        raise BadRequest(f"forum must be one of {', '.join(FORUMS)}")
    grant = access.grant
    detail = grant.records
    scope = _scope(access) if detail or not grant.aggregates else _counting_scope(access)
    report = measure_outcomes(graph, scope, load_config(), forum=forum, as_of=grant.today)
    for entity, fields in (("incident", INCIDENT_FIELDS), ("referral", REFERRAL_FIELDS)):
        for name in fields:
            access.disclosed(entity, name, None)
    minimum = min_cell(access)
    given, summary = published(report, minimum)
    listed = None
    if detail:
        listed = []
        for o in report.referred:
            access.saw(o.person)
            records = tuple(r for r in o.records if grant.may_see("person", "local_id", r[0]))
            listed.append(dataclasses.replace(o, records=records))
        access.disclosed("person", "local_id", None)
    return Outcomes(
        forum,
        minimum,
        referred=given["referred"],
        followed_up=given["followed_up"],
        matched=given["matched"],
        comparison_people=given["comparison_people"],
        summary=summary,
        perpetrators=listed,
    )


def published(report: OutcomeReport, minimum: int) -> tuple[dict[str, int | None], Summary | None]:
    """The counts as they may be given (None: suppressed), and the summary unless it must be withheld."""
    raw = {
        "referred": len(report.referred),
        "followed_up": report.followed_up,
        "matched": report.summary.matched,
        "comparison_people": report.comparison_people,
    }
    given = {name: n if minimum <= 1 else shown(n, minimum) for name, n in raw.items()}  # 1: no suppression
    for part, whole in NESTED:
        if given[part] is not None and given[whole] is not None and 0 < raw[whole] - raw[part] < minimum:
            given[whole] = None  # the part is what the summary describes: keep it, hide what would give the rest
    enough = bool(given["matched"]) and bool(given["comparison_people"])
    return given, report.summary if enough else None


def _scope(access: Access) -> Scope:
    """A person-level purpose's scope (as the serial list's), with referrals only from sources sharing the fields."""
    scope = analysis_scope(access, INCIDENT_FIELDS)
    grant = access.grant
    referrals = [s for s in scope.agencies(REFERRAL) if all(grant.may_see("referral", f, s) for f in REFERRAL_FIELDS)]
    if not referrals or not scope.follows(REFERRAL, "SUBJECT"):
        raise Forbidden((f"{grant.agreement_label} does not share whom a referral is about for {grant.purpose!r}",))
    return dataclasses.replace(scope, sources={**scope.sources, REFERRAL: referrals})


def _counting_scope(access: Access) -> Scope:
    """An aggregates purpose's scope: the links are followed to count, never shown (as the dashboard's)."""
    grant = access.grant

    def sources(entity: str, fields: tuple[str, ...]) -> list[str]:
        return [s for s in grant.sources(entity) if all(grant.may_see(entity, f, s) for f in fields)]

    incidents, referrals = sources("incident", INCIDENT_FIELDS), sources("referral", REFERRAL_FIELDS)
    if not incidents or not referrals:
        raise Forbidden(
            (f"{grant.agreement_label} does not share who harmed whom and whom a referral is about, to count",)
        )
    return Scope(
        sources={INCIDENT: incidents, REFERRAL: referrals},
        links={INCIDENT: ["PERPETRATOR", "VICTIM"], REFERRAL: ["SUBJECT"]},
        since=grant.cutoff,
    )
