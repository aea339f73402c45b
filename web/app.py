"""The FastAPI application: every app (pages, API, chat) behind one sign-in."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from agents.runner import ChatRunner
from compose.services import open_services
from ingest.chunking import CHUNKER_VERSION
from ingest.demo import load_demo_library
from ingest.reindex import upgrade_index
from mattran.auth.oidc import AccessTokenRule, Introspection, OidcClient
from mattran.auth.sealing import TokenSealer, refresh_token_key
from mattran.auth.sessions import SessionService
from mattran.bootstrap import StoreUrls
from mattran.domain import chat_retention, retention
from mattran.domain.chat_retention import Retention as ChatRetention
from mattran.domain.embedding import Embedder
from mattran.domain.jobs import give_way
from mattran.domain.petitions import PetitionJobs
from mattran.domain.reminders import Reminders
from mattran.keys import subkey
from mattran.metrics import PROCESS_STARTED
from mattran.services import Services
from mattran.settings import Settings
from web import access_log, background, errors
from web.background import Job, Once
from web.body_limits import TooLargeAnswer
from web.chat.mount import mount_chat
from web.cross_site import CrossSiteGuard
from web.deps import WebServices, signing_secret
from web.input_guard import storable_input
from web.logs import RequestIds
from web.metrics import RequestMetrics
from web.read_your_writes import ReadYourWrites
from web.routes import (
    admin,
    auth,
    cadre,
    chat_api,
    committee_pages,
    committees,
    congress,
    congress_pages,
    health,
    library,
    library_pages,
    member_pages,
    members,
    my_data,
    my_petitions,
    notifications,
    open311,
    organisations,
    pages,
    petition_bulk,
    petition_pages,
    petitions,
    receipt_pages,
    register_pages,
    reports,
    rollup_pages,
    scripts,
    site_pages,
    units,
)
from web.security_headers import SecurityHeaders
from web.transport import Transport, origin_of

_log = logging.getLogger(__name__)


async def _warm_up(embedder: Embedder) -> None:
    """Load the embedding model ahead of the first request (each process has its own), then keep what it made out
    of the garbage collector's walks too."""
    try:
        await embedder.warm_up()
    except Exception:  # without the model, similar petitions are by wording only
        _log.exception("the embedding model could not be loaded")
    # requests are served by now: no full collection first (the little garbage the loading left is kept)
    _freeze_startup_objects(collect=False)


def _freeze_startup_objects(collect: bool = True) -> None:
    """Move the objects made so far (the unit map, the router's model, the lexicons: about 680,000) to the garbage
    collector's permanent generation: they live as long as the process, yet each full collection walked them all,
    about 350 ms on this machine during which no request was answered (the tail of intake's latency). ``collect``:
    free the garbage first (a full collection: at startup, before any request)."""
    if collect:
        gc.collect()
    gc.freeze()


# Petitions embedded at a time in the background: a batch holds both cores for its duration, so batches are small
# and requests wait less behind one (64 before: one process 393 petitions/s, 16: 503/s in bench_petitions).
BACKGROUND_BATCH = 16


def _embed_petitions(petitions: PetitionJobs, embedder: Embedder) -> Callable[[], Awaitable[int | None]]:
    """Embed new petitions' text (similar petitions by meaning), once this process has loaded the model, a batch at
    a time, giving way to requests (a background job)."""

    async def embed() -> int | None:
        if not embedder.ready:
            await embedder.warm_up()
        done = 0
        while True:
            await give_way()
            if not (embedded := await petitions.embed_pending(BACKGROUND_BATCH)):
                return done or None
            done += embedded

    return embed


def _jobs(services: Services, sessions: SessionService) -> list[Job]:
    """What runs on a schedule: escalation and the cadres' reminders, the embedding of new petitions, the outbox, and
    the purges that keep personal data no longer than its period."""
    settings, db, petitions = services.settings, services.db, services.petitions
    chats = ChatRetention.of(settings.guest_chat_ttl_hours, settings.chat_retention_days)
    policy = retention.Policy.of(settings)

    async def prune_chats() -> str | None:
        pruned = await chat_retention.prune(db, chats)
        return (
            f"{pruned.conversations} conversations, {pruned.threads} threads"
            if any((pruned.conversations, pruned.threads))
            else None
        )

    async def purge_sessions() -> str | None:
        ended, abandoned = await sessions.purge()
        return f"{ended} expired sessions, {abandoned} abandoned sign-ins" if ended or abandoned else None

    async def purge_records() -> dict[str, int] | None:
        report = await retention.purge(db, policy, apply=True)
        return report.counts if any(report.counts.values()) else None

    return [
        Job("escalation of overdue petitions", settings.escalation_interval_minutes, petitions.jobs.escalate_overdue),
        Job("petition embeddings", 5 / 60, _embed_petitions(petitions.jobs, services.embedder), background=True),
        Job("chat pruning", 60, prune_chats),
        Job("session purge", settings.session_purge_minutes, purge_sessions),
        Job("retention purge", settings.purge_interval_hours * 60, purge_records),
        Job("notifications", settings.notify_interval_seconds / 60, services.notifications.deliver_due),
        Job(
            "cadres' reminders",
            settings.reminder_interval_minutes,
            Reminders(db, settings.escalation_interval_minutes > 0).enqueue_due,
        ),
    ]


def _once(services: Services) -> list[Once]:
    """What runs once across the processes of one start (``settings.boot_id``, shared by ``mattran up``'s workers):
    the library's re-index of what another embedder or chunker made (search serves meanwhile; nothing to do returns
    at once), then the demo library (after the re-index, so that no document is embedded twice)."""
    settings = services.settings

    async def index_then_load() -> str:
        try:
            await services.embedder.warm_up()
            upgraded = await upgrade_index(services.library, services.library_upgrade, services.petitions.jobs)
            done = f"index: {upgraded.embedded} chunks, {upgraded.petitions} petitions embedded again"
        except Exception:  # the store may be restarting: the next start resumes where this one stopped
            _log.exception("updating the library's index failed")
            done = "index: failed"
        if settings.load_demo_library:
            report = await load_demo_library(services.library, settings.laws_dir)
            done += f"; demo: {len(report.added)} added, {len(report.unchanged)} unchanged, {len(report.failed)} failed"
        return done

    return [
        Once(
            "library index and demo library", f"{CHUNKER_VERSION}/{settings.boot_id}", index_then_load, background=True
        )
    ]


def create_app(settings: Settings, urls: StoreUrls) -> FastAPI:
    """The web app over a store that :func:`mattran.bootstrap.prepare_store` has prepared."""
    secret = signing_secret(settings)  # loads the data dir's keys (the signing key unless one is given)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        PROCESS_STARTED.set_to_current_time()
        async with open_services(settings, urls.app) as services:
            oidc = OidcClient(
                settings.issuer,
                settings.oidc_client_id,
                settings.oidc_client_secret,
                f"{settings.base_url}/auth/callback",
                settings.oidc_scopes,
                settings.oidc_api_audience,
                access_token_rule=AccessTokenRule.parse(settings.oidc_access_token_rule),
                introspection=Introspection(settings.oidc_introspection),
                introspection_cache_s=settings.oidc_introspection_cache_seconds,
            )
            sessions = SessionService(
                services.db,
                oidc,
                services.resolver.units,
                settings.oidc_roles_claim,
                settings.oidc_unit_claim,
                settings.session_hours,
                TokenSealer(refresh_token_key(secret)),
            )
            chat = ChatRunner(urls.app, services, services.chat_model, subkey(secret, "chat.conversations.v1"))
            app.state.services, app.state.web = services, WebServices(oidc, sessions, chat)
            await chat.open()
            if settings.smtp_url is None:
                _log.warning("mail is off (MATTRAN_SMTP_URL is not set): e-mail notifications stay queued")
            _freeze_startup_objects()
            warm_up = asyncio.create_task(_warm_up(services.embedder))
            jobs = await background.start(db=services.db, jobs=_jobs(services, sessions), once=_once(services))
            try:
                yield
            finally:
                for task in (warm_up, *jobs):
                    task.cancel()
                await chat.close()
                gc.unfreeze()  # what this app held is collectable again (tests start many apps in one process)

    docs = settings.serve_api_docs
    app = FastAPI(
        title="Mặt trận số",
        version="0.1.0",
        lifespan=lifespan,
        dependencies=[Depends(storable_input)],
        description="API của nền tảng số Mặt trận Tổ quốc Việt Nam.",
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    app.state.settings = settings
    access_log.install()
    errors.install(app)
    app.add_middleware(TooLargeAnswer)
    for module in (
        health,
        units,
        library,
        members,
        congress,
        my_data,
        my_petitions,
        notifications,
        petitions,
        open311,
        chat_api,
        admin,
        auth,
        cadre,
        organisations,
        committees,
        member_pages,
        register_pages,
        committee_pages,
        rollup_pages,
        congress_pages,
        petition_bulk,
        petition_pages,
        receipt_pages,
        library_pages,
        reports,
        scripts,
        site_pages,
        pages,
    ):
        app.include_router(module.router)
    mount_chat(app, secret, urls.app, Transport(origin_of(settings.base_url)))
    app.add_middleware(CrossSiteGuard, base_url=settings.base_url)
    if settings.database_replica_urls.strip():
        https = settings.base_url.startswith("https://")
        app.add_middleware(ReadYourWrites, seconds=settings.database_replica_after_write_seconds, https=https)
    app.add_middleware(SecurityHeaders, base_url=settings.base_url, issuer=settings.issuer)
    app.add_middleware(RequestMetrics)  # every answer counted and timed, refusals included
    app.add_middleware(RequestIds)  # outermost: every log line of a request carries its id
    return app
