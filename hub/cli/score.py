"""``hub score``: the RFG(V) run, written back to the graph, and the MATAC nomination list with its breakdown."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import click

from graph.analytics.rfg import RfgConfigError, RfgScore, load_config, nominations, score_perpetrators
from graph.scope import Scope
from hub.cli.common import graph_for, note, progress
from hub.settings import Settings

_COLUMNS = (
    "rank",
    "person",
    "score",
    "recency",
    "frequency",
    "gravity",
    "victims",
    "days_since_last",
    "incidents",
    "harm",
    "victim_count",
    "serial",
    "last_incident",
    "districts",
    "agencies",
    "records",
)


@click.command("score")
@click.option("--config", "config_file", type=click.Path(path_type=Path), default=None, help="RFG bands and weights")
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), default=None, help="scoring date (default today)")
@click.option("--top", type=click.IntRange(0), default=20, show_default=True, help="how many to list (0: all)")
@click.option("--area", default=None, help="only perpetrators with a record in this postcode district, e.g. TS17")
@click.option("--agency", default=None, help="only perpetrators known to this agency")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "jsonl"]), default="table", show_default=True)
@click.pass_obj
def command(
    settings: Settings,
    config_file: Path | None,
    as_of: dt.datetime | None,
    top: int,
    area: str | None,
    agency: str | None,
    fmt: str,
) -> None:
    """Score every perpetrator aged 16+ in the window on recency, frequency, gravity and victims, store the breakdown
    on each person (rfg_* properties), and print the nomination list, highest score first.

    The bands, weights and window come from --config (default config/rfg.yaml, documented there). Exit 2 if the
    configuration is invalid or the graph cannot be read.
    """
    try:
        config = load_config(config_file)
    except RfgConfigError as exc:
        click.echo(f"hub: {exc}", err=True)
        sys.exit(2)
    with graph_for(settings) as graph, progress("perpetrators", None) as bar:
        run = score_perpetrators(
            graph, config, Scope.everything(), as_of=as_of.date() if as_of else None, advance=bar.update
        )
    note(
        f"scored {len(run.scores)} perpetrators from {run.window.since} to {run.window.as_of} "
        f"with {config.source} (config {config.digest[:12]}); written to the graph"
    )
    listed = nominations(run.scores, top=top or None, area=area, agency=agency)
    if fmt == "jsonl":
        for s in listed:
            click.echo(json.dumps(s.to_json()))
    elif fmt == "csv":
        out = csv.writer(sys.stdout, lineterminator="\n")
        out.writerow(_COLUMNS)
        for s in listed:
            row = s.to_json()
            row["districts"] = " ".join(row["districts"])
            row["agencies"] = " ".join(row["agencies"])
            row["records"] = "; ".join(f"{a}:{lid}" for a, lid in row["records"])
            out.writerow([row[c] for c in _COLUMNS])
    else:
        _table(listed)


def _table(listed: Sequence[RfgScore]) -> None:
    header = f"{'rank':>4}  {'person':<16} {'score':>6}  {'R':>3} {'F':>3} {'G':>3} {'V':>3}  "
    header += f"{'days':>5} {'inc':>4} {'harm':>8} {'vic':>3}  serial  districts  agencies"
    click.echo(header)
    for s in listed:
        click.echo(
            f"{s.rank:>4}  {s.person:<16} {s.score:>6g}  {s.recency:>3g} {s.frequency:>3g} {s.gravity:>3g} "
            f"{s.victims:>3g}  {s.days_since_last:>5} {s.incidents:>4} {s.harm:>8g} {s.victim_count:>3}  "
            f"{'yes' if s.serial else 'no':<6}  {' '.join(s.districts):<9}  {', '.join(s.agencies)}"
        )
