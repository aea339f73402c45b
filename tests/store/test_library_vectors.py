"""The library's vectors: half precision storage, and nearest-chunk search under row-level security that a filter
never starves."""

from __future__ import annotations

import uuid

import numpy as np
import psycopg

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
