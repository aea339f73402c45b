"""Benchmark: library search latency against corpus size, and the HNSW index's recall against exact search.

Synthetic chunks on the benchmark's own embedded store: 384-d unit vectors with cluster structure (random
centroids, noise mostly inside a low-dimensional subspace per cluster, as sentence embeddings have), each
chunk's text drawn from the laws of ``../shared/corpus/laws`` near its cluster's place in the corpus (so the
full-text half sees real Vietnamese term statistics; a tenth of the chunks typed without diacritics), 70%
public and 30% internal spread over the 34 provinces (so row-level security filters every query).

Latency goes through the real code path as the application role with RLS: ``LibraryService.search`` with a
stand-in embedder that returns a ready query vector (term statistics, full text, restoring the diacritics of
an unaccented question, HNSW, fusion, fetching the passages), for a commune cadre and for a citizen. The query
embedding is timed on its own, and the whole search with the real embedder on the retrieval eval's questions.

The full-text candidates the store returns are also compared with the exact ones (every chunk holding any of
the question's informative terms, scored on all of them), since ``matching_chunks`` prunes.

Per size it prints the HNSW index's build time (parallel, with the server's maintenance memory), the index's and
the table's sizes, the server's memory settings and its resident memory. ``--hnsw 16:64,24:128`` rebuilds the index
with each m:ef_construction in turn and measures its build and recall (``--vectors-only``: nothing else), then
builds the migration's index again. Before the latencies are measured, what a search reads is read into memory
(``PREWARM``: as on a server that has been serving, or one restarted with autoprewarm); ``--cold`` skips that.

Run: .venv/bin/python scripts/bench_search.py [--sizes 10000,100000] [--queries 300] [--recall-queries 200]
     [--ef-search 40,100,200] [--hnsw M:EFC,...] [--vectors-only] [--data-dir DIR] [--store-per-size] [--fresh]
     [--no-embed] [--cold]
     (1,000,000 chunks: --sizes 100000,1000000; the data dir is kept, so a later run reuses what is loaded; with
     --store-per-size each size has its own store under DATA_DIR/<size>, so no size is reloaded for another)
Writes artifacts/bench/search.json.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import psutil
import psycopg
from bench_host import cpu_model, memory_gib

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mattran.auth.principal import Principal, Role
from mattran.bootstrap import StoreUrls, prepare_store
from mattran.domain.library import LibraryService
from mattran.domain.library_query import keywords
from mattran.domain.text import strip_marks
from mattran.settings import Settings
from mattran.store import library as store
from mattran.store.db import Database

ROOT = Path(__file__).resolve().parent.parent

LAWS = ROOT.parent / "shared" / "corpus" / "laws"
OUT = ROOT / "artifacts" / "bench"
DIM = 384
BLOCK = 10_000  # chunks generated per block (each block from its own seed: chunk i is the same in every run)
CHUNKS_PER_DOCUMENT = 20
PUBLIC_SHARE = 0.7
SEED = 20250704
STAGES = ("term_stats", "matching_chunks", "chunks_by_id", "nearest_chunks", "article_signals")
FALLBACK_WORDS = [
    "quyền",
    "nghĩa",
    "vụ",
    "công",
    "dân",
    "cơ",
    "quan",
    "nhà",
    "nước",
    "khiếu",
    "nại",
    "tố",
    "cáo",
    "giải",
    "quyết",
    "thời",
    "hạn",
    "ngày",
    "làm",
    "việc",
    "quyết",
    "định",
    "hành",
    "chính",
    "ủy",
    "ban",
    "nhân",
    "dân",
    "cấp",
    "xã",
    "huyện",
    "tỉnh",
    "thủ",
    "trưởng",
    "người",
    "đứng",
    "đầu",
    "tiếp",
    "công",
    "dân",
    "đất",
    "đai",
    "thu",
    "hồi",
    "bồi",
    "thường",
    "hỗ",
    "trợ",
    "tái",
    "định",
    "cư",
    "bảo",
    "hiểm",
    "xã",
    "hội",
    "lương",
    "hưu",
    "thai",
    "sản",
    "ốm",
    "đau",
    "mặt",
    "trận",
    "tổ",
    "quốc",
    "giám",
    "sát",
    "phản",
    "biện",
    "đại",
    "biểu",
    "quốc",
    "hội",
    "hội",
    "đồng",
    "bầu",
    "cử",
    "thông",
    "tin",
    "cung",
    "cấp",
    "yêu",
    "cầu",
    "văn",
    "bản",
    "hồ",
    "sơ",
    "thủ",
    "tục",
    "trách",
    "nhiệm",
    "xử",
    "lý",
    "vi",
    "phạm",
    "pháp",
    "luật",
]


# ---------------------------------------------------------------- machine


def machine() -> dict[str, Any]:
    """CPU model, cores, memory, load, OS."""
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "ram_gib": round(memory_gib(), 1),
        "python": platform.python_version(),
        "os": platform.platform(),
        "loadavg": os.getloadavg(),
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
    }


def scalar(conn: psycopg.Connection[Any], query: str) -> Any:
    """The value of a query that gives one row of one column."""
    row = conn.execute(query).fetchone()
    assert row is not None, query
    return row[0]


def pct(values: list[float], q: float) -> float:
    """The q-quantile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))] if ordered else float("nan")


def summary_ms(values: list[float]) -> dict[str, float]:
    """p50/p95/p99/mean in milliseconds."""
    return {
        "p50": round(pct(values, 0.50) * 1000, 2),
        "p95": round(pct(values, 0.95) * 1000, 2),
        "p99": round(pct(values, 0.99) * 1000, 2),
        "mean": round(statistics.fmean(values) * 1000, 2),
        "n": len(values),
    }


# ---------------------------------------------------------------- synthetic corpus


def sentence_pool() -> list[str]:
    """Sentences (clauses) of the laws in corpus order, or made-up ones from a word list."""
    pool: list[str] = []
    if LAWS.is_dir():
        for path in sorted(LAWS.glob("*.txt")):
            for line in path.read_text(encoding="utf-8").splitlines():
                line = " ".join(line.split())
                if len(line) < 25 or line.isupper():
                    continue
                pool.extend(s for s in re.split(r"(?<=[.;:])\s+", line) if len(s) >= 25)
    if len(pool) < 1000:
        rng = np.random.default_rng(SEED)
        pool = [" ".join(rng.choice(FALLBACK_WORDS, rng.integers(8, 30))).capitalize() + "." for _ in range(20_000)]
    return pool


class Corpus:
    """Deterministic synthetic chunks: chunk ``i`` is the same in every run (generated by blocks)."""

    def __init__(self, clusters: int, intrinsic: int, spread: float, isotropic: float) -> None:
        rng = np.random.default_rng(SEED)
        self.centroids = _unit(rng.standard_normal((clusters, DIM)).astype(np.float32))
        # each cluster varies mostly along its own few directions (like real sentence embeddings)
        self.bases = (rng.standard_normal((clusters, intrinsic, DIM)) / np.sqrt(intrinsic)).astype(np.float32)
        self.spread, self.isotropic = spread, isotropic
        self.pool = sentence_pool()
        self.clusters = clusters
        self._cache: dict[int, tuple[np.ndarray, list[str], np.ndarray]] = {}

    def block(self, b: int) -> tuple[np.ndarray, list[str], np.ndarray]:
        """Vectors, bodies and cluster ids of chunks ``b*BLOCK`` … ``(b+1)*BLOCK - 1``."""
        if b in self._cache:
            return self._cache[b]
        rng = np.random.default_rng([SEED, b])
        k = self.clusters
        cluster = rng.integers(0, k, BLOCK)
        z = rng.standard_normal((BLOCK, self.bases.shape[1])).astype(np.float32) * self.spread
        vectors = self.centroids[cluster] + np.einsum("ni,nid->nd", z, self.bases[cluster])
        vectors += rng.standard_normal((BLOCK, DIM)).astype(np.float32) * (self.isotropic / np.sqrt(DIM))
        vectors = _unit(vectors)
        window = len(self.pool) / k
        bodies = []
        for i in range(BLOCK):
            start = int(cluster[i] * window + rng.integers(0, max(1, int(window))))
            parts: list[str] = []
            size = 0
            for s in range(start, start + 12):
                sentence = self.pool[s % len(self.pool)]
                if size + len(sentence) > 1100 and parts:
                    break
                parts.append(sentence)
                size += len(sentence)
            body = "\n".join(parts)
            bodies.append(strip_marks(body) if rng.random() < 0.1 else body)
        if len(self._cache) > 8:
            self._cache.clear()
        self._cache[b] = (vectors, bodies, cluster)
        return self._cache[b]

    def chunk(self, i: int) -> tuple[np.ndarray, str]:
        """Vector and body of chunk ``i``."""
        vectors, bodies, _ = self.block(i // BLOCK)
        return vectors[i % BLOCK], bodies[i % BLOCK]


def _unit(m: np.ndarray) -> np.ndarray:
    return (m / np.linalg.norm(m, axis=-1, keepdims=True)).astype(np.float32)


def heading(document: int, ordinal: int) -> str:
    """A legal heading path like the real ones."""
    return f"Văn bản thử nghiệm số {document + 1} > Chương {ordinal // 8 + 1} > Điều {ordinal + 1}"


def document_access(document: int, provinces: list[tuple[str, str]]) -> tuple[str, str | None, str | None]:
    """(access, unit code, unit path) of a synthetic document: 70% public, the rest internal to a province."""
    rng = np.random.default_rng([SEED, 7, document])
    if rng.random() < PUBLIC_SHARE:
        return "public", None, None
    code, path = provinces[int(rng.integers(0, len(provinces)))]
    return "internal", code, path


# ---------------------------------------------------------------- loading (as the owner, bypassing RLS)


def load(
    owner: str, corpus: Corpus, size: int, provinces: list[tuple[str, str]], fresh: bool, say: Callable[[str], None]
) -> dict[str, Any]:
    """Make the store hold exactly chunks 0 … size-1; returns load and index timings."""
    figures: dict[str, Any] = {}
    with psycopg.connect(owner, autocommit=True) as conn:
        have = scalar(conn, "select count(*) from library_chunks")
        if fresh or have > size:
            conn.execute(
                "truncate library_documents, library_chunks, library_terms, library_lexemes restart identity cascade"
            )
            have = 0
        if have == size:
            say(f"  {size:,} đoạn đã có sẵn trong kho, dùng lại")
            figures["reused"] = True
            return figures
        conn.execute("set maintenance_work_mem = '2GB'")
        conn.execute(f"set max_parallel_maintenance_workers = {max(1, (os.cpu_count() or 2) - 1)}")
        indexes = [
            r[0]
            for r in conn.execute(
                "select indexdef from pg_indexes where tablename = 'library_chunks' "
                "and indexname not like '%%pkey' and indexname not like '%%document_id_anchor%%'"
            ).fetchall()
        ]
        names = [
            r[0]
            for r in conn.execute(
                "select indexname from pg_indexes where tablename = 'library_chunks' "
                "and indexname not like '%%pkey' and indexname not like '%%document_id_anchor%%'"
            ).fetchall()
        ]
        term_ids_index = scalar(
            conn, "select indexdef from pg_indexes where indexname = 'library_chunk_terms_terms_idx'"
        )
        started = time.monotonic()
        for name in names:
            conn.execute(f"drop index {name}")
        conn.execute("drop index library_chunk_terms_terms_idx")  # the trigger fills its table faster without it
        first_doc, last_doc = have // CHUNKS_PER_DOCUMENT, (size - 1) // CHUNKS_PER_DOCUMENT
        docs = []
        for d in range(first_doc, last_doc + 1):
            access, code, path = document_access(d, provinces)
            docs.append(
                (
                    d + 1,
                    f"Văn bản thử nghiệm số {d + 1}",
                    f"bench://library/{d + 1}",
                    "bench",
                    "law",
                    access,
                    code,
                    path,
                    CHUNKS_PER_DOCUMENT,
                    "bench",
                )
            )
        with conn.cursor() as cur:
            cur.executemany(
                "insert into library_documents (id, title, source, content_hash, kind, access, unit_code, unit_path,"
                " chunk_count, added_by) overriding system value values (%s,%s,%s,%s,%s,%s,%s,%s::ltree,%s,%s)"
                " on conflict (id) do nothing",
                docs,
            )
        conn.execute(
            "create temp table stage (document_id bigint, ordinal int, heading text, anchor text, article int,"
            " body text, access text, unit_path text, embedding text, keywords text)"
        )
        access_of = {d: document_access(d, provinces) for d in range(first_doc, last_doc + 1)}
        generated = 0.0
        with conn.cursor() as cur, cur.copy("copy stage from stdin") as copy:
            for b in range(have // BLOCK, (size - 1) // BLOCK + 1):
                t = time.monotonic()
                vectors, bodies, _ = corpus.block(b)
                literals = [",".join(f"{x:.6g}" for x in row) for row in vectors.tolist()]
                rows = []
                for j in range(BLOCK):
                    i = b * BLOCK + j
                    if i < have or i >= size:
                        continue
                    d, ordinal = divmod(i, CHUNKS_PER_DOCUMENT)
                    access, _code, path = access_of[d]
                    head = heading(d, ordinal)
                    rows.append(
                        (
                            d + 1,
                            ordinal,
                            head,
                            f"dieu-{ordinal + 1}",
                            ordinal + 1,
                            bodies[j],
                            access,
                            path,
                            f"[{literals[j]}]",
                            " ".join(keywords(f"{head}\n{bodies[j]}")),
                        )
                    )
                generated += time.monotonic() - t
                for row in rows:
                    copy.write_row(row)
                say(f"  đã chép {min(size, (b + 1) * BLOCK):,}/{size:,} đoạn")
        t = time.monotonic()
        conn.execute(
            "insert into library_chunks (document_id, ordinal, heading, anchor, article, body, access,"
            " unit_path, embedding, terms) select document_id, ordinal, heading, anchor, article, body,"
            " access, unit_path::ltree, embedding::vector, strip(to_tsvector('simple', keywords)) from stage"
        )
        figures["insert_s"] = round(time.monotonic() - t, 1)  # with the terms' lexicon ids and statistics (triggers)
        conn.execute("drop table stage")
        figures["load_s"] = round(time.monotonic() - started, 1)
        figures["generate_s"] = round(generated, 1)
        say(
            f"  nạp xong trong {figures['load_s']} s (sinh dữ liệu {figures['generate_s']} s, chèn kèm mã từ và "
            f"thống kê từ {figures['insert_s']} s); dựng chỉ mục…"
        )
        timings = {}
        for definition in indexes:
            t = time.monotonic()
            conn.execute(definition)
            timings[definition.split(" USING ")[1].split(" ")[0]] = round(time.monotonic() - t, 1)
        figures["index_s"] = timings
        t = time.monotonic()
        conn.execute(term_ids_index)
        figures["term_ids_index_s"] = round(time.monotonic() - t, 1)
        t = time.monotonic()
        conn.execute(
            "vacuum (analyze) library_documents, library_chunks, library_chunk_terms, library_lexemes, library_terms"
        )
        figures["vacuum_s"] = round(time.monotonic() - t, 1)
    say(f"  chỉ mục {timings} s, chỉ mục mã từ {figures['term_ids_index_s']} s, vacuum {figures['vacuum_s']} s")
    return figures


def sizes_on_disk(owner: str) -> dict[str, str]:
    """Table and index sizes (the table's own: heap and TOAST, without its indexes)."""
    with psycopg.connect(owner) as conn:
        rows = conn.execute(
            "select c.relname, pg_size_pretty(pg_total_relation_size(c.oid)) from pg_class c "
            "where c.relname in ('library_chunks', 'library_chunks_embedding_idx', 'library_chunk_terms', "
            "'library_chunk_terms_terms_idx', 'library_lexemes', 'library_terms')"
        ).fetchall()
        table = scalar(conn, "select pg_size_pretty(pg_table_size('library_chunks'))")
    return dict(rows) | {"library_chunks (table)": table}


# ---------------------------------------------------------------- the vector index: build, parameters, server memory

SERVER_SETTINGS = (
    "shared_buffers",
    "effective_cache_size",
    "work_mem",
    "maintenance_work_mem",
    "max_parallel_workers",
    "max_parallel_maintenance_workers",
    "max_parallel_workers_per_gather",
)


def server_memory(owner: str, data_dir: Path) -> dict[str, Any]:
    """The server's memory settings, and its resident memory (PSS summed over its processes: shared memory counted
    once)."""
    with psycopg.connect(owner) as conn:
        figures: dict[str, Any] = {name: scalar(conn, f"show {name}") for name in SERVER_SETTINGS}
    try:
        pid = int((data_dir / "pgdata" / "postmaster.pid").read_text().split()[0])
        server = psutil.Process(pid)
        pss = sum(p.memory_full_info().pss for p in [server, *server.children()])
        figures["resident_mib"] = round(pss / 2**20)
    except (OSError, ValueError, IndexError, psutil.Error, AttributeError):  # elsewhere than Linux, or not ours
        pass
    return figures


# What a search reads, into the server's buffers (the indexes, the term postings, the small tables) or, for the
# chunks' rows (larger than the buffers at a million), the OS cache: what a server that has been serving holds, and
# what pg_prewarm's autoprewarm (loaded by the embedded server) reads back after a restart.
PREWARM = (
    ("library_chunks_embedding_idx", "buffer"),
    ("library_chunk_terms", "buffer"),
    ("library_chunk_terms_terms_idx", "buffer"),
    ("library_chunks_pkey", "buffer"),
    ("library_chunks_article_idx", "buffer"),
    ("library_lexemes", "buffer"),
    ("library_lexemes_term_key", "buffer"),
    ("library_terms", "buffer"),
    ("library_terms_pkey", "buffer"),
    ("library_documents", "buffer"),
    ("library_documents_pkey", "buffer"),
    ("library_chunks", "read"),
)


def prewarm(owner: str) -> dict[str, Any]:
    """Read :data:`PREWARM` into memory; seconds and MB read, and the library's indexes left out (one a search
    reads must be added to :data:`PREWARM`)."""
    started, blocks = time.monotonic(), 0
    with psycopg.connect(owner, autocommit=True) as conn:
        conn.execute("create extension if not exists pg_prewarm")
        for relation, mode in PREWARM:
            if scalar(conn, f"select to_regclass('{relation}') is not null"):
                blocks += int(scalar(conn, f"select pg_prewarm('{relation}', '{mode}')"))
        block_size = int(scalar(conn, "show block_size"))
        relations = [r for r, _ in PREWARM]  # the tables among them have indexes
        indexes = conn.execute("select indexname from pg_indexes where tablename = any(%s)", (relations,)).fetchall()
    return {
        "seconds": round(time.monotonic() - started, 1),
        "mb": round(blocks * block_size / 2**20),
        "indexes_left_out": sorted(i for (i,) in indexes if i not in relations),
    }


def hnsw_index(owner: str) -> str:
    """The HNSW index's definition as the migrations made it."""
    with psycopg.connect(owner) as conn:
        return str(scalar(conn, "select indexdef from pg_indexes where indexname = 'library_chunks_embedding_idx'"))


def build_hnsw(owner: str, definition: str) -> dict[str, Any]:
    """Build the HNSW index from ``definition`` (the previous one dropped), in parallel with the server's settings;
    returns the build's time and the index's size."""
    with psycopg.connect(owner, autocommit=True) as conn:
        conn.execute("drop index if exists library_chunks_embedding_idx")
        started = time.monotonic()
        conn.execute(definition)
        seconds = round(time.monotonic() - started, 1)
        size = scalar(conn, "select pg_size_pretty(pg_relation_size('library_chunks_embedding_idx'))")
        conn.execute("analyze library_chunks")
    return {"build_s": seconds, "index_size": size}


def parameters(definition: str) -> tuple[int, int]:
    """The index's (m, ef_construction), pgvector's defaults where not given."""
    m = re.search(r"\bm\s*=\s*'?(\d+)", definition)
    ef = re.search(r"ef_construction\s*=\s*'?(\d+)", definition)
    return int(m.group(1)) if m else 16, int(ef.group(1)) if ef else 64


def with_parameters(definition: str, m: int, ef_construction: int) -> str:
    """``definition`` with the index's ``m`` and ``ef_construction`` replaced."""
    base = re.sub(r"\s+WITH \(.*\)\s*$", "", definition.strip())
    return f"{base} WITH (m = {m}, ef_construction = {ef_construction})"


# ---------------------------------------------------------------- queries


class FixedVector:
    """Stands in for the embedder: returns the vector of the query being run (the search without embedding)."""

    def __init__(self) -> None:
        self.vector = np.zeros(DIM, dtype=np.float32)

    def query(self, _text: str) -> np.ndarray:
        return self.vector

    def passages(self, texts: list[str]) -> np.ndarray:
        return np.tile(self.vector, (len(texts), 1))


def make_queries(corpus: Corpus, size: int, count: int, seed: int) -> list[tuple[np.ndarray, str]]:
    """(vector, text): a chunk's vector moved a little, and 3–6 consecutive words of it; every other one unaccented."""
    rng = np.random.default_rng([SEED, seed, size])
    queries = []
    for n in range(count):
        i = int(rng.integers(0, size))
        vector, body = corpus.chunk(i)
        moved = vector + rng.standard_normal(DIM).astype(np.float32) * (0.25 / np.sqrt(DIM))
        words = body.split()
        length = int(rng.integers(3, 7))
        start = int(rng.integers(0, max(1, len(words) - length)))
        text = " ".join(w.strip(".,;:()") for w in words[start : start + length])
        queries.append((_unit(moved), strip_marks(text) if n % 2 else text))
    return queries


class StageClock:
    """Times the store functions the search calls (patched on the module the service calls them through)."""

    def __init__(self) -> None:
        self.current: dict[str, float] = {}
        self.originals = {name: getattr(store, name) for name in STAGES}
        for name, fn in self.originals.items():
            setattr(store, name, self._wrap(name, fn))

    def _wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        async def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await fn(*args, **kwargs)
            finally:
                self.current[name] = self.current.get(name, 0.0) + time.perf_counter() - started

        return timed

    def restore(self) -> None:
        for name, fn in self.originals.items():
            setattr(store, name, fn)


# ---------------------------------------------------------------- exact full text (the reference)


async def matching_exact(
    conn: Any, terms: list[str], weights: list[float], limit: int, *_ignored: Any, **_also: Any
) -> list[tuple[int, float]]:
    """The same result as ``store.matching_chunks`` without its pruning: every visible chunk holding any of the terms
    (``library_chunk_terms``), scored on all of them."""
    cur = await conn.execute(
        """with w as materialized (
               select l.id, x.weight from unnest(%(terms)s::text[], %(weights)s::float8[]) as x(term, weight)
               join library_lexemes l on l.term = x.term)
           select t.chunk_id as id,
                  round((select sum(w.weight) from w where w.id = any(t.terms))::numeric, 9)::float8 as score
           from library_chunk_terms t
           where t.terms @@ (select coalesce(string_agg(w.id::text, '|'), '0') from w)::query_int
           order by score desc, id limit %(n)s""",
        {"terms": list(terms), "weights": list(weights), "n": limit},
    )
    return [(int(r["id"]), float(r["score"])) for r in await cur.fetchall()]


def principals(owner: str) -> dict[str, Principal]:
    """A commune cadre (a commune of the first province holding internal documents) and a citizen."""
    with psycopg.connect(owner) as conn:
        commune = conn.execute(
            "select code, path::text, name from units where level = 2 and subpath(path, 0, 2) = "
            "(select unit_path from library_documents where access = 'internal' group by unit_path "
            " order by count(*) desc limit 1) order by code limit 1"
        ).fetchone()
        if commune is None:
            commune = conn.execute(
                "select code, path::text, name from units where level = 2 order by code limit 1"
            ).fetchone()
    assert commune is not None, "no commune in the store"
    return {
        "cán bộ xã": Principal(
            subject="bench:cadre",
            name="Cán bộ xã",
            roles=frozenset({Role.COMMUNE_CADRE}),
            unit_code=commune[0],
            unit_path=commune[1],
            unit_name=commune[2],
        ),
        "công dân": Principal(subject="bench:citizen", name="Công dân", roles=frozenset({Role.CITIZEN})),
    }


async def measure_search(
    app: str, queries: list[tuple[np.ndarray, str]], people: dict[str, Principal], warmup: int = 30
) -> dict[str, Any]:
    """Latency of the search (minus the query embedding) per scope, end to end and per store call."""
    db = Database(app, max_size=2)
    await db.open()
    fixed = FixedVector()
    library = LibraryService(db, fixed)
    clock = StageClock()
    out: dict[str, Any] = {}
    try:
        for label, principal in people.items():
            totals: list[float] = []
            stages: dict[str, list[float]] = {name: [] for name in STAGES}
            hits = 0
            for n, (vector, text) in enumerate(queries[:warmup] + queries):
                fixed.vector = vector
                clock.current = {}
                started = time.perf_counter()
                result = await library.search(principal, text, 5)
                elapsed = time.perf_counter() - started
                if n < warmup:
                    continue
                totals.append(elapsed)
                hits += len(result.hits)
                for name in STAGES:
                    stages[name].append(clock.current.get(name, 0.0))
            out[label] = {
                "total": summary_ms(totals),
                "stages": {k: summary_ms(v) for k, v in stages.items()},
                "accented": summary_ms(totals[0::2]),
                "unaccented": summary_ms(totals[1::2]),
                "hits_per_query": round(hits / len(queries), 2),
            }
    finally:
        clock.restore()
        await db.close()
    return out


def same_ranking(got: list[tuple[int, float]], reference: list[tuple[int, float]]) -> bool:
    """Same scores at every rank and the same chunks (equal scores summed in another order differ in the last bits,
    so chunks tied with the last one kept may differ)."""
    if [round(s, 9) for _, s in got] != [round(s, 9) for _, s in reference]:
        return False
    last = round(reference[-1][1], 9) if reference else 0.0
    return {i for i, s in got if round(s, 9) > last} == {i for i, s in reference if round(s, 9) > last}


async def fulltext_agreement(
    app: str,
    queries: list[tuple[np.ndarray, str]],
    people: dict[str, Principal],
    variants: list[tuple[str, Callable[..., Any]]],
) -> dict[str, Any]:
    """The full-text candidates each variant returns against the exact ones (every chunk holding any of the
    question's informative terms, scored on all of them: what ``store.matching_chunks`` returned before it
    pruned): queries with the same ranking, and the mean share of the exact top 10 / top 50 found."""
    from mattran.domain import library as domain
    from mattran.domain.library_query import query_terms

    db = Database(app, max_size=2)
    await db.open()
    out: dict[str, Any] = {}
    try:
        for label, principal in people.items():
            figures: dict[str, dict[str, Any]] = {name: {"same": 0, "top10": [], "top50": []} for name, _ in variants}
            for _vector, text in queries:
                async with db.transaction(LibraryService.scope(principal)) as conn:
                    total, frequency = await store.term_stats(
                        conn, query_terms(text), LibraryService.statistics_class(principal)
                    )
                    weights = domain.term_weights(total, frequency)
                    if not weights:
                        for row in figures.values():
                            row["same"] += 1
                        continue
                    terms, values = list(weights), list(weights.values())
                    rare = domain.candidates(weights, frequency, total)
                    exact = await matching_exact(conn, terms, values, 50)
                    for name, fn in variants:
                        got = await fn(conn, terms, values, 50, rare, domain.CANDIDATE_BUDGET)
                        row = figures[name]
                        row["same"] += same_ranking(got, exact)
                        ids = [i for i, _ in got]
                        for k in (10, 50):
                            truth = {i for i, _ in exact[:k]}
                            row[f"top{k}"].append(len(truth & set(ids[:k])) / max(1, len(truth)))
            out[label] = {
                name: {
                    "same_ranking": f"{row['same']}/{len(queries)}",
                    "exact_top10_found": round(statistics.fmean(row["top10"]), 4) if row["top10"] else 1.0,
                    "exact_top50_found": round(statistics.fmean(row["top50"]), 4) if row["top50"] else 1.0,
                    "queries_missing_some_top10": sum(1 for x in row["top10"] if x < 1),
                }
                for name, row in figures.items()
            }
    finally:
        await db.close()
    return out


async def measure_recall(
    app: str, queries: list[tuple[np.ndarray, str]], people: dict[str, Principal], ef_values: list[int]
) -> dict[str, Any]:
    """recall@10 of ``nearest_chunks`` against ``exact_nearest_chunks`` within each scope, per ef_search."""
    db = Database(app, max_size=2)
    await db.open()
    out: dict[str, Any] = {}
    try:
        for label, principal in people.items():
            scope = LibraryService.scope(principal)
            recall: dict[int, list[float]] = {ef: [] for ef in ef_values}
            recall_depth50: list[float] = []
            hnsw_time: dict[int, list[float]] = {ef: [] for ef in ef_values}
            exact_time: list[float] = []
            for vector, _text in queries:
                async with db.transaction(scope) as conn:
                    t = time.perf_counter()
                    exact = await store.exact_nearest_chunks(conn, vector, 10)
                    exact_time.append(time.perf_counter() - t)
                truth = set(exact)
                for ef in ef_values:
                    async with db.transaction(scope) as conn:
                        t = time.perf_counter()
                        found = await store.nearest_chunks(conn, vector, 10, ef_search=ef)
                        hnsw_time[ef].append(time.perf_counter() - t)
                    recall[ef].append(len(truth & {i for i, _ in found}) / max(1, len(truth)))
                async with db.transaction(scope) as conn:  # as the search calls it: 50 candidates, default ef
                    found = await store.nearest_chunks(conn, vector, 50)
                recall_depth50.append(len(truth & {i for i, _ in found[:10]}) / max(1, len(truth)))
            out[label] = {
                "recall@10": {str(ef): round(statistics.fmean(v), 4) for ef, v in recall.items()},
                "recall@10_min": {str(ef): round(min(v), 2) for ef, v in recall.items()},
                "recall@10_search_call": round(statistics.fmean(recall_depth50), 4),
                "hnsw_ms": {str(ef): summary_ms(v) for ef, v in hnsw_time.items()},
                "exact_ms": summary_ms(exact_time),
                "queries": len(queries),
            }
    finally:
        await db.close()
    return out


# ---------------------------------------------------------------- the query embedding, and the whole search


def eval_questions() -> list[str]:
    path = ROOT / "evals" / "datasets" / "library_questions.jsonl"
    return [json.loads(line)["query"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def load_embedder(models_dir: Path) -> Any:
    from knowledge.embeddings import EmbeddingConfig, get_embedder

    return get_embedder(EmbeddingConfig(cache_dir=models_dir))


def measure_embedding(embedder: Any, questions: list[str]) -> dict[str, Any]:
    """The query embedding alone (one question at a time, as the search does)."""
    for q in questions:  # one pass first: the bf16 kernels are made for each new input length
        embedder.query(q)
    times = []
    for q in questions:
        t = time.perf_counter()
        embedder.query(q)
        times.append(time.perf_counter() - t)
    return {"model": embedder.describe(), **summary_ms(times)}


async def measure_full(app: str, embedder: Any, questions: list[str], people: dict[str, Principal]) -> dict[str, Any]:
    """The whole search with the real embedder (eval questions; the synthetic store's content does not match them,
    the latency is what counts)."""
    db = Database(app, max_size=2)
    await db.open()
    library = LibraryService(db, embedder)
    out = {}
    try:
        for label, principal in people.items():
            for q in questions[:5]:
                await library.search(principal, q, 5)
            times = []
            for q in questions:
                t = time.perf_counter()
                await library.search(principal, q, 5)
                times.append(time.perf_counter() - t)
            out[label] = summary_ms(times)
    finally:
        await db.close()
    return out


def sweep(
    owner: str,
    app: str,
    corpus: Corpus,
    size: int,
    count: int,
    people: dict[str, Principal],
    ef_values: list[int],
    parameter_sets: list[tuple[int, ...]],
    say: Callable[[str], None],
) -> dict[str, Any]:
    """Build the index with each (m, ef_construction) in turn (the one there already: as it is) and measure its
    recall; then the migration's again."""
    definition = hnsw_index(owner)
    queries = make_queries(corpus, size, count, 2)
    out: dict[str, Any] = {}
    for m, ef_construction in parameter_sets:
        name = f"{m}:{ef_construction}"
        if parameters(hnsw_index(owner)) == (m, ef_construction):
            row = {"build_s": None, "index_size": sizes_on_disk(owner).get("library_chunks_embedding_idx")}
        else:
            row = build_hnsw(owner, with_parameters(definition, m, ef_construction))
        row["recall"] = asyncio.run(measure_recall(app, queries, people, ef_values))
        out[name] = row
        for label, rec in row["recall"].items():
            say(
                f"  m:ef_construction {name}: dựng {row['build_s']} s, {row['index_size']}; recall@10 ({label}) "
                f"{rec['recall@10']}, như search gọi {rec['recall@10_search_call']}"
            )
    if parameters(hnsw_index(owner)) != parameters(definition):
        build_hnsw(owner, definition)
    return out


# ---------------------------------------------------------------- main


def versions(owner: str) -> dict[str, str]:
    with psycopg.connect(owner) as conn:
        pg = scalar(conn, "show server_version")
        vector = scalar(conn, "select extversion from pg_extension where extname = 'vector'")
        settings = {name: scalar(conn, f"show {name}") for name in (*SERVER_SETTINGS, "jit")}
    return {"postgresql": pg, "pgvector": vector, **settings}


def fmt(x: float) -> str:
    return f"{x:,.1f}"


def main() -> None:
    """Load each size, measure, print a table, write artifacts/bench/search.json."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="chunk counts, ascending (1000000 possible)")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--recall-queries", type=int, default=200)
    parser.add_argument("--ef-search", default="40,100,200", help="ef_search values for the recall measurement")
    parser.add_argument(
        "--hnsw", default="", help="m:ef_construction pairs to build and measure in turn, e.g. 16:64,24:128"
    )
    parser.add_argument("--vectors-only", action="store_true", help="only the vector index: build, sizes, recall")
    parser.add_argument("--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "mattran-bench-search")
    parser.add_argument(
        "--models-dir",
        type=Path,
        default=None,
        help="converted embedding model (default .mattran/test-models if there, else DATA_DIR/models)",
    )
    parser.add_argument(
        "--store-per-size",
        action="store_true",
        help="one store per size under DATA_DIR/<size> (each kept: a later run of the same sizes reuses them all)",
    )
    parser.add_argument("--fresh", action="store_true", help="reload the chunks even if the store holds them")
    parser.add_argument("--no-embed", action="store_true", help="skip the query-embedding and whole-search timings")
    parser.add_argument(
        "--cold", action="store_true", help="measure without reading the library into memory first (pg_prewarm)"
    )
    parser.add_argument("--clusters", type=int, default=200)
    parser.add_argument("--intrinsic-dim", type=int, default=24, help="dimensions of the noise inside a cluster")
    parser.add_argument("--spread", type=float, default=0.6, help="scale of the noise inside a cluster")
    parser.add_argument("--isotropic", type=float, default=0.2, help="scale of the noise in every direction")
    parser.add_argument("--output", type=Path, default=OUT / "search.json")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    ef_values = [int(e) for e in args.ef_search.split(",")]
    parameter_sets = [tuple(int(x) for x in pair.split(":")) for pair in args.hnsw.split(",") if pair]

    def say(message: str) -> None:
        print(message, flush=True)

    def data_dir(size: int) -> Path:
        return args.data_dir / str(size) if args.store_per_size else args.data_dir

    started: dict[Path, StoreUrls] = {}

    def open_store(size: int) -> StoreUrls:
        """The store of ``size``, started once (each size's server stays up until the run ends)."""
        where = data_dir(size)
        if where not in started:
            started[where] = prepare_store(Settings(data_dir=where, database_url=None, demo_data=False), say)
        return started[where]

    info = machine()
    urls = open_store(sizes[0])
    info |= versions(urls.owner)
    say(
        f"máy: {info['cpu']}, {info['cores']} lõi, {info['ram_gib']} GiB; PostgreSQL {info['postgresql']}, "
        f"pgvector {info['pgvector']}; tải hệ thống {info['loadavg'][0]:.2f}; {info['date']}"
    )
    with psycopg.connect(urls.owner) as conn:
        provinces = [
            (c, p)
            for c, p in conn.execute("select code, path::text from units where level = 1 order by code").fetchall()
        ]
    corpus = Corpus(args.clusters, args.intrinsic_dim, args.spread, args.isotropic)
    say(
        f"dữ liệu tổng hợp: {args.clusters} cụm, nhiễu {args.intrinsic_dim} chiều ×{args.spread} + đẳng hướng "
        f"×{args.isotropic}; văn bản từ {len(corpus.pool):,} câu luật; {PUBLIC_SHARE:.0%} công khai, phần còn lại "
        f"nội bộ của {len(provinces)} tỉnh"
    )
    results: dict[str, Any] = {
        "machine": info,
        "data": {
            "clusters": args.clusters,
            "intrinsic_dim": args.intrinsic_dim,
            "spread": args.spread,
            "isotropic": args.isotropic,
            "public_share": PUBLIC_SHARE,
            "chunks_per_document": CHUNKS_PER_DOCUMENT,
            "sentences": len(corpus.pool),
            "queries": args.queries,
            "recall_queries": args.recall_queries,
            "ef_search_of_search": store.ef_search_for(50),
            "max_scan_tuples": store.MAX_SCAN_TUPLES,
            "hnsw": hnsw_index(urls.owner) + ", iterative_scan=relaxed_order",
        },
        "sizes": {},
    }
    if args.output.exists():  # keep earlier sizes (e.g. a 1M run) and figures unless measured again
        try:
            earlier = json.loads(args.output.read_text())
            results["sizes"] = earlier["sizes"]
            results.update({k: earlier[k] for k in ("embedding", "full_search", "estimate_1m_minutes") if k in earlier})
        except (ValueError, KeyError):
            pass
    for size in sizes:
        say(f"\n== {size:,} đoạn ==")
        urls = open_store(size)
        figures: dict[str, Any] = {"loadavg_before": os.getloadavg(), "data_dir": str(data_dir(size))}
        figures["load"] = load(urls.owner, corpus, size, provinces, args.fresh, say)
        figures["disk"] = sizes_on_disk(urls.owner)
        figures["server"] = server_memory(urls.owner, data_dir(size))
        built = figures["load"].get("index_s", {}).get("hnsw")
        say(
            f"  chỉ mục HNSW: dựng {built if built is not None else '(có sẵn)'} s, "
            f"{figures['disk'].get('library_chunks_embedding_idx')}; bảng {figures['disk']['library_chunks (table)']}; "
            f"máy chủ: {', '.join(f'{k} {v}' for k, v in figures['server'].items())}"
        )
        if not args.cold:
            warmed = figures["prewarm"] = prewarm(urls.owner)
            say(
                f"  làm nóng bộ nhớ (pg_prewarm): {warmed['mb']:,} MB trong {warmed['seconds']} s; chỉ mục không làm "
                f"nóng (tìm kiếm không đọc): {', '.join(warmed['indexes_left_out']) or 'không có'}"
            )
        people = principals(urls.owner)
        figures["scopes"] = {label: LibraryService.scope(p).as_pg_array() for label, p in people.items()}
        if parameter_sets:
            figures["hnsw"] = sweep(urls.owner, urls.app, corpus, size, args.recall_queries, people, ef_values,
                                    parameter_sets, say)  # fmt: skip
        if args.vectors_only:
            figures["loadavg_after"] = os.getloadavg()
            results["sizes"][str(size)] = figures
            args.output.parent.mkdir(parents=True, exist_ok=True)
            args.output.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
            continue
        queries = make_queries(corpus, size, args.queries, 1)
        figures["search"] = asyncio.run(measure_search(urls.app, queries, people))
        for label, row in figures["search"].items():
            stages = ", ".join(f"{k} {v['p95']}" for k, v in row["stages"].items())
            say(
                f"  tìm kiếm ({label}): p50 {row['total']['p50']} ms, p95 {row['total']['p95']} ms, "
                f"p99 {row['total']['p99']} ms; p95 từng bước: {stages}"
            )
        figures["fulltext_vs_exact"] = asyncio.run(
            fulltext_agreement(urls.app, queries, people, [("store.matching_chunks", store.matching_chunks)])
        )
        for label, rows in figures["fulltext_vs_exact"].items():
            row = rows["store.matching_chunks"]
            say(
                f"  full text so với tìm chính xác ({label}): giống hệt {row['same_ranking']}, top 10 chính xác "
                f"tìm thấy {row['exact_top10_found']}, top 50 {row['exact_top50_found']}"
            )
        recall_queries = make_queries(corpus, size, args.recall_queries, 2)
        figures["recall"] = asyncio.run(measure_recall(urls.app, recall_queries, people, ef_values))
        for label, row in figures["recall"].items():
            say(
                f"  recall@10 ({label}): {row['recall@10']} (ef_search); như search gọi: "
                f"{row['recall@10_search_call']}; chính xác p50 {row['exact_ms']['p50']} ms"
            )
        figures["loadavg_after"] = os.getloadavg()
        results["sizes"][str(size)] = figures
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")

    if not args.no_embed and not args.vectors_only:
        models = args.models_dir or (
            ROOT / ".mattran" / "test-models"
            if (ROOT / ".mattran" / "test-models").is_dir()
            else args.data_dir / "models"
        )
        embedder = load_embedder(models)
        questions = eval_questions()
        results["embedding"] = measure_embedding(embedder, questions)
        results["embedding"]["loadavg"] = os.getloadavg()
        say(
            f"\nnhúng câu hỏi ({results['embedding']['model']}): p50 {results['embedding']['p50']} ms, "
            f"p95 {results['embedding']['p95']} ms"
        )
        largest = max(sizes)
        biggest = open_store(largest)
        results["full_search"] = {
            "chunks": largest,
            **asyncio.run(measure_full(biggest.app, embedder, questions, principals(biggest.owner))),
        }
        for label, row in results["full_search"].items():
            if isinstance(row, dict):
                say(
                    f"tìm kiếm đầy đủ với mô hình thật ({largest:,} đoạn, {label}, {len(questions)} câu hỏi của "
                    f"bộ đánh giá): p50 {row['p50']} ms, p95 {row['p95']} ms"
                )

    estimate = None
    if 1_000_000 not in sizes and "100000" in results["sizes"] and "load_s" in results["sizes"]["100000"]["load"]:
        load100 = results["sizes"]["100000"]["load"]
        hnsw = load100["index_s"].get("hnsw", 0)
        other = sum(v for k, v in load100["index_s"].items() if k != "hnsw")
        other += load100.get("term_ids_index_s", 0)
        seconds = 10 * (load100["load_s"] + other + load100["vacuum_s"] + load100.get("term_stats_s", 0)) + 12 * hnsw
        estimate = round(seconds / 60)
        results["estimate_1m_minutes"] = estimate
    args.output.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")

    print(
        "\n| đoạn | phạm vi | p50 ms | p95 ms | p99 ms | FTS p95 | HNSW p95 | recall@10 (ef "
        + "/".join(map(str, ef_values))
        + ") |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for size, figures in results["sizes"].items():
        for label, row in figures.get("search", {}).items():
            rec = figures["recall"][label]["recall@10"]
            print(
                f"| {int(size):,} | {label} | {row['total']['p50']} | {row['total']['p95']} | "
                f"{row['total']['p99']} | {row['stages']['matching_chunks']['p95']} | "
                f"{row['stages']['nearest_chunks']['p95']} | {' / '.join(str(v) for v in rec.values())} |"
            )
    if parameter_sets:
        efs = "/".join(map(str, ef_values))
        print(f"\n| đoạn | m:ef_construction | dựng s | chỉ mục | phạm vi | recall@10 (ef {efs}) | như search gọi |")
        print("|---|---|---|---|---|---|---|")
        for size, figures in results["sizes"].items():
            for name, row in figures.get("hnsw", {}).items():
                for label, rec in row["recall"].items():
                    print(
                        f"| {int(size):,} | {name} | {row['build_s']} | {row['index_size']} | {label} | "
                        f"{' / '.join(str(v) for v in rec['recall@10'].values())} | {rec['recall@10_search_call']} |"
                    )
    if estimate is not None:
        print(
            f"\n1.000.000 đoạn không chạy: ước tính nạp và dựng chỉ mục mất khoảng {estimate} phút trên máy này "
            "(--sizes 10000,100000,1000000 để chạy)."
        )
    print(f"\nđã ghi {args.output}")


if __name__ == "__main__":
    main()
