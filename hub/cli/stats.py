"""``hub stats``: what the graph holds, as JSON."""

from __future__ import annotations

import click

from graph.stats import graph_stats
from hub.cli.common import dump_json, graph_for
from hub.settings import Settings


@click.command("stats")
@click.pass_obj
def command(settings: Settings) -> None:
    """Print current records per agency and type, and node and relationship counts, as JSON."""
    with graph_for(settings) as graph:
        dump_json(graph_stats(graph))
