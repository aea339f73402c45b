"""The report figures evaluation: ≥ 20 report requests over the demo data (and petitions seeded through the
petition domain), every number in every draft equal to an independent count in the database (100%).

It runs on a store of its own, prepared like ``mattran up`` prepares one with the demo data, so that the seeded
petitions and the demo members change nothing that other tests count."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from evals.report_figures import SEED_COUNT, evaluate, load_cases, seed_petitions
from mattran.bootstrap import StoreUrls, prepare_store
from mattran.domain.petitions import PetitionService
from mattran.domain.units import load_resolver
from mattran.scope import Scope
from mattran.settings import Settings
from mattran.store.db import Database


@pytest.fixture(scope="module")
def demo_urls(tmp_path_factory: pytest.TempPathFactory) -> StoreUrls:
    """A store with the demo data, as ``mattran up`` loads it in development."""
    data_dir: Path = tmp_path_factory.mktemp("reports-demo")
    return prepare_store(Settings(data_dir=data_dir, database_url=None, demo_data=True))


@pytest.fixture(scope="module")
async def demo_db(demo_urls: StoreUrls) -> AsyncIterator[Database]:
    database = Database(demo_urls.app, max_size=2)
    await database.open()
    yield database
    await database.close()


async def test_every_number_in_the_drafts_matches_the_database(demo_db: Database, demo_urls: StoreUrls) -> None:
    async with demo_db.transaction(Scope.public()) as conn:
        resolver = await load_resolver(conn)
    assert await seed_petitions(demo_urls.owner, PetitionService(demo_db, resolver, 10, {})) == SEED_COUNT
    cases = load_cases()
    assert len(cases) >= 20 and {c.kind for c in cases if c.kind} == {"petitions", "voter_opinions", "congress",
                                                                      "members"}
    report = await evaluate(demo_db, resolver, demo_urls.owner, cases)
    assert report.below_threshold() == {}, report.summary()
    assert report.figures >= 400 and report.numbers >= 300, report.summary()
    assert await seed_petitions(demo_urls.owner, PetitionService(demo_db, resolver, 10, {})) == 0  # seeded once
