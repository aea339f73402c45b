"""The FastAPI application: every app (pages, API, chat) behind one sign-in."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from agents.llm import chat_model
from agents.runner import ChatRunner
from mattran.auth.oidc import OidcClient
from mattran.auth.sessions import SessionService
from mattran.bootstrap import StoreUrls
from ingest.demo import load_demo_library
from knowledge.embeddings import LazyEmbedder, lazy_embedder
from mattran.domain.library import LibraryService
from mattran.domain.petitions import PetitionService
from mattran.domain.pseudonyms import Pseudonyms
from mattran.domain.units import load_resolver
from mattran.scope import Scope
from mattran.settings import Settings
from mattran.store.db import Database
from web import errors
from web.body_limits import TooLargeAnswer
from web.chat.mount import mount_chat
from web.input_guard import storable_input
from web.ratelimit import RateLimiter
from web.routes import (
    admin,
    auth,
    cadre,
    chat_api,
    congress,
    congress_pages,
    health,
    library,
    library_pages,
    member_pages,
    members,
    open311,
    pages,
    petition_pages,
    petitions,
    reports,
    units,
)


_log = logging.getLogger(__name__)


async def _escalate_periodically(petitions: PetitionService, minutes: int) -> None:
    """Every ``minutes``, move overdue petitions to the parent level (a failure is logged and retried)."""
    while True:
        try:
            moved = await petitions.escalate_overdue()
            if moved:
                _log.info("escalated %d overdue petitions", len(moved))
        except Exception:  # noqa: BLE001  # the store may be restarting: try again next round
            _log.exception("escalation failed")
        await asyncio.sleep(minutes * 60)


async def _embed_petitions_continually(petitions: PetitionService, embedder: LazyEmbedder,
                                       pause_seconds: float = 5) -> None:
    """Load the embedding model, then embed new petitions' text in the background (similar petitions by meaning)."""
    try:
        await embedder.warm_up()
    except Exception:  # noqa: BLE001  # without the model, similar petitions are by wording only
        _log.exception("the embedding model could not be loaded")
        return
    while True:
        try:
            while await petitions.embed_pending():
                pass
        except Exception:  # noqa: BLE001  # the store may be restarting: try again next round
            _log.exception("embedding petitions failed")
        await asyncio.sleep(pause_seconds)


def create_app(settings: Settings, urls: StoreUrls) -> FastAPI:
    """The web app over a store that :func:`mattran.bootstrap.prepare_store` has prepared."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = Database(urls.app, max_size=settings.db_pool_size)
        await db.open()
        async with db.transaction(Scope.public()) as conn:
            app.state.resolver = await load_resolver(conn)
        app.state.db = db
        app.state.oidc = OidcClient(
            settings.issuer, settings.oidc_client_id, settings.oidc_client_secret,
            f"{settings.base_url}/auth/callback", settings.oidc_scopes, settings.oidc_api_audience)
        embedder = lazy_embedder(settings)  # one model for petitions' similarity and the library
        app.state.petitions = PetitionService(db, app.state.resolver, settings.petition_due_days,
                                              settings.petition_due_days_by_category, embedder,
                                              Pseudonyms(settings.secret_key))
        app.state.sessions = SessionService(db, app.state.oidc, app.state.resolver.units, settings.oidc_roles_claim,
                                            settings.oidc_unit_claim, settings.session_hours)
        app.state.library = LibraryService(db, embedder)
        app.state.chat = ChatRunner(urls.app, app.state, chat_model(settings))
        await app.state.chat.open()
        embedding = asyncio.create_task(_embed_petitions_continually(app.state.petitions, embedder))
        demo_library = asyncio.create_task(load_demo_library(app.state.library)) if settings.load_demo_library else None
        escalation = (asyncio.create_task(_escalate_periodically(app.state.petitions, settings.escalation_interval_minutes))
                      if settings.escalation_interval_minutes else None)
        try:
            yield
        finally:
            for task in (escalation, demo_library, embedding):
                if task:
                    task.cancel()
            await app.state.chat.close()
            await db.close()

    app = FastAPI(title="Mặt trận số", version="0.1.0", lifespan=lifespan, dependencies=[Depends(storable_input)],
                  description="API của nền tảng số Mặt trận Tổ quốc Việt Nam.")
    app.state.settings = settings
    app.state.intake_limiter = RateLimiter(settings.intake_rate_per_minute)
    errors.install(app)
    app.add_middleware(TooLargeAnswer)
    for module in (health, units, library, members, congress, petitions, open311, chat_api, admin, auth, cadre, member_pages,
                   congress_pages, petition_pages, library_pages, reports, pages):
        app.include_router(module.router)
    mount_chat(app, settings.secret_key, urls.app)
    return app
