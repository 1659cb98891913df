"""``hub serial``: the MATAC serial perpetrator list for a panel, with under-16s apart as safeguarding concerns."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from collections.abc import Sequence

import click

from graph.analytics.serial import ChildHarmConcern, SerialPerpetrator, find_serial, iso
from graph.scope import Scope
from hub.cli.common import graph_for, note, progress
from hub.settings import Settings

Listed = SerialPerpetrator | ChildHarmConcern


@click.command("serial")
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), default=None, help="end of the look-back (default today)")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None, help="start of the look-back")
@click.option("--years", type=click.IntRange(1, 20), default=3, show_default=True, help="look-back without --since")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "jsonl"]), default="table", show_default=True)
@click.option("--concerns", is_flag=True, help="list the under-16s' harm (child safeguarding concerns) instead")
@click.pass_obj
def command(
    settings: Settings, as_of: dt.datetime | None, since: dt.datetime | None, years: int, fmt: str, concerns: bool
) -> None:
    """Export the serial perpetrators: people aged 16+ named as suspect or offender on more than one domestic abuse
    incident against two or more resolved victims in the look-back (default the 3 years before --as-of).

    Each with their records, their victims in time order (first and last incident, relationship start where a
    relationship record gives one) and the agencies involved. Someone under 16 at an incident is never listed: their
    harm is a child safeguarding concern (--concerns lists those). Exit 2 if the graph cannot be read.
    """
    try:
        with graph_for(settings) as graph, progress("perpetrators", None) as bar:
            report = find_serial(
                graph,
                Scope.everything(),
                as_of=as_of.date() if as_of else None,
                since=since.date() if since else None,
                years=years,
                advance=bar.update,
            )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    window = report.window
    note(
        f"{len(report.perpetrators)} serial perpetrators and {len(report.concerns)} under-16 safeguarding concerns "
        f"from {window.since} to {window.as_of}"
    )
    rows: Sequence[Listed] = report.concerns if concerns else report.perpetrators
    if fmt == "jsonl":
        for item in rows:
            click.echo(json.dumps(item.to_json(), sort_keys=False))
    elif fmt == "csv":
        _csv(rows)
    else:
        _table(rows, "child safeguarding concerns (under 16 at the incident)" if concerns else "serial perpetrators")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _records(records: Sequence[tuple[str, str]]) -> str:
    return "; ".join(f"{agency}:{local_id}" for agency, local_id in records)


_CSV_HEADER = (
    "person",
    "records",
    "incidents",
    "agencies",
    "victim_order",
    "victim",
    "victim_records",
    "first",
    "last",
    "victim_incidents",
    "relationship_start",
    "relationship",
)


def _csv(rows: Sequence[Listed]) -> None:
    """One row per (perpetrator, victim), victims in time order."""
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(_CSV_HEADER)
    for item in rows:
        for order, v in enumerate(item.victims, start=1):
            out.writerow(
                (
                    item.person,
                    _records(item.records),
                    item.incidents,
                    " ".join(item.agencies),
                    order,
                    v.person,
                    _records(v.records),
                    iso(v.first),
                    iso(v.last),
                    v.incidents,
                    v.relationship_start.isoformat() if v.relationship_start else "",
                    " ".join(v.relationship_kinds),
                )
            )


def _table(rows: Sequence[Listed], title: str) -> None:
    click.echo(f"{len(rows)} {title}")
    for item in rows:
        click.echo(
            f"\n{item.person}  {len(item.victims)} victims, {item.incidents} incidents, "
            f"{iso(item.first)[:10]} to {iso(item.last)[:10]}; agencies: {', '.join(item.agencies)}"
        )
        click.echo(f"  records: {_records(item.records)}")
        for order, v in enumerate(item.victims, start=1):
            began = f", relationship from {v.relationship_start}" if v.relationship_start else ""
            kinds = f" ({', '.join(v.relationship_kinds)})" if v.relationship_kinds else ""
            click.echo(
                f"  {order}. {v.person}{kinds}: {_count(v.incidents, 'incident')} "
                f"{iso(v.first)[:10]} to {iso(v.last)[:10]}{began}; records: {_records(v.records)}"
            )
