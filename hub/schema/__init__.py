"""The GraphQL schema: an Apollo Federation v2 subgraph. Types only; resolvers live in hub.resolvers."""

from __future__ import annotations

import strawberry

from hub.resolvers.meta import HubInfo, hub_info


@strawberry.type
class Query:
    hub: HubInfo = strawberry.field(resolver=hub_info, description="What this hub is; no personal data.")


def build_schema() -> strawberry.federation.Schema:
    return strawberry.federation.Schema(query=Query)
