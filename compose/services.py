"""The one factory of :class:`~mattran.services.Services`: production, the CLI, the evals, the tests and the
benchmarks all build the services here, with the concrete embedding model and the configured language model."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from email.utils import parseaddr

from agents.llm import chat_model, section_writer
from knowledge.embeddings import lazy_embedder
from mattran.bootstrap import replica_urls
from mattran.domain.claim_links import ClaimLinks
from mattran.domain.library import LibraryService
from mattran.domain.library_adapter import QueryAdapter, shipped_adapter
from mattran.domain.library_upgrade import LibraryUpgrade
from mattran.domain.notifications import Channel, LoggingSender, Outbox, Sender, SmtpConfig, SmtpSender
from mattran.domain.petition_text import Deadlines
from mattran.domain.petitions import (
    PetitionClaims,
    PetitionFollowUp,
    PetitionIntake,
    PetitionJobs,
    Petitions,
    PetitionViews,
    PetitionWorkflow,
)
from mattran.domain.privacy import PersonalData, personal_data
from mattran.domain.pseudonyms import Pseudonyms
from mattran.domain.rate_limits import RateLimits
from mattran.domain.units import UnitResolver, load_resolver
from mattran.keys import key_ring, subkey
from mattran.scope import Scope
from mattran.services import Services
from mattran.settings import Settings
from mattran.store.db import Database, ReplicaPolicy


def build_services(settings: Settings, db: Database, resolver: UnitResolver) -> Services:
    """The services over an open pool and its loaded units."""
    signing = key_ring(settings).signing.secret.decode()
    embedder = lazy_embedder(settings)  # one model for petitions' similarity and the library
    personal = personal_data(settings)
    model = chat_model(settings)  # built once: the chat's assistant and the report prose
    limits = RateLimits.of(db, settings)
    claims = ClaimLinks(subkey(signing, "petitions.claim.v1"))
    deadlines = Deadlines(settings.petition_due_days, settings.petition_due_days_by_category)
    return Services(
        settings=settings,
        db=db,
        resolver=resolver,
        petitions=Petitions(
            intake=PetitionIntake(db, resolver, deadlines, personal, limits, Pseudonyms(signing)),
            workflow=PetitionWorkflow(db, resolver, deadlines, personal, embedder),
            views=PetitionViews(db, resolver, embedder),
            jobs=PetitionJobs(db, resolver, deadlines, embedder),
            followup=PetitionFollowUp(db, resolver, Pseudonyms(signing), personal),
            claims=PetitionClaims(db, claims, personal, Pseudonyms(signing)),
        ),
        library=LibraryService(db, embedder, query_adapter(settings)),
        library_upgrade=LibraryUpgrade(db, embedder),
        personal=personal,
        limits=limits,
        embedder=embedder,
        chat_model=model,
        section_writer=section_writer(model),
        notifications=outbox(settings, db, personal, signing, claims),
    )


def query_adapter(settings: Settings) -> QueryAdapter | None:
    """The library's query adapter when it is on and made for the configured embedding model."""
    if not settings.library_query_adapter:
        return None
    adapter = shipped_adapter()
    return adapter if adapter.model == settings.embedding_model else None


def senders(settings: Settings) -> dict[Channel, Sender]:
    """The sender of each channel that is on: e-mail when an SMTP server is set, SMS and Zalo OA as configured."""
    found: dict[Channel, Sender] = {}
    if settings.smtp_url is not None:
        found["email"] = SmtpSender(SmtpConfig.parse(settings.smtp_url.get_secret_value()), settings.mail_from)
    if settings.sms_sender == "log":
        found["sms"] = LoggingSender("sms")
    if settings.zalo_sender == "log":
        found["zalo"] = LoggingSender("zalo")
    return found


def outbox(
    settings: Settings, db: Database, personal: PersonalData, signing: str, claims: ClaimLinks | None = None
) -> Outbox:
    """The notifications' outbox over the configured senders (with ``claims``: guests' receipts carry a claim link)."""
    domain = parseaddr(settings.mail_from)[1].rpartition("@")[2] or "mattran.local"
    key = subkey(signing, "notifications.unsubscribe.v1")
    return Outbox(db, personal, senders(settings), settings.base_url, domain, key, claims=claims)


@asynccontextmanager
async def open_services(settings: Settings, app_url: str, pool_size: int | None = None) -> AsyncIterator[Services]:
    """Open the application's pool on ``app_url`` (``pool_size`` connections, default the settings', as many on each
    read replica), load the units, build the services; the pools are closed on exit."""
    db = Database(
        app_url,
        max_size=pool_size or settings.db_pool_size,
        replica_urls=replica_urls(settings),
        prepared=settings.db_prepared_statements,
        replica_policy=ReplicaPolicy(max_lag_seconds=settings.database_replica_max_lag_seconds),
    )
    await db.open()
    try:
        async with db.transaction(Scope.public()) as conn:
            resolver = await load_resolver(conn)
        yield build_services(settings, db, resolver)
    finally:
        await db.close()
