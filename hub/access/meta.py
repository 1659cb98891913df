"""What the hub says about itself: no personal data, and no grant needed."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import version

from graph.model import RECORD_TYPES
from graph.store import Graph


@dataclass(frozen=True)
class About:
    version: str
    graph_engine: str
    record_types: tuple[str, ...]


def about(graph: Graph) -> About:
    return About(version=version("da-hub"), graph_engine=graph.engine, record_types=tuple(RECORD_TYPES))
