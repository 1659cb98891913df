"""Errors raised by the graph layer.

    GraphError
     ├── GraphUnavailable   the server cannot be started, reached or queried
     └── IngestError        a submission cannot be read at all (not a per-line reject)

Driver exceptions are translated at the boundary (``graph.store``) so callers never see them.
"""


class GraphError(Exception):
    """Base of every error the graph layer raises."""


class GraphUnavailable(GraphError):
    """The graph cannot be started, reached or queried."""


class IngestError(GraphError):
    """A submission cannot be read at all."""
