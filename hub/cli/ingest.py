"""``hub ingest FILE --agency CODE``: validate and write one partner submission."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click

from graph.errors import GraphUnavailable
from graph.ingest import IngestReport, ingest_file
from hub.cli.common import dump_json, graph_for, progress
from hub.settings import Settings

AGENCY_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


def agency_code(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    if not AGENCY_CODE.match(value):
        raise click.BadParameter("an agency code is 2-63 lower-case letters, digits and hyphens")
    return value


@click.command("ingest")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--agency", required=True, callback=agency_code, help="code of the submitting agency")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--batch-size", type=click.IntRange(1, 50_000), default=5000, show_default=True)
@click.pass_obj
def command(settings: Settings, file: Path, agency: str, fmt: str, batch_size: int) -> None:
    """Ingest FILE (JSON Lines in the partner record format, plain or gzip) for AGENCY.

    Rejected lines are reported on stderr as FILE:LINE: field: reason; the others are written.
    Exit 0 if every line was accepted, 1 if some were rejected, 2 if the file cannot be read or the graph went away
    (then the same command again completes the ingest: nothing is written twice).
    """
    with graph_for(settings) as graph:
        try:
            report = ingest_file(graph, file, agency, batch_size=batch_size, progress=progress)
        except GraphUnavailable as exc:  # the batches written stand; the same command again completes the rest
            raise GraphUnavailable(f"{file}: ingest interrupted ({exc}); run the same command again") from exc
    for reject in report.rejects:
        click.echo(reject.format(str(file)), err=True)
    if fmt == "json":
        dump_json(report.summary())
    else:
        click.echo(_text(report))
    sys.exit(1 if report.rejected else 0)


def _text(report: IngestReport) -> str:
    s = report.summary()
    return (
        f"{s['file']}: {s['lines']} lines, {s['accepted']} accepted, {s['rejected']} rejected, "
        f"{s['superseded']} superseded by a later line; "
        f"{s['created']} created, {s['updated']} updated, {s['unchanged']} unchanged, "
        f"{s['stale']} stale, {s['withdrawn']} withdrawn (submission {s['submission']})"
    )
