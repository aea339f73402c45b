"""The demo library: the platform's own guides for citizens, and the laws of ``../shared/corpus/laws`` when present."""

from __future__ import annotations

import logging
from pathlib import Path

import knowledge
from ingest.pipeline import IngestReport, ingest
from mattran.auth.principal import Principal, Role
from mattran.domain.library import LibraryService

GUIDES = Path(knowledge.__file__).resolve().parent / "guides"
# The shared corpus sits beside the project's checkout (see README); nothing is copied into the repository.
LAWS = Path(knowledge.__file__).resolve().parents[2] / "shared" / "corpus" / "laws"
LOADER = Principal(subject="system:thu-vien-mau", name="Thư viện mẫu", roles=frozenset({Role.ADMIN}))

_log = logging.getLogger(__name__)


async def load_demo_library(library: LibraryService) -> IngestReport:
    """Ingest the guides and the laws (unchanged files are skipped, so later starts take a moment)."""
    def progress(name: str, done: int, total: int) -> None:
        _log.info("thư viện mẫu: %s (%d/%d)", name, done, total)

    report = await ingest(library, LOADER, [GUIDES], kind="guide", progress=progress)
    if LAWS.is_dir():
        laws = await ingest(library, LOADER, [LAWS], kind="law", progress=progress)
        report.added += laws.added
        report.unchanged += laws.unchanged
        report.failed += laws.failed
        report.chunks += laws.chunks
    _log.info("thư viện mẫu: thêm %d tài liệu (%d đoạn), không đổi %d, lỗi %d",
              len(report.added), report.chunks, len(report.unchanged), len(report.failed))
    return report
