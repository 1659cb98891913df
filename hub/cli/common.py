"""Helpers shared by the commands: opening the graph, progress bars, output formats."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from typing import Any

import click
from tqdm import tqdm

from graph.store import Graph, open_graph
from hub.settings import Settings


def note(message: str) -> None:
    click.echo(f"hub: {message}", err=True)


@contextlib.contextmanager
def graph_for(settings: Settings) -> Iterator[Graph]:
    with open_graph(settings.graph_config(), role="cli", notify=note) as graph:
        yield graph


def progress(desc: str, total: int | None) -> contextlib.AbstractContextManager[Any]:
    """A progress bar on stderr, shown only on a terminal so that logs and pipes stay clean."""
    bytes_ = desc == "checking"
    return tqdm(
        total=total,
        desc=desc,
        unit="B" if bytes_ else " records",
        unit_scale=bytes_,
        file=sys.stderr,
        disable=None,
        leave=False,
    )


def dump_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, sort_keys=True, default=str))
