"""The library's vectors: half precision storage, and nearest-chunk search under row-level security that a filter
never starves."""

from __future__ import annotations

import uuid

import numpy as np
import psycopg
from psycopg.rows import dict_row

from mattran.bootstrap import StoreUrls
from mattran.scope import Scope
from mattran.store import library as store
from mattran.store.db import Database

DIM = 384


def _unit(m: np.ndarray) -> np.ndarray:
    return (m / np.linalg.norm(m, axis=-1, keepdims=True)).astype(np.float32)


def _chunks(count: int) -> list[dict[str, object]]:
    return [
        {"heading": f"Điều {i + 1}", "anchor": f"dieu-{i + 1}", "article": i + 1, "body": "Nội dung.", "terms": []}
        for i in range(count)
    ]


def test_embeddings_are_half_precision_under_a_cosine_hnsw_index(urls: StoreUrls) -> None:
    with psycopg.connect(urls.owner) as conn:
        kind = conn.execute(
            "select format_type(atttypid, atttypmod) from pg_attribute "
            "where attrelid = 'library_chunks'::regclass and attname = 'embedding'"
        ).fetchone()
        index = conn.execute(
            "select indexdef from pg_indexes where indexname = 'library_chunks_embedding_idx'"
        ).fetchone()
    assert kind == ("halfvec(384)",)
    assert index is not None and "hnsw (embedding halfvec_cosine_ops)" in index[0]


async def test_a_citizen_gets_k_public_chunks_when_the_nearest_are_internal(db: Database, urls: StoreUrls) -> None:
    """300 internal chunks lie nearest the question, 12 public ones further: the citizen still gets 10 results,
    the 10 nearest public chunks in order (the exact search's), the province's cadre the internal ones first."""
    rng = np.random.default_rng(22)
    question = _unit(rng.standard_normal(DIM))
    near = _unit(question + rng.standard_normal((300, DIM)) * 0.3 / np.sqrt(DIM))  # cosine ≈ 0.95
    far = _unit(question + rng.standard_normal((12, DIM)) * 1.5 / np.sqrt(DIM))  # cosine ≈ 0.55
    with psycopg.connect(urls.owner) as conn:
        code, path = conn.execute("select code, path::text from units where level = 1 order by code limit 1").fetchone()  # type: ignore[misc]
    marker = uuid.uuid4().hex[:8]
    documents = [({"access": "internal", "unit_code": code}, near[i * 100 : (i + 1) * 100]) for i in range(3)] + [
        ({"access": "public", "unit_code": None}, far)
    ]
    ids = []
    async with db.transaction(Scope.everything()) as conn:
        for n, (access, vectors) in enumerate(documents):
            document = access | {
                "title": f"Văn bản vector {marker} {n}",
                "source": f"test://vectors/{marker}/{n}",
                "content_hash": marker,
                "kind": "document",
                "notice": None,
                "size_bytes": 0,
                "added_by": "test",
            }
            ids.append(await store.save_document(conn, document, _chunks(len(vectors)), vectors))
    try:
        async with db.read(Scope.public()) as conn:
            found = await store.nearest_chunks(conn, question, 10)
            exact = await store.exact_nearest_chunks(conn, question, 10)
            public = await store.chunks_by_id(conn, [i for i, _ in found])
        assert len(found) == 10 and [i for i, _ in found] == exact
        assert {int(r["document_id"]) for r in public.values()} == {ids[3]}
        assert all(0.4 < score < 0.75 for _, score in found)
        async with db.read(Scope.of_unit(path)) as conn:
            cadre = await store.nearest_chunks(conn, question, 10)
            rows = await store.chunks_by_id(conn, [i for i, _ in cadre])
        assert len(cadre) == 10 and {int(r["document_id"]) for r in rows.values()} <= set(ids[:3])
        assert all(score > 0.9 for _, score in cadre)
    finally:
        async with db.transaction(Scope.everything()) as conn:
            await store.delete_documents(conn, ids)


def test_the_candidate_list_grows_with_the_library() -> None:
    assert store.ef_search_for(50) == store.ef_search_for(50, store.LARGE_LIBRARY - 1) == store.EF_SEARCH
    assert store.ef_search_for(50, store.LARGE_LIBRARY) == store.EF_SEARCH_LARGE > store.EF_SEARCH
    assert store.ef_search_for(400) == 800 and store.ef_search_for(900, 10**7) == 1000


async def test_the_search_sets_the_candidate_list_for_the_librarys_size(db: Database, urls: StoreUrls) -> None:
    """The size is the catalogue's estimate of the chunks (a 1,000,000-chunk library is faked there, as the owner,
    inside a transaction that is rolled back)."""
    question = _unit(np.random.default_rng(5).standard_normal(DIM))
    async with db.read(Scope.public()) as conn:
        await store.nearest_chunks(conn, question, 10)
        cur = await conn.execute("select current_setting('hnsw.ef_search') as ef")
        assert (await cur.fetchone()) == {"ef": str(store.EF_SEARCH)}
    connect = psycopg.AsyncConnection.connect(urls.owner, row_factory=dict_row)
    async with await connect as owner, owner.transaction(force_rollback=True):
        await owner.execute("update pg_class set reltuples = 1000000 where oid = 'library_chunks'::regclass")
        await store.nearest_chunks(owner, question, 10)
        cur = await owner.execute("select current_setting('hnsw.ef_search') as ef")
        assert (await cur.fetchone()) == {"ef": str(store.EF_SEARCH_LARGE)}
