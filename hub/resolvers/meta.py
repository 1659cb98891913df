"""Non-personal metadata about the hub."""

from __future__ import annotations

from strawberry.types import Info

from hub.access import meta
from hub.schema.meta import HubInfo


def hub_info(info: Info) -> HubInfo:
    about = meta.about(info.context["graph"])
    return HubInfo(version=about.version, graph_engine=about.graph_engine, record_types=list(about.record_types))
