"""The GraphQL types of the Apollo Federation v2 subgraph, and the schema's machinery that resolves no data (error
codes, limits, tracing, the disclosure ledger, representation checks, trusted documents).

Types only: the resolvers are in ``hub.resolvers``, which call ``hub.access``; ``hub.api`` binds them to the root
fields and builds the schema. No module here imports ``hub.access``, the graph layer or the resolvers
(``tests/unit/test_layout.py``).
"""
