"""Bringing the library's index up to date after an upgrade: chunks made by another embedder are embedded again,
one document per transaction, while search goes on with the old vectors of the documents not reached yet.

Which documents are out of date is read from the store (each chunk records its embedder and chunker), so a pass cut
short by a restart resumes where it stopped. Chunking again from a source file is the ingest door's work
(``ingest.reindex``); this module embeds, flags and counts.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from mattran.domain.embedding import Encoder
from mattran.domain.jobs import give_way
from mattran.domain.library import ChunkIn
from mattran.scope import Scope
from mattran.store import library as store
from mattran.store.db import Database


@dataclass
class UpgradeProgress:
    """How far the pass has gone: chunks to redo when it began, chunks redone since, and whether it runs."""

    total: int = 0
    done: int = 0
    running: bool = False
    started: float = field(default_factory=time.monotonic)

    def begin(self, total: int) -> None:
        """A pass starts over ``total`` chunks."""
        self.total, self.done, self.running, self.started = total, 0, total > 0, time.monotonic()

    @property
    def percent(self) -> int:
        """The share done, in whole percent (100 when there was nothing to do)."""
        return 100 if self.total == 0 else min(100, self.done * 100 // self.total)

    @property
    def rate(self) -> float:
        """Chunks redone per second since the pass began."""
        return self.done / max(time.monotonic() - self.started, 1e-6)

    def line(self) -> str:
        """A log line: done/total, percent and rate."""
        return f"cập nhật chỉ mục thư viện: {self.done}/{self.total} đoạn ({self.percent}%), {self.rate:.1f} đoạn/giây"

    def notice(self) -> str | None:
        """What the library page and the health check say while the pass runs."""
        return f"Thư viện đang được cập nhật ({self.percent}%)" if self.running else None


@dataclass(frozen=True)
class OutdatedDocument:
    """A document with chunks made by another embedder or chunker."""

    id: int
    source: str
    content_hash: str
    kind: Literal["law", "guide", "document"]
    access: Literal["public", "internal"]
    unit_code: str | None
    chunks: int
    outdated_vectors: int  # chunks whose vector another embedder made
    rechunk: bool  # cut by another chunker, and not flagged for re-ingest yet


class LibraryUpgrade:
    """Finds the library's out-of-date documents, embeds their chunks again, flags those to ingest again."""

    def __init__(self, db: Database, embedder: Encoder) -> None:
        self.db = db
        self._embedder = embedder
        self.progress = UpgradeProgress()

    async def identity(self) -> str:
        """The current embedder's id (its weights are hashed once, in a worker thread)."""
        return await asyncio.to_thread(lambda: self._embedder.identity)

    async def outdated(self, chunker: str) -> list[OutdatedDocument]:
        """Documents with chunks made by another embedder, or by another chunker than ``chunker``, by id."""
        identity = await self.identity()
        async with self.db.transaction(Scope.everything()) as conn:
            rows = await store.outdated_documents(conn, chunker, identity)
        return [
            OutdatedDocument(
                id=int(r["id"]),
                source=r["source"],
                content_hash=r["content_hash"],
                kind=r["kind"],
                access=r["access"],
                unit_code=r["unit_code"],
                chunks=int(r["chunks"]),
                outdated_vectors=int(r["outdated_vectors"]),
                rechunk=bool(r["outdated_chunks"]) and not r["needs_reingest"],
            )
            for r in rows
        ]

    async def embed_again(self, documents: Sequence[OutdatedDocument], batch: int = 64) -> int:
        """Embed again the documents' chunks made by another embedder, ``batch`` at a time (a search's question
        waits for the model at most one batch); each document's new vectors are written in a transaction of its own.
        Returns the chunks changed (a document replaced meanwhile by an ingest has none left to change)."""
        identity = await self.identity()
        async with self.db.transaction(Scope.everything()) as conn:
            rows = await store.chunks_to_embed(conn, [d.id for d in documents], identity)
        if not rows:
            return 0
        texts = [ChunkIn(r["heading"], "", None, r["body"]).embedding_text() for r in rows]
        parts = []
        for i in range(0, len(texts), batch):
            await give_way()  # in the background job of ``mattran up``, requests first
            parts.append(await asyncio.to_thread(self._embedder.passages, texts[i : i + batch]))
        vectors = np.concatenate(parts)
        changed = 0
        for document in documents:
            positions = [i for i, r in enumerate(rows) if r["document_id"] == document.id]
            if positions:
                async with self.db.transaction(Scope.everything()) as conn:
                    changed += await store.replace_vectors(
                        conn, [rows[i]["id"] for i in positions], vectors[positions], identity
                    )
        return changed

    async def flag_for_reingest(self, document_id: int) -> None:
        """Mark a document whose chunker changed but whose source file is gone: ``mattran ingest`` it again."""
        async with self.db.transaction(Scope.everything()) as conn:
            await store.flag_for_reingest(conn, document_id)
