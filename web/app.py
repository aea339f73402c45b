"""The FastAPI application: every app (pages, API, chat) behind one sign-in."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from agents.llm import chat_model
from agents.runner import ChatRunner
from mattran.auth.oidc import AccessTokenRule, Introspection, OidcClient
from mattran.auth.sealing import TokenSealer, refresh_token_key
from mattran.auth.sessions import SessionService
from mattran.bootstrap import StoreUrls
from ingest.demo import load_demo_library
from knowledge.embeddings import LazyEmbedder, lazy_embedder
from mattran.domain.chat_retention import Retention
from mattran.domain.chat_retention import prune as prune_chats
from mattran.domain.library import LibraryService
from mattran.domain import retention
from mattran.domain.petitions import PetitionService
from mattran.domain.privacy import personal_data
from mattran.domain.rate_limits import Limit, RateLimits
from mattran.domain.pseudonyms import Pseudonyms
from mattran.domain.units import load_resolver
from mattran.keys import key_ring
from mattran.scope import Scope
from mattran.settings import Settings
from mattran.store.db import Database
from web import access_log, errors
from web.body_limits import TooLargeAnswer
from web.chat.mount import mount_chat
from web.cross_site import CrossSiteGuard
from web.input_guard import storable_input
from web.transport import Transport, origin_of
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
    my_data,
    open311,
    pages,
    petition_pages,
    petitions,
    reports,
    units,
)
from web.security_headers import SecurityHeaders


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


async def _prune_chats_periodically(db: Database, retention: Retention, minutes: int = 60) -> None:
    """Every hour, delete the conversations kept past their retention (a failure is logged and retried)."""
    while True:
        try:
            pruned = await prune_chats(db, retention)
            if pruned.conversations or pruned.threads:
                _log.info("pruned %d conversations, %d chat threads", pruned.conversations, pruned.threads)
        except Exception:  # noqa: BLE001  # the store may be restarting: try again next round
            _log.exception("pruning conversations failed")
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


async def _purge_sessions_periodically(sessions: SessionService, minutes: float) -> None:
    """Every ``minutes``, delete expired sessions and abandoned sign-ins (a failure is logged and retried)."""
    while True:
        try:
            ended, abandoned = await sessions.purge()
            if ended or abandoned:
                _log.info("purged %d expired sessions and %d abandoned sign-ins", ended, abandoned)
        except Exception:  # noqa: BLE001  # the store may be restarting: try again next round
            _log.exception("purging sessions failed")
        await asyncio.sleep(minutes * 60)


def create_app(settings: Settings, urls: StoreUrls) -> FastAPI:
    """The web app over a store that :func:`mattran.bootstrap.prepare_store` has prepared."""
    key_ring(settings)  # settings.secret_key: the data dir's signing key unless one is given

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = Database(urls.app, max_size=settings.db_pool_size)
        await db.open()
        async with db.transaction(Scope.public()) as conn:
            app.state.resolver = await load_resolver(conn)
        app.state.db = db
        app.state.oidc = OidcClient(
            settings.issuer, settings.oidc_client_id, settings.oidc_client_secret,
            f"{settings.base_url}/auth/callback", settings.oidc_scopes, settings.oidc_api_audience,
            access_token_rule=AccessTokenRule.parse(settings.oidc_access_token_rule),
            introspection=Introspection(settings.oidc_introspection),
            introspection_cache_s=settings.oidc_introspection_cache_seconds)
        embedder = lazy_embedder(settings)  # one model for petitions' similarity and the library
        app.state.personal = personal_data(settings)
        app.state.limits = RateLimits(db, {
            Limit.INTAKE: settings.intake_rate_per_minute, Limit.CHAT: settings.chat_rate_per_minute,
            Limit.SIMILAR: settings.similar_rate_per_minute,
            Limit.SIGN_IN_FAILURE: settings.sign_in_failure_rate_per_minute})
        app.state.petitions = PetitionService(db, app.state.resolver, settings.petition_due_days,
                                              settings.petition_due_days_by_category, embedder, app.state.limits,
                                              Pseudonyms(settings.secret_key), personal=app.state.personal)
        app.state.sessions = SessionService(db, app.state.oidc, app.state.resolver.units, settings.oidc_roles_claim,
                                            settings.oidc_unit_claim, settings.session_hours,
                                            TokenSealer(refresh_token_key(settings.secret_key)))
        app.state.library = LibraryService(db, embedder)
        conversations_key = hmac.new(settings.secret_key.encode(), b"chat-conversations", hashlib.sha256).digest()
        app.state.chat = ChatRunner(urls.app, app.state, chat_model(settings), conversations_key)
        await app.state.chat.open()
        embedding = asyncio.create_task(_embed_petitions_continually(app.state.petitions, embedder))
        demo_library = asyncio.create_task(load_demo_library(app.state.library)) if settings.load_demo_library else None
        pruning = asyncio.create_task(_prune_chats_periodically(
            db, Retention.of(settings.guest_chat_ttl_hours, settings.chat_retention_days)))
        escalation = (asyncio.create_task(_escalate_periodically(app.state.petitions, settings.escalation_interval_minutes))
                      if settings.escalation_interval_minutes else None)
        purge = asyncio.create_task(_purge_sessions_periodically(app.state.sessions, settings.session_purge_minutes))
        purging = (asyncio.create_task(retention.purge_periodically(db, retention.Policy.of(settings),
                                                                    settings.purge_interval_hours))
                   if settings.purge_interval_hours else None)
        try:
            yield
        finally:
            for task in (purge, escalation, demo_library, embedding, purging, pruning):
                if task:
                    task.cancel()
            await app.state.chat.close()
            await db.close()

    docs = settings.serve_api_docs
    app = FastAPI(title="Mặt trận số", version="0.1.0", lifespan=lifespan, dependencies=[Depends(storable_input)],
                  description="API của nền tảng số Mặt trận Tổ quốc Việt Nam.", docs_url="/docs" if docs else None,
                  redoc_url="/redoc" if docs else None, openapi_url="/openapi.json" if docs else None)
    app.state.settings = settings
    access_log.install()
    errors.install(app)
    app.add_middleware(TooLargeAnswer)
    for module in (health, units, library, members, congress, my_data, petitions, open311, chat_api, admin, auth, cadre, member_pages,
                   congress_pages, petition_pages, library_pages, reports, pages):
        app.include_router(module.router)
    mount_chat(app, settings.secret_key, urls.app, Transport(origin_of(settings.base_url)))
    app.add_middleware(CrossSiteGuard, base_url=settings.base_url)
    app.add_middleware(SecurityHeaders, base_url=settings.base_url, issuer=settings.issuer)  # outermost
    return app
