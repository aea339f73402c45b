"""After an upgrade, bring the library and the petitions' vectors up to the current embedder and chunker.

``mattran up`` runs :func:`upgrade_index` in the background: documents cut by another chunker are chunked again from
their source file when it is still there unchanged (else flagged for ``mattran ingest`` and only embedded again),
chunks and petitions embedded by another model are embedded again in batches, with progress logged. Search keeps
serving throughout: a document's old vectors stay until its new ones are written, in one transaction.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from ingest.chunking import CHUNKER_VERSION
from ingest.partition import PartitionError
from ingest.pipeline import parse_file
from mattran.auth.principal import Principal, Role
from mattran.domain.library import LibraryService, content_hash
from mattran.domain.library_upgrade import LibraryUpgrade, OutdatedDocument
from mattran.domain.petitions.jobs import PetitionJobs

UPGRADER = Principal(subject="system:nang-cap-thu-vien", name="Nâng cấp thư viện", roles=frozenset({Role.ADMIN}))
BATCH_CHUNKS = 64  # chunks embedded at a time: a search's question waits at most one batch for the model
LOG_SECONDS = 10.0
LOG_SOURCES = 5  # the sources to ingest again named in the log (the rest counted)

_log = logging.getLogger(__name__)


@dataclass
class UpgradeReport:
    """What a pass did."""

    embedded: int = 0  # chunks embedded again
    rechunked: list[str] = field(default_factory=list)  # sources chunked again
    flagged: list[str] = field(default_factory=list)  # sources to ingest again (their file is gone or changed)
    petitions: int = 0  # petitions embedded again


def _source_content(document: OutdatedDocument) -> bytes | None:
    """The document's source file's bytes when the file is still there, unchanged since it was ingested."""
    path = Path(document.source)
    try:
        content = path.read_bytes() if path.is_absolute() and path.is_file() else None
    except OSError:
        return None
    return content if content is not None and content_hash(content) == document.content_hash else None


async def _rechunk(library: LibraryService, document: OutdatedDocument) -> bool:
    """Chunk the document again from its source file and store it (one transaction); False when that cannot be."""
    content = await asyncio.to_thread(_source_content, document)
    if content is None:
        return False
    try:
        parsed = await asyncio.to_thread(
            parse_file, Path(document.source), content, document.access, document.unit_code, document.kind
        )
    except PartitionError:
        return False
    await library.save(UPGRADER, parsed.document, parsed.chunks)
    return True


async def upgrade_index(
    library: LibraryService, upgrade: LibraryUpgrade, petitions: PetitionJobs, batch: int = BATCH_CHUNKS
) -> UpgradeReport:
    """One pass over everything made by another embedder or chunker (nothing to do: returns at once)."""
    report = UpgradeReport()
    outdated = await upgrade.outdated(CHUNKER_VERSION)
    progress = upgrade.progress
    progress.begin(sum(d.chunks if d.rechunk else d.outdated_vectors for d in outdated))
    if outdated:
        _log.info("%s tài liệu cần cập nhật chỉ mục (%d đoạn)", len(outdated), progress.total)
    logged = time.monotonic()
    pending: list[OutdatedDocument] = []

    async def embed_pending() -> None:
        nonlocal logged
        if pending:
            report.embedded += await upgrade.embed_again(pending, batch)
            progress.done += sum(d.outdated_vectors for d in pending)
            pending.clear()
        if time.monotonic() - logged >= LOG_SECONDS:
            _log.info("%s", progress.line())
            logged = time.monotonic()

    try:
        for document in outdated:
            if document.rechunk:
                if await _rechunk(library, document):
                    report.rechunked.append(document.source)
                    progress.done += document.chunks
                    continue
                await upgrade.flag_for_reingest(document.id)
                report.flagged.append(document.source)
                progress.done += document.chunks - document.outdated_vectors
            if document.outdated_vectors:
                if pending and sum(d.outdated_vectors for d in pending) + document.outdated_vectors > batch:
                    await embed_pending()
                pending.append(document)
        await embed_pending()
        while embedded := await petitions.embed_again():
            report.petitions += embedded
    finally:
        progress.running = False
    if outdated or report.petitions:
        shown = ", ".join(report.flagged[:LOG_SOURCES]) + ("…" if len(report.flagged) > LOG_SOURCES else "")
        _log.info(
            "%s; chia lại %d tài liệu, cần nạp lại bằng mattran ingest %d (tệp nguồn không còn: %s), %d kiến nghị "
            "nhúng lại",
            progress.line(),
            len(report.rechunked),
            len(report.flagged),
            shown or "không có",
            report.petitions,
        )
    return report
