"""``hub resolve``: identity resolution, written back to the graph."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import click

from graph.identity import DEFAULT_THRESHOLD, Engine, ResolveReport, needs_resolving, resolve
from graph.identity.engine import ENGINES
from hub.cli.common import dump_json, graph_for, note, progress
from hub.settings import Settings


@click.command("resolve")
@click.option("--report", "report_file", type=click.Path(path_type=Path), default=None,
              help="write each resolved person's records to FILE (JSON Lines)")  # fmt: skip
@click.option("--threshold", type=click.FloatRange(0.0, 1.0, min_open=True), default=DEFAULT_THRESHOLD,
              show_default=True, help="match probability at which two records are linked")  # fmt: skip
@click.option("--agency", "agencies", multiple=True, help="resolve only this agency's records (repeatable)")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--if-needed", is_flag=True, help="do nothing unless records arrived since the last resolution")
@click.option("--engine", type=click.Choice(ENGINES), default="duckdb", show_default=True,
              help="where the model runs (spark: the spark extra, Java 17+)")  # fmt: skip
@click.option("--spark-master", default="local[2]", show_default=True, help="Spark master URL (--engine spark)")
@click.option("--memory-limit", default=Engine.memory_limit, show_default=True,
              help="what the engine may hold before it spills to HUB_DATA_DIR/resolve (e.g. 8GB)")  # fmt: skip
@click.option("--model", "model_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="apply this trained model (Splink JSON, any engine) rather than train one")  # fmt: skip
@click.option("--save-model", "save_model", type=click.Path(dir_okay=False, path_type=Path),
              help="write the model applied to FILE (Splink JSON)")  # fmt: skip
@click.pass_obj
def command(
    settings: Settings,
    report_file: Path | None,
    threshold: float,
    agencies: tuple[str, ...],
    fmt: str,
    if_needed: bool,
    engine: str,
    spark_master: str,
    memory_limit: str,
    model_file: Path | None,
    save_model: Path | None,
) -> None:
    """Link person records of the same person, within and across agencies, into resolved people.

    Ids of unchanged people stay; analysts' confirm and split decisions always hold. Once analysts have confirmed 20
    or more pairs among the records resolved, the model also learns from them: its m probabilities are re-estimated
    from the confirmed pairs and averaged with EM's (the report says how many it used; not with --model). Working
    files (the records' features, the engine's tables and spill) go under HUB_DATA_DIR/resolve and are removed
    afterwards.
    """
    if engine == "spark" and importlib.util.find_spec("pyspark") is None:
        raise click.UsageError("--engine spark needs pyspark: pip install 'da-hub[spark]' (and Java 17+)")
    try:
        chosen = Engine(engine, spark_master=spark_master, memory_limit=memory_limit)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--memory-limit") from exc
    model = json.loads(model_file.read_text(encoding="utf-8")) if model_file else None
    work_dir = settings.data_dir / "resolve"
    work_dir.mkdir(parents=True, exist_ok=True)
    with graph_for(settings) as graph:
        if if_needed and not needs_resolving(graph):
            note("no records arrived since the last resolution: nothing to do (without --if-needed it runs again)")
            return
        report = resolve(
            graph,
            threshold=threshold,
            agencies=agencies or None,
            progress=progress,
            engine=chosen,
            model=model,
            work_dir=work_dir,
        )
    if save_model is not None and report.model is not None:
        save_model.write_text(json.dumps(report.model, indent=1), encoding="utf-8")
    if report_file is not None:
        with report_file.open("w", encoding="utf-8") as out:
            for line in report.person_lines():
                out.write(json.dumps(line) + "\n")
    if fmt == "json":
        dump_json(report.summary())
    else:
        click.echo(_text(report))


def _text(report: ResolveReport) -> str:
    s = report.summary()
    stages = ", ".join(f"{name} {seconds}s" for name, seconds in s["seconds"].items())
    return (
        f"{s['records']} person records -> {s['clusters']} people ({s['merged']} of two or more records); "
        f"{s['new_ids']} new ids, {s['retired_ids']} retired; {s['pairs']} pairs at p >= {s['threshold']}, "
        f"{s['refused']} kept apart by guards; {s['rewritten']} links written ({stages})"
        + (f"; the model learnt from {s['labels']} pairs analysts confirmed" if s["labels"] else "")
    )
