"""The resolvers: every root field, mutation, nested list and ``_entities`` reference, and the data loaders.

Each is thin: it takes the request's access and graph from Strawberry's context, calls ``hub.access`` (in a worker
thread: graph reads block) and builds the types of ``hub.schema`` from what comes back. Nothing here imports the
graph layer or reaches it another way (``tests/unit/test_layout.py``). ``hub.api`` binds them to fields.
"""
