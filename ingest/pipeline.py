"""Ingest files into the library: parse, chunk with heading paths, embed, store; idempotent by content hash, chunker
version and embedder.

Unchanged files are skipped, changed ones replaced atomically; a file that fails is reported and skipped,
and the batch goes on. Parsing the next file overlaps with embedding the current one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ingest.chunking import CHUNKER_VERSION, chunk_document, heading_text
from ingest.partition import SUPPORTED_SUFFIXES, PartitionError, read_document
from knowledge.law_status import notice_for
from mattran.auth.principal import Principal
from mattran.domain.library import ChunkIn, DocumentIn, LibraryService, content_hash

Progress = Callable[[str, int, int], None]  # (file, files done, files in all)


@dataclass
class IngestReport:
    """What happened to each file of a batch."""

    added: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    chunks: int = 0

    def as_json(self) -> dict[str, object]:
        """The report as JSON."""
        return {
            "added": self.added,
            "unchanged": self.unchanged,
            "deleted": self.deleted,
            "chunks": self.chunks,
            "failed": [{"source": s, "error": e} for s, e in self.failed],
        }


@dataclass(frozen=True)
class Parsed:
    """A file read and chunked, ready to embed."""

    document: DocumentIn
    chunks: list[ChunkIn]


def expand(paths: Iterable[Path]) -> list[Path]:
    """Files to ingest: the files given, and every supported file under the folders given, sorted."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES))
        else:
            found.append(path)
    return found


def parse_file(
    path: Path,
    content: bytes,
    access: Literal["public", "internal"],
    unit_code: str | None,
    kind: Literal["law", "guide", "document"] | None = None,
) -> Parsed:
    """Read and chunk one file (CPU-bound; raises ``PartitionError`` with a Vietnamese message)."""
    parsed = read_document(path)
    chunks = [
        ChunkIn(heading=heading_text(c), anchor=c.anchor, article=c.article, body=c.text)
        for c in chunk_document(parsed)
    ]
    if not chunks:
        raise PartitionError(f"Tệp “{path.name}” không có nội dung văn bản nào để đưa vào thư viện.")
    legal = any(c.article is not None for c in chunks)
    document = DocumentIn(
        title=parsed.title,
        source=str(path.resolve()),
        content=content,
        kind=kind or ("law" if legal else "document"),
        access=access,
        unit_code=unit_code,
        notice=notice_for(parsed.title, legal),
        chunker=CHUNKER_VERSION,
    )
    return Parsed(document, chunks)


async def ingest(
    service: LibraryService,
    principal: Principal,
    paths: Iterable[Path],
    *,
    access: Literal["public", "internal"] = "public",
    unit_code: str | None = None,
    kind: Literal["law", "guide", "document"] | None = None,
    delete_missing: bool = False,
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest every file; with ``delete_missing``, delete stored documents whose file no longer exists."""
    files = expand(paths)
    report = IngestReport()
    pending: asyncio.Task[Parsed | None] | None = None

    async def prepare(path: Path) -> Parsed | None:
        try:
            content = await asyncio.to_thread(path.read_bytes)
        except OSError as exc:
            report.failed.append((str(path), f"Không đọc được tệp: {exc.strerror or exc}"))
            return None
        if await service.is_current(principal, str(path.resolve()), content_hash(content), CHUNKER_VERSION):
            report.unchanged.append(str(path.resolve()))
            return None
        try:
            return await asyncio.to_thread(parse_file, path, content, access, unit_code, kind)
        except PartitionError as exc:
            report.failed.append((str(path), str(exc)))
        except Exception as exc:
            report.failed.append((str(path), f"Không xử lý được tệp “{path.name}”: {type(exc).__name__}: {exc}"))
        return None

    for index, path in enumerate(files):
        current = await (pending if pending is not None else prepare(path))
        pending = asyncio.ensure_future(prepare(files[index + 1])) if index + 1 < len(files) else None
        if current is not None:
            await service.save(principal, current.document, current.chunks, refresh=False)
            report.added.append(current.document.source)
            report.chunks += len(current.chunks)
        if progress:
            progress(path.name, index + 1, len(files))
    if report.added:
        await service.refresh_statistics()
    if delete_missing:
        stored = await service.sources(principal)
        gone = [source for source in stored if source.startswith("/") and not Path(source).exists()]
        if gone:
            await service.delete(principal, [stored[s] for s in gone])
        report.deleted = gone
    return report
