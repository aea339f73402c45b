"""The assistant's utterance evaluation set (≥ 220 lines) and its thresholds, with the real unit resolver: offline
always, and in model mode against the server at ``MATTRAN_LLM_URL`` when it is set."""

from __future__ import annotations

from collections import Counter

import pytest

from agents.llm import chat_model
from agents.routing.router import Router
from agents.runner import ChatRunner
from compose.services import build_services
from evals.intents import INTENTS, THRESHOLDS, evaluate, evaluate_model, load_cases
from mattran.bootstrap import StoreUrls
from mattran.domain.units import UnitResolver, load_resolver
from mattran.scope import Scope
from mattran.settings import Settings
from mattran.store.db import Database


@pytest.fixture(scope="module")
async def resolver(db: Database) -> UnitResolver:
    async with db.transaction(Scope.public()) as conn:
        return await load_resolver(conn)


def test_the_dataset_covers_every_intent_and_kind_of_message() -> None:
    cases = load_cases()
    intents = Counter(c.intent for c in cases)
    tags = Counter(t for c in cases for t in c.tags)
    assert len(cases) >= 220
    assert len({c.text for c in cases}) == len(cases), "duplicate utterances"
    assert set(intents) == set(INTENTS)
    assert intents["file_petition"] >= 80 and intents["get_petition_status"] >= 40 and intents["find_unit"] >= 40
    assert intents["help"] >= 20 and intents["out_of_scope"] >= 40
    assert tags["injection"] >= 15 and all(c.intent == "out_of_scope" for c in cases if "injection" in c.tags)
    assert all(tags[t] >= 5 for t in ("no_diacritics", "typo", "colloquial", "long", "short"))


async def test_the_understanding_meets_its_thresholds(db: Database, resolver: UnitResolver, router: Router) -> None:
    cases = load_cases()
    async with db.transaction(Scope.public()) as conn:
        report = await evaluate(router, resolver, conn, cases)
    assert report.below_threshold() == {}, f"below {THRESHOLDS}:\n{report.summary()}"


@pytest.mark.skipif(not Settings().llm_url, reason="model mode: set MATTRAN_LLM_URL (and MATTRAN_LLM_MODEL)")
async def test_the_model_mode_meets_its_thresholds(
    urls: StoreUrls, db: Database, resolver: UnitResolver, settings: Settings
) -> None:
    runner = ChatRunner(urls.app, build_services(settings, db, resolver), chat_model(settings))
    await runner.open()
    try:
        async with db.transaction(Scope.public()) as conn:
            report = await evaluate_model(runner, resolver, conn, load_cases())
    finally:
        await runner.close()
    assert report.below_threshold() == {}, f"below {THRESHOLDS}:\n{report.summary()}"
