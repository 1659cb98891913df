"""The refusals the hub raises while answering, each safe to show a client; ``hub.schema.errors`` gives them codes.

    Exception
    ├── Forbidden    the grant does not cover what was asked (FORBIDDEN, with the reasons in words)
    └── BadRequest   the arguments ask for something that cannot be answered (BAD_REQUEST, with the message)

They live here, below both ``hub.access`` (which raises them) and ``hub.schema`` (which classifies them), so the
types never import the enforcing path. ``GraphUnavailable`` (the graph server cannot be reached: GRAPH_UNAVAILABLE,
HTTP 503) is the graph layer's own, named here for the same reason: the types import nothing of the graph layer.
"""

from __future__ import annotations

from graph.errors import GraphUnavailable

__all__ = ["BadRequest", "Forbidden", "GraphUnavailable"]


class Forbidden(Exception):
    """The request's grant does not cover what was asked; the reasons say why in words (never about a record)."""

    def __init__(self, reasons: tuple[str, ...]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


class BadRequest(Exception):
    """The request asks for something malformed; the message is safe to show (it names no data)."""
