"""The agency directory as of the request's day: non-personal, so any caller may read it (``hub.agencies``)."""

from __future__ import annotations

from graph.store import Graph
from hub import agencies
from hub.access.context import Access
from hub.agencies import AgencyInfo
from hub.policy import Decider


def directory(access: Access, graph: Graph, decider: Decider) -> dict[str, AgencyInfo]:
    """Every agency the hub knows of, by code, with the agreements in force on the grant's day."""
    return agencies.directory(graph, decider.agreements, access.grant.today)
