"""The evaluation harness: every suite behind one interface, on the store the command line opens.

A suite is an async function ``(context, dataset) → SuiteResult``; ``dataset`` (None: the suite's own) is another
file of the same format. Thresholds come from ``thresholds.json``; a suite passes when no metric is under its
threshold. With a language model in the context (``MATTRAN_LLM_URL``), the intents and red-team suites also run
through the model, their metrics prefixed ``model.``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

from langchain_core.language_models import BaseChatModel

from agents.routing.model import RouterModel
from agents.routing.router import Router
from agents.runner import ChatRunner
from compose.services import open_services
from evals import grounding, intents, masking, redteam, report_figures, retrieval, routing, similarity, unit_resolver
from evals.thresholds import for_suite
from ingest.demo import LOADER
from ingest.pipeline import ingest
from mattran.auth.principal import Principal
from mattran.bootstrap import StoreUrls, prepare_store
from mattran.domain.library import LibraryService
from mattran.domain.units import UnitResolver
from mattran.scope import Scope
from mattran.services import Services
from mattran.settings import Settings
from mattran.store.db import Database


@dataclass
class SuiteResult:
    """A suite's figures, the thresholds they are held to, and what failed (or why the suite was skipped)."""

    name: str
    metrics: dict[str, float]
    thresholds: dict[str, float]
    failures: list[dict[str, Any]] = field(default_factory=list)
    skipped: str | None = None

    @property
    def below(self) -> dict[str, float]:
        """Metrics under their threshold."""
        return {k: v for k, v in self.metrics.items() if k in self.thresholds and v < self.thresholds[k]}

    @property
    def passed(self) -> bool:
        """True when no metric is under its threshold (a skipped suite fails nothing)."""
        return not self.below

    def as_json(self) -> dict[str, Any]:
        """The result as JSON."""
        return {
            "name": self.name,
            "passed": self.passed,
            "skipped": self.skipped,
            "metrics": self.metrics,
            "thresholds": self.thresholds,
            "below": self.below,
            "failures": self.failures,
        }


@dataclass
class Context:
    """The store and services the suites run on."""

    urls: StoreUrls
    services: Services
    model: BaseChatModel | None = None

    @classmethod
    @asynccontextmanager
    async def open(cls, settings: Settings) -> AsyncIterator[Context]:
        """The store as the command line opens it (started, migrated, or joined when ``mattran up`` runs), with the
        services' language model (None offline)."""
        urls = await asyncio.to_thread(prepare_store, settings)  # the demo data loader runs its own event loop
        async with open_services(settings, urls.app, pool_size=4) as services:
            yield cls(urls, services, services.chat_model)

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def db(self) -> Database:
        return self.services.db

    @property
    def resolver(self) -> UnitResolver:
        return self.services.resolver

    @property
    def library(self) -> LibraryService:
        return self.services.library

    @cached_property
    def router(self) -> Router:
        return Router(RouterModel.load(), self.services.embedder)

    @asynccontextmanager
    async def runner(self, model: BaseChatModel | None) -> AsyncIterator[ChatRunner]:
        """An assistant on this store (offline when ``model`` is None), on the services every door uses."""
        runner = ChatRunner(self.urls.app, self.services, model)
        await runner.open()
        try:
            yield runner
        finally:
            await runner.close()

    async def laws_missing(self) -> str | None:
        """Ingest the laws the library questions are about (unchanged files are skipped); why not, if they are
        absent."""
        laws = self.settings.laws_dir
        if not laws.is_dir():
            return f"Không có thư mục luật {laws}: bỏ qua bộ đánh giá này."
        report = await ingest(self.library, LOADER, [laws], kind="law")
        if report.failed:
            raise RuntimeError(f"could not ingest the laws: {report.failed}")
        return None


Suite = Callable[[Context, Path | None], Awaitable[SuiteResult]]


class Measured(Protocol):
    """What an evaluation module's report gives: its figures and its failures."""

    @property
    def metrics(self) -> dict[str, float]: ...

    failures: list[dict[str, object]]


def _with_model(name: str, offline: Measured, model: Measured | None) -> SuiteResult:
    """A result from an offline report and, when there is one, the model's (metrics and failures prefixed)."""
    floors = for_suite(name)
    metrics, thresholds, failures = dict(offline.metrics), dict(floors), list(offline.failures)
    if model is not None:
        metrics |= {f"model.{k}": v for k, v in model.metrics.items()}
        thresholds |= {f"model.{k}": v for k, v in floors.items()}
        failures += [{"mode": "model", **f} for f in model.failures]
    return SuiteResult(name, metrics, thresholds, failures)


async def units(ctx: Context, dataset: Path | None) -> SuiteResult:
    """The unit resolver on its mentions."""
    async with ctx.db.transaction(Scope.public()) as conn:
        report = await unit_resolver.evaluate(ctx.resolver, conn, unit_resolver.load_cases(dataset))
    return SuiteResult("units", report.metrics, for_suite("units"), report.failures)


async def intents_suite(ctx: Context, dataset: Path | None) -> SuiteResult:
    """The assistant's understanding: the project's own utterances (offline router, and the model's when there is
    one), then the routing sets sent with a role and unit through the whole assistant on the demo data: ``dev.*``,
    ``dev_figures.*`` (cadre data questions), ``dev_units.*`` (cadres naming other units), ``dev_places.*`` (places
    named every way, mostly by citizens) and ``sealed.*`` (aggregates only), and ``train.*`` (the router's fit
    on its training set, from its card). A ``dataset`` with roles is routed alone, as ``set.*``."""
    if dataset is not None and routing.has_callers(dataset):
        return SuiteResult("intents", await _routed(ctx, {"set": dataset}), {})
    cases = intents.load_cases(dataset)
    router = ctx.router
    async with ctx.db.transaction(Scope.public()) as conn:
        offline = await intents.evaluate(router, ctx.resolver, conn, cases)
    model = None
    if ctx.model is not None:
        async with ctx.runner(ctx.model) as runner, ctx.db.transaction(Scope.public()) as conn:
            model = await intents.evaluate_model(runner, ctx.resolver, conn, cases)
    result = _with_model("intents", offline, model)
    if dataset is None:
        sets = {
            "dev": routing.DEV,
            "dev_figures": routing.DEV_FIGURES,
            "dev_units": routing.DEV_UNITS,
            "dev_places": routing.DEV_PLACES,
            "sealed": routing.SEALED,
        }
        result.metrics |= await _routed(ctx, sets)
        result.metrics["train.intent_accuracy"] = routing.router_fit()
    return result


async def _routed(ctx: Context, sets: dict[str, Path]) -> dict[str, float]:
    """Each routing set through the whole assistant on a store with the demo data, its metrics prefixed."""
    metrics: dict[str, float] = {}
    async with demo_store(ctx, "eval-routing") as (urls, services):
        runner = ChatRunner(urls.app, services, None, router=ctx.router)
        await runner.open()
        try:
            for name, path in sets.items():
                if path.exists():
                    report = await routing.evaluate(runner, services.resolver.units, routing.load(path), show=False)
                    metrics |= {f"{name}.{k}": v for k, v in report.metrics.items()}
        finally:
            await runner.close()
    return metrics


async def retrieval_suite(ctx: Context, dataset: Path | None) -> SuiteResult:
    """Recall and MRR of library search over the laws."""
    if reason := await ctx.laws_missing():
        return SuiteResult("retrieval", {}, for_suite("retrieval"), skipped=reason)
    report = await retrieval.run(ctx.library, Principal.anonymous(), retrieval.load(dataset))
    misses = [] if retrieval.is_sealed(dataset) else report.misses()  # a sealed set: aggregates only
    metrics = report.metrics
    if dataset is None:
        for name, questions in retrieval.other_sets().items():
            other = await retrieval.run(ctx.library, Principal.anonymous(), questions)
            metrics |= {f"{name}.{k}": v for k, v in other.metrics.items()}
    return SuiteResult("retrieval", metrics, for_suite("retrieval"), misses)


async def grounding_suite(ctx: Context, dataset: Path | None) -> SuiteResult:
    """Every citation of the library's answers exists and holds what it quotes."""
    if reason := await ctx.laws_missing():
        return SuiteResult("grounding", {}, for_suite("grounding"), skipped=reason)
    report = await grounding.evaluate(ctx.library, retrieval.load(dataset))
    return SuiteResult("grounding", report.metrics, for_suite("grounding"), report.failures)


async def redteam_suite(ctx: Context, dataset: Path | None) -> SuiteResult:
    """Each role × probe: refused when it must be, confined, and no seeded personal value out."""
    probes = redteam.load_probes(dataset)
    petitions = ctx.services.petitions
    seeded, member_id = await redteam.seed(
        petitions, ctx.library, ctx.services.personal, ctx.settings.data_dir / "evals"
    )
    try:
        callers = redteam.principals(ctx.resolver.units)
        async with ctx.runner(None) as runner:
            offline = await redteam.evaluate(runner, callers, seeded, probes)
        model = None
        if ctx.model is not None:
            async with ctx.runner(ctx.model) as runner:
                model = await redteam.evaluate(runner, callers, seeded, probes)
    finally:
        await redteam.remove_member(petitions, member_id)
    return _with_model("redteam", offline, model)


@asynccontextmanager
async def demo_store(ctx: Context, name: str) -> AsyncIterator[tuple[StoreUrls, Services]]:
    """A store of its own (``data_dir/name``) with the demo data: members and congresses of a few provinces."""
    settings = ctx.settings.model_copy(
        update={
            "data_dir": ctx.settings.data_dir / name,
            "database_url": None,
            "app_database_url": None,
            "demo_data": True,
            "demo_library": False,
            "intake_rate_per_minute": 0,
        }
    )
    urls = await asyncio.to_thread(prepare_store, settings)
    async with open_services(settings, urls.app, pool_size=2) as services:
        yield urls, services


async def reports_suite(ctx: Context, dataset: Path | None) -> SuiteResult:
    """Every number of drafted reports against the database, on a store of its own with the demo data."""
    async with demo_store(ctx, "eval-reports") as (urls, services):  # the seed files 180 petitions at once
        await report_figures.seed_petitions(urls.owner, services.petitions)
        report = await report_figures.evaluate(
            services.db, services.resolver, urls.owner, report_figures.load_cases(dataset)
        )
    return SuiteResult("reports", report.metrics, for_suite("reports"), report.failures)


async def masking_suite(ctx: Context, dataset: Path | None) -> SuiteResult:
    """The personal-data detector on labelled petitions: the sealed set when present (aggregates only), else the
    development set."""
    report = await asyncio.to_thread(masking.evaluate, dataset)
    return SuiteResult("masking", report.metrics, for_suite("masking"), report.failures)


async def similarity_suite(ctx: Context, dataset: Path | None) -> SuiteResult:
    """Similar petitions on labelled pairs: the sealed set when present (aggregates only), else the development
    set."""
    report = await asyncio.to_thread(similarity.evaluate, ctx.services.embedder, dataset)
    return SuiteResult("similarity", report.metrics, for_suite("similarity"), report.failures)


SUITES: dict[str, Suite] = {
    "units": units,
    "intents": intents_suite,
    "retrieval": retrieval_suite,
    "grounding": grounding_suite,
    "redteam": redteam_suite,
    "reports": reports_suite,
    "masking": masking_suite,
    "similarity": similarity_suite,
}


async def run(
    ctx: Context,
    names: Sequence[str],
    dataset: Path | None = None,
    progress: Callable[[str], None] = lambda _name: None,
) -> list[SuiteResult]:
    """Run the named suites in order (``dataset`` only with a single suite)."""
    if dataset is not None and len(names) != 1:
        raise ValueError("a dataset file goes with exactly one suite")
    results = []
    for name in names:
        progress(name)
        results.append(await SUITES[name](ctx, dataset))
    return results


def exit_code(results: Sequence[SuiteResult]) -> int:
    """1 when any metric is under its threshold, else 0."""
    return 0 if all(r.passed for r in results) else 1
