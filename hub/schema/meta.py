"""Non-personal metadata about the hub."""

from __future__ import annotations

import strawberry


@strawberry.federation.type(
    shareable=True, description="The hub itself: version, graph engine, the record types it accepts."
)
class HubInfo:
    version: str = strawberry.field(description="The hub's software version.")
    graph_engine: str = strawberry.field(description="The graph it runs on: `arcadedb` (embedded) or `neo4j`.")
    record_types: list[str] = strawberry.field(description="The partner record types it accepts.")
