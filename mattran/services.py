"""The services every door and tool uses, built once by the composition root (``compose.services``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from mattran.domain.embedding import Embedder
from mattran.domain.library import LibraryService
from mattran.domain.library_upgrade import LibraryUpgrade
from mattran.domain.notifications import Outbox
from mattran.domain.petitions import Petitions
from mattran.domain.privacy import PersonalData
from mattran.domain.rate_limits import RateLimits
from mattran.domain.reports.brief import SectionWriter
from mattran.domain.units import UnitResolver
from mattran.settings import Settings
from mattran.store.db import Database

if TYPE_CHECKING:  # the type only: the core loads no language-model client
    from langchain_core.language_models import BaseChatModel


@dataclass(frozen=True)
class Services:
    """The platform's services over one open store: the same bundle for the web, the CLI, the evals and the tests."""

    settings: Settings
    db: Database
    resolver: UnitResolver  # the units, loaded at start
    personal: PersonalData  # the personal-data cipher (DATA_DIR/keys/)
    limits: RateLimits
    embedder: Embedder  # one model for petitions' similarity and the library, loaded on first use
    petitions: Petitions  # intake, workflow, views, jobs
    library: LibraryService
    library_upgrade: LibraryUpgrade  # re-embedding after an upgrade, and its progress
    chat_model: BaseChatModel | None  # the configured language model's client; None offline
    section_writer: SectionWriter  # a report's prose: the configured language model's, else the templates'
    notifications: Outbox  # the petitioners' notifications, delivered by the web app's sender loop
