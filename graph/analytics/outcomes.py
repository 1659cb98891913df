"""What happens after a perpetrator is tasked: incidents, victims, harm and RFG(V) score in the 6 and 12 months before
and after their first referral to MATAC (or to a perpetrator programme), and a matched comparison with perpetrators
who were not referred by then (``graph.analytics.cohort``).

Everything is read inside a scope, like every analysis: the referrals of the forum from agencies the scope reads
(following ``SUBJECT`` to the resolved person) give the index dates; the incidents are ``graph.analytics.serial``'s
per-incident rows, with the same rules (an incident at which the person was under 16 is never theirs and never
counts; a victim is a resolved person other than the perpetrator). Someone under 16 at their referral is never
listed. The RFG(V) score of a period is the configured one (``config/rfg.yaml``) over that period alone, as a panel
would score it on the period's last day.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from graph.analytics import cohort
from graph.analytics.cohort import Figures, MatchedSet, Pair, Summary
from graph.analytics.rfg import RfgConfig
from graph.analytics.serial import PAGE, Window, incident_rows, perpetrator_ids, records_of, shift_years, utc
from graph.model import PERSON, RECORD_TYPES, RESOLVED_PERSON
from graph.persons import RESOLVED_AS
from graph.scope import Scope
from graph.store import Graph

REFERRAL = RECORD_TYPES["referral"].label
FORUMS = ("MATAC", "perpetrator_programme")
MONTHS = (6, 12)
MATCH_MONTHS = 12  # matching reads the 12 months before the index date; the cohort needs 12 months after it
LOOKBACK_MONTHS = 36  # and the victims of the 3 years before it (the MATAC window)
PHASE_DAYS, PHASES = 60, 6  # how long ago the latest victim's abuse began: 0-59, 60-119 ... 300+ days


def shift_months(at: dt.datetime, months: int) -> dt.datetime:
    index = at.year * 12 + at.month - 1 + months
    year, month = divmod(index, 12)
    day = min(at.day, 28 if month == 1 else 30 if month in (3, 5, 8, 10) else 31)
    return at.replace(year=year, month=month + 1, day=day)


@dataclass
class Timeline:
    """A person's incidents as a perpetrator aged 16+, in time order."""

    at: list[dt.datetime] = field(default_factory=list)
    harm: list[float] = field(default_factory=list)
    victims: list[tuple[str, ...]] = field(default_factory=list)

    def figures(self, start: dt.datetime, end: dt.datetime, config: RfgConfig) -> Figures:
        """Incidents in ``[start, end)`` and their RFG(V) score on ``end``."""
        lo, hi = bisect.bisect_left(self.at, start), bisect.bisect_left(self.at, end)
        if lo == hi:
            return Figures()
        harms = self.harm[lo:hi]
        harm = sum(harms) if config.gravity_aggregate == "sum" else max(harms)
        victims = len({v for vs in self.victims[lo:hi] for v in vs})
        days = max(0, (end.date() - self.at[hi - 1].date()).days)
        return Figures(hi - lo, victims, round(harm, 3), config.breakdown(days, hi - lo, harm, victims)["score"])

    def profile(self, index: dt.datetime, config: RfgConfig) -> Figures:
        """The 12 months before ``index`` as matching reads them, keyed by what matching is exact on: the RFG(V)
        victims points over the 3 years before (serial or not, as MATAC counts) and how long ago the abuse of the
        latest victim began, in 60-day steps up to 300 days (how far into the current relationship). Without an
        incident in the 12 months there is nothing to match on (no key)."""
        figures = self.figures(shift_months(index, -MATCH_MONTHS), index, config)
        if not figures.incidents:
            return figures
        lo, hi = bisect.bisect_left(self.at, shift_months(index, -LOOKBACK_MONTHS)), bisect.bisect_left(self.at, index)
        victims = len({v for vs in self.victims[lo:hi] for v in vs})
        latest = set(self.victims[hi - 1])
        began = next((self.at[i] for i in range(lo, hi) if latest & set(self.victims[i])), self.at[hi - 1])
        phase = min((index - began).days // PHASE_DAYS, PHASES - 1)
        return dataclasses.replace(figures, band=(config.victims.points(victims), phase))

    def periods(self, index: dt.datetime, config: RfgConfig) -> dict[int, Pair]:
        return {
            m: Pair(
                self.figures(shift_months(index, -m), index, config),
                self.figures(index, shift_months(index, m), config),
            )
            for m in MONTHS
        }


@dataclass(frozen=True)
class Period:
    months: int
    before: Figures
    after: Figures
    complete: bool  # both sides lie inside what could be read (retention, and the as-of date)


@dataclass(frozen=True)
class PerpetratorOutcome:
    person: str
    referred_at: dt.datetime  # the first referral to the forum: the index date
    records: tuple[tuple[str, str], ...]  # (agency, local_id) of the person's records the scope reads
    periods: tuple[Period, ...]
    comparisons: int  # matched comparison people (0: none alike, or not followed up for 12 months yet)


@dataclass(frozen=True)
class OutcomeReport:
    forum: str
    as_of: dt.date
    since: dt.date | None  # the earliest date read (retention)
    referred: tuple[PerpetratorOutcome, ...]  # every person referred, newest referral first
    followed_up: int  # of those, with 12 months before and after inside the readable span: the cohort
    comparison_people: int  # distinct people in the comparison
    summary: Summary  # over the matched sets


def first_referrals(graph: Graph, scope: Scope, forum: str, until: dt.datetime) -> dict[str, dt.datetime]:
    """Each resolved person's first referral to ``forum`` before ``until``, from the referrals the scope reads, for
    people 16 or over on that day (by the latest date of birth any current record of theirs gives)."""
    if not scope.follows(REFERRAL, "SUBJECT"):
        return {}
    rows = graph.read(
        f"MATCH (r:{REFERRAL}) WHERE {scope.where('r', REFERRAL)} AND r.forum = $forum "
        "AND r.referred_at < datetime($until) "
        f"MATCH (r)-[:SUBJECT]->(k:{PERSON.label})-[:{RESOLVED_AS}]->(p:{RESOLVED_PERSON}) WHERE k.deleted IS NULL "
        "WITH p, min(r.referred_at) AS first "
        f"OPTIONAL MATCH (p)<-[:{RESOLVED_AS}]-(d:{PERSON.label}) WHERE d.deleted IS NULL "
        "WITH p, first, max(d.dob) AS dob RETURN p.person_id AS person, first, dob",
        forum=forum,
        until=until.strftime("%Y-%m-%dT%H:%M:%SZ"),
        **scope.params(),
    )
    out = {}
    for row in rows:
        at, dob = utc(row["first"]), row["dob"]
        if dob is None or shift_years(_date(dob), 16) <= at.date():
            out[row["person"]] = at
    return out


def _date(value: Any) -> dt.date:
    return value.to_native() if hasattr(value, "to_native") else value


def timelines(graph: Graph, window: Window, config: RfgConfig, page: int = PAGE) -> dict[str, Timeline]:
    """Every perpetrator's incidents aged 16+ in the window, in time order."""
    out: dict[str, Timeline] = {}
    ids = perpetrator_ids(graph, window)
    for start in range(0, len(ids), page):
        rows = incident_rows(
            graph, window, ids[start : start + page], harm=config.harm_defaults, harm_fallback=config.harm_fallback
        )
        for row in sorted(rows, key=lambda r: (r["person"], r["at"])):
            if row["child"]:
                continue
            line = out.setdefault(row["person"], Timeline())
            line.at.append(dt.datetime.fromtimestamp(row["at"], dt.UTC))
            line.harm.append(float(row["harm"] or 0.0))
            line.victims.append(tuple(row["victims"]))
    return out


def measure_outcomes(
    graph: Graph,
    scope: Scope,
    config: RfgConfig,
    *,
    forum: str = "MATAC",
    as_of: dt.date | None = None,
    k: int = cohort.K,
) -> OutcomeReport:
    """The outcomes of everyone first referred to ``forum`` up to ``as_of`` (default today), and the matched
    comparison over those followed up for 12 months, from what ``scope`` lets through."""
    if forum not in FORUMS:
        raise ValueError(f"forum must be one of {', '.join(FORUMS)} (got {forum!r})")
    end = as_of or dt.datetime.now(dt.UTC).date()
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), dt.UTC)  # the whole of the as_of day
    first = first_referrals(graph, scope, forum, until)
    floor = dt.datetime.combine(scope.since, dt.time(), dt.UTC) if scope.since else None
    if not first:
        return OutcomeReport(forum, end, scope.since, (), 0, 0, cohort.summarise((), MONTHS))
    since = shift_months(min(first.values()), -LOOKBACK_MONTHS).date()
    window = Window.lookback(scope, end, since=since)  # from 3 years before the first referral, within retention
    lines = timelines(graph, window, config)
    found = match(first, lines, config, floor=floor, until=until, k=k)
    records = records_of(graph, scope, sorted(first))
    listed = [
        PerpetratorOutcome(
            person=pid,
            referred_at=index,
            records=tuple((r["agency"], r["local_id"]) for r in records.get(pid, [])),
            periods=tuple(
                Period(m, pair.before, pair.after, complete(index, m, floor, until))
                for m, pair in lines.get(pid, Timeline()).periods(index, config).items()
            ),
            comparisons=found.counts.get(pid, 0),
        )
        for pid, index in first.items()
    ]
    listed.sort(key=lambda o: (-o.referred_at.timestamp(), o.person))
    summary = cohort.summarise(found.sets, MONTHS)
    return OutcomeReport(forum, end, scope.since, tuple(listed), found.followed, len(found.used), summary)


def complete(index: dt.datetime, months: int, floor: dt.datetime | None, until: dt.datetime) -> bool:
    """Both sides of the period lie inside what could be read: after ``floor`` (retention), before ``until``."""
    return (floor is None or shift_months(index, -months) >= floor) and shift_months(index, months) <= until


@dataclass
class Matching:
    followed: int = 0  # tasked people followed up for 12 months
    counts: dict[str, int] = field(default_factory=dict)  # tasked person -> comparison people found
    sets: list[MatchedSet] = field(default_factory=list)
    used: set[str] = field(default_factory=set)  # every comparison person


def match(
    first: dict[str, dt.datetime],
    lines: dict[str, Timeline],
    config: RfgConfig,
    *,
    floor: dt.datetime | None,
    until: dt.datetime,
    k: int = cohort.K,
) -> Matching:
    """Each tasked person followed up for 12 months, with up to ``k`` people alike at their index date who had not
    been referred by then. Someone referred during the follow-up stays in the comparison as they are: excluding them
    would keep only those who did not offend again (an incident is what gets a perpetrator referred), at the cost of
    diluting a real effect a little (the comparison is with *not yet* tasked)."""
    out = Matching()
    empty = Timeline()
    # people active in the 12 months before a date, found by bisecting every incident once
    everyone = sorted((t, pid) for pid, line in lines.items() for t in line.at)
    times = [t for t, _ in everyone]
    for pid, index in sorted(first.items()):
        if not complete(index, MATCH_MONTHS, floor, until):
            continue
        out.followed += 1
        start = shift_months(index, -MATCH_MONTHS)
        active = {p for _, p in everyone[bisect.bisect_left(times, start) : bisect.bisect_left(times, index)]}
        eligible = [p for p in active if p != pid and (p not in first or first[p] > index)]
        target = lines.get(pid, empty).profile(index, config)
        chosen = cohort.nearest(target, {p: lines[p].profile(index, config) for p in sorted(eligible)}, k)
        out.counts[pid] = len(chosen)
        if chosen:
            out.used.update(chosen)
            mine = lines.get(pid, empty).periods(index, config)
            out.sets.append(MatchedSet(mine, tuple(lines[p].periods(index, config) for p in chosen)))
    return out
