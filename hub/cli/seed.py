"""``hub seed``: write the synthetic multi-agency data set and ingest it."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from graph.ingest import ingest_file
from graph.stats import graph_stats
from hub.cli.common import graph_for, note, progress
from hub.settings import Settings

if TYPE_CHECKING:
    from synthetic import SeedResult, SeedSpec


@click.command("seed")
@click.option("--seed", "seed_value", type=int, default=7, show_default=True, help="random seed")
@click.option("--perpetrators", type=click.IntRange(1), default=300, show_default=True, help="scale")
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), default=None, help="end of the simulated ten years")
@click.option(
    "--noise", default="typical", show_default=True, help="noise profile: clean, typical, hostile or clean+<error kind>"
)
@click.option("--out", type=click.Path(path_type=Path), default=None, help="where to write the files")
@click.option("--files-only", is_flag=True, help="write the files without ingesting them")
@click.option("--if-empty", is_flag=True, help="do nothing if the graph already holds records")
@click.option("--matac-effect", type=click.FloatRange(-1, 0), default=0.0, help="incident rate change after MATAC")
@click.option("--programme-effect", type=click.FloatRange(-1, 0), default=0.0, help="the same after a programme")
@click.pass_obj
def command(
    settings: Settings,
    seed_value: int,
    perpetrators: int,
    as_of: dt.datetime | None,
    noise: str,
    out: Path | None,
    files_only: bool,
    if_empty: bool,
    matac_effect: float,
    programme_effect: float,
) -> None:
    """Write a deterministic synthetic data set (one JSONL file per agency plus ground truth) and ingest it.

    --matac-effect and --programme-effect set how much a referral changes the perpetrator's incident rate afterwards
    (-0.4: 40% fewer incidents; default 0, no effect), for checking `hub outcomes` against a known answer."""
    from synthetic import SeedSpec  # the generator loads only for this command

    try:
        spec = SeedSpec(
            seed=seed_value,
            perpetrators=perpetrators,
            as_of=(as_of or dt.datetime.now()).date(),
            noise=noise,
            matac_effect=matac_effect,
            programme_effect=programme_effect,
        )
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--noise") from exc
    out = out or settings.data_dir / "seed"
    if files_only:
        _write(spec, out)
        return
    with graph_for(settings) as graph:
        if if_empty and graph_stats(graph)["records"]:
            note("the graph already holds records; not seeding")
            return
        result = _write(spec, out)
        rejected = 0
        for agency, path in sorted(result.files.items()):
            report = ingest_file(graph, path, agency, progress=progress)
            for reject in report.rejects:
                click.echo(reject.format(str(path)), err=True)
            rejected += report.rejected
            note(f"{agency}: {report.accepted} records ingested, {report.rejected} rejected")
    sys.exit(1 if rejected else 0)


def _write(spec: SeedSpec, out: Path) -> SeedResult:
    from synthetic import generate

    with progress("generating", None) as bar:
        done = [0]

        def advance(n: int) -> None:
            bar.update(n - done[0])
            done[0] = n

        result = generate(spec, out, progress=advance)
    note(f"wrote {result.records} records for {len(result.files)} agencies to {out} (truth: {result.truth_file})")
    return result
