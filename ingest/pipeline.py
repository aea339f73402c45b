"""Ingest files into the library: parse, chunk with heading paths, embed, store; idempotent by content hash, chunker
version and embedder.

Unchanged files are skipped, changed ones replaced atomically; a file that fails is reported and skipped,
and the batch goes on. Reading, partitioning and chunking run in a pool of processes (one per core: unstructured is
CPU-bound), a few files ahead of the one encoder of this process, which is fed batches of about ``BATCH_CHUNKS``
chunks across files; each batch is stored in one transaction (``COPY``) while the next one is encoded, so a run
interrupted leaves every document stored whole or not at all, and the next run skips those stored. The term
statistics follow each batch in its transaction (the store's triggers).
"""

from __future__ import annotations

import asyncio
import ctypes
import multiprocessing
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ingest.chunking import CHUNKER_VERSION, chunk_document, heading_text
from ingest.partition import SUPPORTED_SUFFIXES, PartitionError, read_document
from knowledge.law_status import notice_for
from mattran.auth.principal import Principal
from mattran.domain.library import ChunkIn, DocumentIn, LibraryService, PreparedDocument, content_hash

BATCH_CHUNKS = 256  # chunks encoded at a time (then stored in one transaction): the encoder sorts them by length
AHEAD_PER_WORKER = 4  # files read and parsed ahead of the encoder, per worker process
_PR_SET_PDEATHSIG = 1  # prctl(2)


@dataclass(frozen=True)
class Tally:
    """How far a run has gone: files done (stored, unchanged or failed) of all, chunks stored, time taken; the rate
    and the time left are reckoned on the bytes of the files stored against those still to parse."""

    file: str  # the last file done
    files_done: int
    files: int
    chunks: int
    seconds: float
    bytes_stored: int
    bytes_left: int

    @property
    def rate(self) -> float:
        """Chunks stored per second."""
        return self.chunks / self.seconds if self.seconds > 0 else 0.0

    @property
    def remaining_seconds(self) -> float | None:
        """Seconds still to go (None until something is stored)."""
        if not self.bytes_stored:
            return None if self.bytes_left else 0.0
        return self.bytes_left * self.seconds / self.bytes_stored


Progress = Callable[[Tally], None]


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


def prepare_file(
    path: Path,
    content: bytes,
    access: Literal["public", "internal"],
    unit_code: str | None,
    kind: Literal["law", "guide", "document"] | None,
) -> tuple[Parsed, list[list[str]]] | str:
    """In a worker process: one file read and chunked, with its chunks' full-text terms; or why it failed (in
    Vietnamese, naming the file)."""
    try:
        parsed = parse_file(path, content, access, unit_code, kind)
    except PartitionError as exc:
        return str(exc)
    except Exception as exc:
        return f"Không xử lý được tệp “{path.name}”: {type(exc).__name__}: {exc}"
    return parsed, [c.terms() for c in parsed.chunks]


def parsers(workers: int) -> Executor:
    """Where files are parsed: processes forked from this one (they start at once with the parser this process has
    imported, and run nothing but parsing: a forked worker ends with ``os._exit``, never touching the connections
    or threads it inherited), or one thread when there is one worker."""
    if workers <= 1:
        return ThreadPoolExecutor(1, thread_name_prefix="ingest-parse")
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"), initializer=_end_with_parent)


def _end_with_parent() -> None:
    """In a worker: be killed when the process that started it dies (even by SIGKILL), rather than wait forever for
    work that will not come; leave Ctrl-C to that process, and its event loop's signal pipe alone."""
    with suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    with suppress(ValueError):  # signals are set from a main thread only
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


@dataclass
class _Run:
    """A run's state: what is parsed and waits to be encoded, what is being stored, the counts for progress."""

    service: LibraryService
    principal: Principal
    report: IngestReport
    progress: Progress | None
    files: int
    bytes_left: int
    started: float = field(default_factory=time.monotonic)
    files_done: int = 0
    bytes_stored: int = 0
    waiting: list[Parsed] = field(default_factory=list)
    terms: list[list[list[str]]] = field(default_factory=list)
    storing: asyncio.Task[None] | None = None

    def done(self, name: str, files: int = 1) -> None:
        self.files_done += files
        if self.progress:
            self.progress(
                Tally(
                    name,
                    self.files_done,
                    self.files,
                    self.report.chunks,
                    time.monotonic() - self.started,
                    self.bytes_stored,
                    self.bytes_left,
                )
            )

    async def encode(self) -> None:
        """Encode the chunks waiting (one call: the encoder sorts them by length), then store them (one
        transaction) while the next ones are encoded."""
        documents, terms = self.waiting, self.terms
        self.waiting, self.terms = [], []
        if not documents:
            return
        vectors = await self.service.embed([c for d in documents for c in d.chunks])
        prepared, start = [], 0
        for document, chunk_terms in zip(documents, terms, strict=True):
            end = start + len(document.chunks)
            prepared.append(PreparedDocument(document.document, document.chunks, vectors[start:end], chunk_terms))
            start = end
        await self.stored()
        self.storing = asyncio.create_task(self._store(prepared))

    async def _store(self, prepared: list[PreparedDocument]) -> None:
        await self.service.save_many(self.principal, prepared)
        for p in prepared:
            self.report.added.append(p.document.source)
            self.report.chunks += len(p.chunks)
            self.bytes_stored += len(p.document.content)
            self.bytes_left -= len(p.document.content)
        self.done(Path(prepared[-1].document.source).name, len(prepared))

    async def stored(self) -> None:
        """Wait for the batch being stored (its error raised here)."""
        if self.storing is not None:
            storing, self.storing = self.storing, None
            await storing


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
    workers: int | None = None,
) -> IngestReport:
    """Ingest every file, parsed by ``workers`` processes (default: one per core); with ``delete_missing``, delete
    stored documents whose file no longer exists."""
    service.check_manage(principal)
    unique: dict[Path, Path] = {}
    for named in expand(paths):  # each file once, however often it is named
        unique.setdefault(named.resolve(), named)
    files = list(unique.values())
    report = IngestReport()
    workers = max(1, min(workers or os.cpu_count() or 1, len(files)))
    sizes = {path: _size(path) for path in files}
    run = _Run(service, principal, report, progress, len(files), sum(sizes.values()))
    loop = asyncio.get_running_loop()
    ahead: deque[tuple[Path, asyncio.Future[tuple[Parsed, list[list[str]]] | str] | None]] = deque()
    queued = iter(files)

    async def submit(path: Path, executor: Executor) -> None:
        """Read the file and hand it to a parser, unless it is stored already (then ``None`` stands for it)."""
        try:
            content = await asyncio.to_thread(path.read_bytes)
        except OSError as exc:
            report.failed.append((str(path), f"Không đọc được tệp: {exc.strerror or exc}"))
            run.bytes_left -= sizes[path]
            run.done(path.name)
            return
        if await service.is_current(principal, str(path.resolve()), content_hash(content), CHUNKER_VERSION):
            report.unchanged.append(str(path.resolve()))
            run.bytes_left -= sizes[path]
            ahead.append((path, None))
            return
        ahead.append((path, loop.run_in_executor(executor, prepare_file, path, content, access, unit_code, kind)))

    with parsers(workers) as executor:
        try:
            while True:
                while len(ahead) < AHEAD_PER_WORKER * workers and (queued_path := next(queued, None)) is not None:
                    await submit(queued_path, executor)
                if not ahead:
                    break
                path, parsing = ahead.popleft()
                if parsing is None:
                    run.done(path.name)
                    continue
                result = await parsing
                if isinstance(result, str):
                    report.failed.append((str(path), result))
                    run.bytes_left -= sizes[path]
                    run.done(path.name)
                    continue
                run.waiting.append(result[0])
                run.terms.append(result[1])
                if sum(len(d.chunks) for d in run.waiting) >= BATCH_CHUNKS:
                    await run.encode()
            await run.encode()
            await run.stored()
        finally:
            for _path, parsing in ahead:
                if parsing is not None:
                    parsing.cancel()
            if run.storing is not None:  # an error elsewhere: the batch being stored is rolled back
                run.storing.cancel()
                with suppress(BaseException):
                    await run.storing
    if delete_missing:
        stored = await service.sources(principal)
        gone = [source for source in stored if source.startswith("/") and not Path(source).exists()]
        if gone:
            await service.delete(principal, [stored[s] for s in gone])
        report.deleted = gone
    return report


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
