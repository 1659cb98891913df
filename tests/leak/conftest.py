"""The leak test's own world: a fresh data directory, a real ``hub serve`` on it (embedded ArcadeDB), the synthetic
partnership with the issue 11 scenario and identity resolution, and one bounded campaign judged against the oracle.
It does not share the suite's session graph: the seed would change what other tests count."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.leak.run import Campaign
from tests.leak.world import build, served

BUDGET = 2400  # generated queries on top of the fixed phases: about a minute on 2 cores
SEED = 11


@pytest.fixture(scope="session")
def leak_campaign(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Campaign]:
    data_dir = tmp_path_factory.mktemp("leak-data")
    with served(data_dir, HUB_GRAPH_HEAP="1g") as base:
        world = build(data_dir, perpetrators=40)
        campaign = Campaign(world, base, seed=SEED, workers=3)
        campaign.setup()
        campaign.run(BUDGET)
        yield campaign
