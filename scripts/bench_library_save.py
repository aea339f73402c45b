"""Benchmark: one small document's save (and deletion) in a library of many chunks, as an administrator does it.

The library is ``scripts/bench_search.py``'s synthetic one (law text, 70% public), loaded into the benchmark's own
embedded store; each save stores a new document of a few chunks of law text through ``LibraryService.save`` with its
vectors given (the encoder is not timed), then the documents are deleted one by one. Before migration 0083 every save
and deletion recounted the whole library's term statistics; since, the store's triggers add the document's terms.

Run: .venv/bin/python scripts/bench_library_save.py [--chunks 20000] [--saves 20] [--data-dir DIR] [--fresh]
(the code measured is the tree the script lies in: copy it into an older checkout to measure that one.)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
from bench_search import DIM, Corpus, FixedVector, load, summary_ms

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mattran.auth.principal import Principal, Role
from mattran.bootstrap import prepare_store
from mattran.domain.library import ChunkIn, DocumentIn, LibraryService
from mattran.settings import Settings
from mattran.store.db import Database

ADMIN = Principal(subject="bench:admin", name="Quản trị", roles=frozenset({Role.ADMIN}), unit_code="TW", unit_path="vn")
CHUNKS = 5  # a document's chunks


class GivenVectors(FixedVector):
    """Stands in for the embedder: the vectors are given to each save."""

    identity = "bench:given"


async def measure(app: str, corpus: Corpus, saves: int) -> dict[str, Any]:
    """Save ``saves`` new documents, then delete them; the time of each call."""
    db = Database(app, max_size=1)
    await db.open()
    library = LibraryService(db, GivenVectors())
    rng = np.random.default_rng(7)
    saved: list[float] = []
    deleted: list[float] = []
    ids = []
    try:
        for n in range(saves):
            start = int(rng.integers(0, len(corpus.pool) - 4 * CHUNKS))
            chunks = [
                ChunkIn(
                    heading=f"Điều {k + 1}",
                    anchor=f"dieu-{k + 1}",
                    article=k + 1,
                    body=" ".join(corpus.pool[start + 4 * k : start + 4 * k + 4]),
                )
                for k in range(CHUNKS)
            ]
            vectors = rng.standard_normal((CHUNKS, DIM)).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            document = DocumentIn(
                title=f"Văn bản lưu thử {n}", source=f"bench://save/{os.getpid()}/{n}", content=str(n).encode()
            )
            t = time.perf_counter()
            ids.append(await library.save(ADMIN, document, chunks, vectors))
            saved.append(time.perf_counter() - t)
        for document_id in ids:
            t = time.perf_counter()
            await library.delete(ADMIN, [document_id])
            deleted.append(time.perf_counter() - t)
    finally:
        await db.close()
    return {"save": summary_ms(saved), "delete": summary_ms(deleted)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chunks", type=int, default=20_000, help="chunks in the library")
    parser.add_argument("--saves", type=int, default=20)
    parser.add_argument("--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "mattran-bench-save")
    parser.add_argument("--fresh", action="store_true", help="reload the chunks even if the store holds them")
    args = parser.parse_args()

    def say(message: str) -> None:
        print(message, flush=True)

    urls = prepare_store(Settings(data_dir=args.data_dir, database_url=None, demo_data=False), say)
    with psycopg.connect(urls.owner) as conn:
        provinces = [
            (c, p)
            for c, p in conn.execute("select code, path::text from units where level = 1 order by code").fetchall()
        ]
    corpus = Corpus(200, 24, 0.6, 0.2)
    load(urls.owner, corpus, args.chunks, provinces, args.fresh, say)
    with psycopg.connect(urls.owner) as conn:  # the load gave its documents their ids: new ones follow them
        conn.execute(
            "select setval(pg_get_serial_sequence('library_documents', 'id'), (select max(id) from library_documents))"
        )
        chunks = conn.execute("select count(*) from library_chunks").fetchone()
    before = os.getloadavg()
    figures = asyncio.run(measure(urls.app, corpus, args.saves))
    after = os.getloadavg()
    say(
        f"thư viện {chunks[0] if chunks else 0:,} đoạn, {args.saves} tài liệu {CHUNKS} đoạn (tải hệ thống "
        f"{before[0]:.2f} → {after[0]:.2f}, {os.cpu_count()} lõi):"
    )
    for name, row in figures.items():
        say(f"  {name}: p50 {row['p50']} ms, p95 {row['p95']} ms, trung bình {row['mean']} ms")


if __name__ == "__main__":
    main()
