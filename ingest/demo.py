"""The demo library: the platform's own guides for citizens, and the shared corpus's laws when present."""

from __future__ import annotations

import logging
from pathlib import Path

import knowledge
from ingest.pipeline import IngestReport, Tally, ingest
from mattran.auth.principal import Principal, Role
from mattran.domain.library import LibraryService

GUIDES = Path(knowledge.__file__).resolve().parent / "guides"
LOADER = Principal(subject="system:thu-vien-mau", name="Thư viện mẫu", roles=frozenset({Role.ADMIN}))

_log = logging.getLogger(__name__)


async def load_demo_library(library: LibraryService, laws: Path) -> IngestReport:
    """Ingest the guides and the laws of ``laws`` (``Settings.laws_dir``; unchanged files are skipped, so later starts
    take a moment)."""

    def progress(tally: Tally) -> None:
        _log.info("thư viện mẫu: %s (%d/%d)", tally.file, tally.files_done, tally.files)

    report = await ingest(library, LOADER, [GUIDES], kind="guide", progress=progress)
    if laws.is_dir():
        ingested = await ingest(library, LOADER, [laws], kind="law", progress=progress)
        report.added += ingested.added
        report.unchanged += ingested.unchanged
        report.failed += ingested.failed
        report.chunks += ingested.chunks
    _log.info(
        "thư viện mẫu: thêm %d tài liệu (%d đoạn), không đổi %d, lỗi %d",
        len(report.added),
        report.chunks,
        len(report.unchanged),
        len(report.failed),
    )
    return report
