"""The report figures evaluation: ≥ 20 report requests over the demo data (and petitions seeded through the
petition domain), every number in every draft equal to an independent count in the database (100%).

It runs on a store of its own, prepared like ``mattran up`` prepares one with the demo data, so that the seeded
petitions and the demo members change nothing that other tests count."""

from __future__ import annotations

from pathlib import Path

import pytest

from compose.services import build_services
from evals.report_figures import SEED_COUNT, evaluate, load_cases, seed_petitions
from mattran.bootstrap import StoreUrls, prepare_store
from mattran.domain.units import load_resolver
from mattran.scope import Scope
from mattran.settings import Settings
from tests.support.store import open_pool


@pytest.fixture(scope="module")
def demo_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A data dir with the demo data, as ``mattran up`` loads it in development (the seed files 180 petitions at
    once: no intake limit)."""
    data_dir: Path = tmp_path_factory.mktemp("reports-demo")
    return Settings(data_dir=data_dir, database_url=None, demo_data=True, intake_rate_per_minute=0)


@pytest.fixture(scope="module")
def demo_urls(demo_settings: Settings) -> StoreUrls:
    """The demo store, prepared."""
    return prepare_store(demo_settings)


async def test_every_number_in_the_drafts_matches_the_database(demo_urls: StoreUrls, demo_settings: Settings) -> None:
    async with open_pool(demo_urls.app, max_size=2) as demo_db:
        async with demo_db.transaction(Scope.public()) as conn:
            resolver = await load_resolver(conn)
        petitions = build_services(demo_settings, demo_db, resolver).petitions
        assert await seed_petitions(demo_urls.owner, petitions) == SEED_COUNT
        cases = load_cases()
        assert len(cases) >= 20 and {c.kind for c in cases if c.kind} == {
            "petitions",
            "voter_opinions",
            "congress",
            "members",
        }
        report = await evaluate(demo_db, resolver, demo_urls.owner, cases)
        assert report.below_threshold() == {}, report.summary()
        assert report.figures >= 400 and report.numbers >= 300, report.summary()
        assert await seed_petitions(demo_urls.owner, petitions) == 0  # seeded once
