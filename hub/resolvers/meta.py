"""Non-personal metadata about the hub."""

from __future__ import annotations

from importlib.metadata import version

import strawberry
from strawberry.types import Info

from graph.model import RECORD_TYPES


@strawberry.federation.type(
    shareable=True, description="The hub itself: version, graph engine, the record types it accepts."
)
class HubInfo:
    version: str
    graph_engine: str
    record_types: list[str]


def hub_info(info: Info) -> HubInfo:
    return HubInfo(
        version=version("da-hub"),
        graph_engine=info.context["graph"].engine,
        record_types=list(RECORD_TYPES),
    )
