"""Fixtures for the trust-layer tests: a hand-made household in the session graph, and callers with real tokens."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from graph.store import Graph
from tests.e2e import trust_data
from tests.e2e.trust_data import Household
from tests.helpers import run_hub


@pytest.fixture(scope="session")
def household(graph: Graph, data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Household:
    return trust_data.build(graph, data_dir, tmp_path_factory.mktemp("household"))


class Caller:
    def __init__(self, base: str, token: str, purpose: str | None, justification: str | None) -> None:
        self.base, self.token, self.purpose, self.justification = base, token, purpose, justification

    def post(self, query: str, **variables: Any) -> tuple[int, dict[str, Any]]:
        headers = {"authorization": f"Bearer {self.token}"}
        if self.purpose:
            headers["x-purpose"] = self.purpose
        if self.justification:
            headers["x-justification"] = self.justification
        response = httpx.post(
            f"{self.base}/graphql", json={"query": query, "variables": variables}, headers=headers, timeout=60
        )
        return response.status_code, response.json()

    def ask(self, query: str, **variables: Any) -> dict[str, Any]:
        status, body = self.post(query, **variables)
        assert status == 200, body
        return body


@pytest.fixture(scope="session")
def call(server: str, data_dir: Path) -> Iterator[Any]:
    tokens: dict[tuple[str, str], str] = {}

    def make(agency: str, role: str, purpose: str | None, justification: str | None = None) -> Caller:
        if (agency, role) not in tokens:
            done = run_hub(data_dir, "token", "--agency", agency, "--role", role)
            assert done.returncode == 0, done.stderr
            tokens[agency, role] = done.stdout.strip()
        return Caller(server, tokens[agency, role], purpose, justification)

    yield make
