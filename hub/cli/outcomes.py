"""``hub outcomes``: what happened after perpetrators were first referred to MATAC (or a perpetrator programme), against
a matched comparison of perpetrators who were not."""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Any

import click

from graph.analytics.cohort import Figures, Interval, Summary
from graph.analytics.outcomes import OutcomeReport, PerpetratorOutcome, measure_outcomes
from graph.analytics.rfg import RfgConfigError, load_config
from graph.analytics.serial import iso
from graph.scope import Scope
from hub.access.outcomes import published
from hub.cli.common import graph_for, note
from hub.settings import Settings

FORUMS = {"matac": "MATAC", "programme": "perpetrator_programme"}


@click.command("outcomes")
@click.option("--intervention", type=click.Choice(list(FORUMS)), default="matac", show_default=True)
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), default=None, help="the last day counted (default today)")
@click.option("--cohort", is_flag=True, help="the cohort summary alone, without a line per person")
@click.option("--min-cell", type=click.IntRange(1), default=1, show_default=True, help="suppress counts below this")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "jsonl"]), default="table", show_default=True)
@click.pass_obj
def command(
    settings: Settings, intervention: str, as_of: dt.datetime | None, cohort: bool, min_cell: int, fmt: str
) -> None:
    """Incidents, victims, harm and RFG(V) score in the 6 and 12 months before and after each perpetrator's first
    referral, and the cohort followed up for 12 months against similar perpetrators not referred by then (matched on
    their RFG(V) bands, incidents, victims and harm in the 12 months before the same date).

    The operator's command reads every agency; --min-cell 10 suppresses as the research agreement does, for
    publication (the summary is then withheld unless 10 or more people are on each side). Exit 2 if the graph cannot
    be read or the RFG configuration is invalid.
    """
    try:
        config = load_config()
    except RfgConfigError as exc:
        click.echo(f"hub: {exc}", err=True)
        sys.exit(2)
    with graph_for(settings) as graph:
        report = measure_outcomes(
            graph, Scope.everything(), config, forum=FORUMS[intervention], as_of=as_of.date() if as_of else None
        )
    summary = _summary(report, min_cell)
    note(
        f"{len(report.referred)} referred to {report.forum} up to {report.as_of}; {report.followed_up} followed up "
        f"for 12 months, {report.summary.matched} matched with {report.comparison_people} comparison people"
    )
    if fmt == "jsonl":
        for line in [] if cohort else report.referred:
            click.echo(json.dumps(_person(line)))
    elif fmt == "json":
        people = None if cohort else [_person(o) for o in report.referred]
        click.echo(json.dumps({**summary, "perpetrators": people}, indent=2))
    else:
        _table(summary, () if cohort else report.referred)


def _summary(report: OutcomeReport, minimum: int) -> dict[str, Any]:
    given, summary = published(report, minimum)
    return {
        "intervention": report.forum,
        "as_of": report.as_of.isoformat(),
        "min_cell": minimum,
        **given,
        "summary": _cohort(summary) if summary else None,
    }


def _interval(i: Interval | None) -> dict[str, Any] | None:
    return None if i is None else {"estimate": i.estimate, "low": i.low, "high": i.high}


def _cohort(summary: Summary) -> dict[str, Any]:
    return {
        "rate_change": {str(m): _interval(i) for m, i in summary.rate_change.items()},
        "comparisons": [
            {
                "months": c.months,
                "measure": c.measure,
                "tasked_before": c.tasked_before,
                "tasked_after": c.tasked_after,
                "comparison_before": c.comparison_before,
                "comparison_after": c.comparison_after,
                "difference": _interval(c.difference),
            }
            for c in summary.comparisons
        ],
    }


def _figures(f: Figures) -> dict[str, Any]:
    return {"incidents": f.incidents, "victims": f.victims, "harm": f.harm, "rfg_score": f.score}


def _person(o: PerpetratorOutcome) -> dict[str, Any]:
    return {
        "person": o.person,
        "referred_at": iso(o.referred_at),
        "records": [list(r) for r in o.records],
        "periods": [
            {"months": p.months, "complete": p.complete, "before": _figures(p.before), "after": _figures(p.after)}
            for p in o.periods
        ],
        "comparisons": o.comparisons,
    }


def _table(summary: dict[str, Any], people: tuple[PerpetratorOutcome, ...]) -> None:
    def n(value: int | None) -> str:
        return "suppressed" if value is None else str(value)

    click.echo(
        f"{summary['intervention']} up to {summary['as_of']}: {n(summary['referred'])} referred, "
        f"{n(summary['followed_up'])} followed up for 12 months, {n(summary['matched'])} matched with "
        f"{n(summary['comparison_people'])} comparison people"
    )
    cohort = summary["summary"]
    if cohort is None:
        click.echo("the comparison is withheld (too few people to publish)")
    else:
        click.echo(f"\n{'months':>6}  {'measure':<10} {'referred':>17} {'comparison':>17}  difference [95% interval]")
        for c in cohort["comparisons"]:
            d = c["difference"]
            span = f"[{d['low']:g}, {d['high']:g}]" if d["low"] is not None else "[not computable]"
            click.echo(
                f"{c['months']:>6}  {c['measure']:<10} {c['tasked_before']:>8g} {c['tasked_after']:>8g} "
                f"{c['comparison_before']:>8g} {c['comparison_after']:>8g}  {d['estimate']:+g} {span}"
            )
        for months, rate in cohort["rate_change"].items():
            text = "not computable" if rate is None else f"{rate['estimate']:+.1%} [{rate['low']}, {rate['high']}]"
            click.echo(f"incident rate change over {months} months: {text}")
    if people:
        click.echo(f"\n{'person':<16} {'referred':<10}  incidents 12m before/after  6m before/after  compared")
        for o in people:
            by = {p.months: p for p in o.periods}
            mark = "" if by[12].complete else " (incomplete)"
            click.echo(
                f"{o.person:<16} {iso(o.referred_at)[:10]}  {by[12].before.incidents:>9}/{by[12].after.incidents:<6}"
                f"{mark:<13} {by[6].before.incidents:>5}/{by[6].after.incidents:<6}  {o.comparisons}"
            )
