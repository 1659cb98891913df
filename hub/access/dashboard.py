"""The quarterly partnership dashboard under an aggregates purpose: a fixed set of counts for one quarter, each
suppressed below the agreement's minimum cell size exactly as ``counts`` does, and no figure from which a suppressed
or small number can be worked out.

Each measure (``graph.dashboard.MEASURES``) counts only the source agencies from which the grant shares every field it
reads; a measure the agreement does not cover is reported as not shared rather than as zero. Some measures are parts
of others (arrests of incidents, disclosures of decided applications): a part is given only when what remains of
each measure it belongs to, directly or through another, is zero or at least the minimum cell size, and parts that
never overlap (arrests, charges) are checked together too. Rates are given only when both their counts are. There are
no totals beyond the measures themselves.

Limitation, for whoever extends this: suppression protects each answer. Combining this dashboard with ``counts`` by
month can narrow a suppressed monthly cell (a quarter minus two shown months); closing that needs rounding or
perturbation across every aggregate endpoint.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from graph import dashboard
from graph.dashboard import DISJOINT, MEASURES, VICTIM_FIELDS
from graph.model import RECORD_TYPES
from graph.scope import Scope
from graph.store import Graph
from hub.access.context import Access, BadRequest, Forbidden
from hub.access.counts import min_cell, shown
from hub.policy.catalogue import EVENT_DATE

REPEAT_LOOKBACK_MONTHS = 12
_WITHIN = {m.name: m.within for m in MEASURES} | {"repeat_victims": "victims", "victims": None}
RATES = {  # rate -> (numerator, denominator)
    "repeat_victimisation": ("repeat_victims", "victims"),
    "dvds_disclosure": ("dvds_disclosed", "dvds_decided"),
    "programme_engagement": ("programme_engaged", "programme_referrals"),
}


@dataclass(frozen=True)
class Figure:
    count: int | None  # None when suppressed or not shared
    suppressed: bool
    shared: bool  # False when the agreement shares no source with everything the measure reads


@dataclass(frozen=True)
class Dashboard:
    quarter: str
    start: dt.date
    end: dt.date  # exclusive
    complete: bool
    min_cell: int
    figures: dict[str, Figure]
    rates: dict[str, float | None]


def quarter_bounds(quarter: str) -> tuple[dt.date, dt.date]:
    match = re.fullmatch(r"(\d{4})-Q([1-4])", quarter.strip())
    if not match:
        raise BadRequest(f"quarter must look like 2026-Q3 (got {quarter[:20]!r})")
    year, q = int(match[1]), int(match[2])
    start = dt.date(year, 3 * q - 2, 1)
    end = dt.date(year + 1, 1, 1) if q == 4 else dt.date(year, 3 * q + 1, 1)
    return start, end


def partnership_dashboard(access: Access, graph: Graph, quarter: str) -> Dashboard:
    access.require_aggregates()
    grant = access.grant
    start, end = quarter_bounds(quarter)
    if start > grant.today:
        raise BadRequest(f"{quarter} has not begun")
    cutoff = grant.cutoff
    if cutoff is not None and start < cutoff:
        raise Forbidden((f"{quarter} is older than {grant.agreement_label}'s retention window allows",))

    def sources(entity: str, fields: tuple[str, ...]) -> list[str]:
        return [s for s in grant.sources(entity) if all(grant.may_see(entity, f, s) for f in fields)]

    raw: dict[str, int] = {}
    wanted: dict[str, dict[str, list[str]]] = {}
    for m in MEASURES:
        found = sources(m.entity, m.fields)
        if found:
            wanted.setdefault(m.entity, {})[m.name] = found
    for entity, measures in wanted.items():
        date_field = EVENT_DATE[entity]
        assert date_field is not None
        label = RECORD_TYPES[entity].label
        scope = Scope(sources={label: sorted({a for found in measures.values() for a in found})}, since=cutoff)
        raw.update(dashboard.tally(graph, scope, entity, date_field, measures, start, end))
    victim_sources = sources("incident", VICTIM_FIELDS)
    if victim_sources:
        lookback = _months_before(end, REPEAT_LOOKBACK_MONTHS)
        incidents = RECORD_TYPES["incident"].label  # counted only: the victim link is followed, never shown
        scope = Scope(sources={incidents: victim_sources}, links={incidents: ["VICTIM"]}, since=cutoff)
        raw["victims"], raw["repeat_victims"] = dashboard.victims(graph, scope, start, end, lookback)

    minimum = min_cell(access)
    given = {name: shown(count, minimum) for name, count in raw.items()}
    _protect_differences(raw, given, minimum)
    figures = {
        name: Figure(count=given.get(name), suppressed=name in raw and given[name] is None, shared=name in raw)
        for name in _WITHIN
    }
    rates = {}
    for rate, (part, whole) in RATES.items():
        p, w = given.get(part), given.get(whole)
        rates[rate] = round(p / w, 4) if p is not None and w else None
    for m in MEASURES:
        if m.name in raw:
            for name in m.fields:
                access.disclosed(m.entity, name, None)
    if victim_sources:
        for name in VICTIM_FIELDS:
            access.disclosed("incident", name, None)
    return Dashboard(quarter.strip(), start, end, end <= grant.today, minimum, figures, rates)


def _protect_differences(raw: dict[str, int], given: dict[str, int | None], minimum: int) -> None:
    """Suppress each part whose difference from a shown measure it belongs to would be a small number."""

    def small(difference: int) -> bool:
        return 0 < difference < minimum

    for part in raw:
        whole = _WITHIN.get(part)
        while whole is not None and given.get(part) is not None:
            if given.get(whole) is not None and small(raw[whole] - raw[part]):
                given[part] = None
            whole = _WITHIN.get(whole)
    for whole, parts in DISJOINT:
        present = [p for p in parts if given.get(p) is not None]
        complete = given.get(whole) is not None and len(present) == len(parts)
        if complete and small(raw[whole] - sum(raw[p] for p in parts)):
            given[min(parts, key=lambda p: raw[p])] = None


def _months_before(first_of_month: dt.date, months: int) -> dt.date:
    index = first_of_month.year * 12 + first_of_month.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)
