"""Shared fixtures: one real graph for the suite, reached the way the hub reaches it.

With NEO4J_URI set (and NEO4J_PASSWORD, NEO4J_USER, NEO4J_DATABASE as the hub reads them) the graph tests run
against that server: ``make contract NEO4J_URI=...`` runs those marked ``contract``, which need nothing but a Bolt
server. Otherwise they run against an embedded ArcadeDB owned by a real ``hub serve``.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.store import Graph, open_graph
from hub.settings import Settings
from tests.helpers import free_port, start_serve, stop


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hub-data")


@pytest.fixture(scope="session")
def server(data_dir: Path) -> Iterator[str]:
    """A real `hub serve` (uvicorn, embedded graph) for the session; yields its base URL."""
    port = free_port()
    process = start_serve(data_dir, port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)


@pytest.fixture(scope="session")
def graph(data_dir: Path, request: pytest.FixtureRequest) -> Iterator[Graph]:
    settings = dataclasses.replace(Settings.from_env(os.environ), data_dir=data_dir)
    if settings.neo4j_uri is None:  # the embedded graph is owned by a real `hub serve`, as in production
        request.getfixturevalue("server")
    with open_graph(settings.graph_config(), role="test") as connected:
        yield connected
