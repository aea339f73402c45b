"""SQL of the library: documents, chunks, nearest-vector and full-text candidates (RLS applies to all)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from psycopg import sql

from mattran.store.db import Conn, Row

# Vector search (the index's m and ef_construction, and how these were chosen: migration 0080): the HNSW candidate
# list of a search and how many index entries an iterative scan may read while row-level security filters them.
# From LARGE_LIBRARY chunks on (the index's own count of entries) the list doubles: on 1,000,000 chunks recall@10
# with filters was 0.84 at 100 and 0.96 at 200 (0.9625 again on 7 December; docs/benchmarks.md, issue #22).
EF_SEARCH = 100
EF_SEARCH_LARGE = 200
LARGE_LIBRARY = 500_000
MAX_SCAN_TUPLES = 20_000

_DOCUMENT_COLUMNS = (
    "d.id, d.title, d.source, d.kind, d.access, d.unit_code, d.notice, d.size_bytes, d.chunk_count, "
    "d.added_by, d.ingested_at, d.updated_at"
)


def vector_literal(vector: np.ndarray) -> str:
    """A pgvector text literal."""
    return "[" + ",".join(f"{x:.7g}" for x in vector.tolist()) + "]"


async def document_by_source(conn: Conn, source: str) -> Row | None:
    """The document ingested from ``source`` with its content hash, if any (and visible)."""
    cur = await conn.execute(
        "select id, content_hash, unit_path::text as unit_path from library_documents where source = %s", (source,)
    )
    return await cur.fetchone()


async def save_document(
    conn: Conn, document: dict[str, Any], chunks: Sequence[dict[str, Any]], vectors: np.ndarray
) -> int:
    """Insert or replace the document of ``document["source"]`` and all its chunks; returns its id (see
    :func:`save_documents`)."""
    return (await save_documents(conn, [(document, chunks, vectors)]))[0]


async def save_documents(
    conn: Conn, documents: Sequence[tuple[dict[str, Any], Sequence[dict[str, Any]], np.ndarray]]
) -> list[int]:
    """Insert or replace documents (each ``(document, chunks, vectors)``) and all their chunks; returns their ids.

    Run inside one transaction: readers see the old versions or the new ones, never a mix. The chunks are copied
    (``COPY``) into a temporary table shaped like ``library_chunks`` (``COPY`` is not allowed into a table under
    row-level security), then inserted from it in one statement, so every row passes the chunks' policies; the
    vectors travel as text literals, read by the column's own type.
    """
    ids: list[int] = []
    for document, chunks, _vectors in documents:
        cur = await conn.execute(
            """insert into library_documents (title, source, content_hash, kind, access, unit_code, unit_path, notice,
                                              size_bytes, chunk_count, added_by)
               values (%(title)s, %(source)s, %(content_hash)s, %(kind)s, %(access)s, %(unit_code)s,
                       (select path from units where code = %(unit_code)s), %(notice)s, %(size_bytes)s,
                       %(chunk_count)s, %(added_by)s)
               on conflict (source) do update set
                   title = excluded.title, content_hash = excluded.content_hash, kind = excluded.kind,
                   access = excluded.access, unit_code = excluded.unit_code, unit_path = excluded.unit_path,
                   notice = excluded.notice, size_bytes = excluded.size_bytes, chunk_count = excluded.chunk_count,
                   added_by = excluded.added_by, updated_at = now(), needs_reingest = false
               returning id""",
            document | {"chunk_count": len(chunks)},
        )
        row = await cur.fetchone()
        assert row is not None
        ids.append(int(row["id"]))
    await conn.execute("delete from library_chunks where document_id = any(%s)", (ids,))
    await conn.execute(
        "create temporary table library_chunk_load on commit drop as "
        "select document_id, ordinal, heading, anchor, article, body, embedding, chunker, embedder, ''::text as words "
        "from library_chunks with no data",
        prepare=False,
    )
    async with conn.cursor() as cur:
        async with cur.copy(
            "copy library_chunk_load (document_id, ordinal, heading, anchor, article, body, embedding, chunker, "
            "embedder, words) from stdin"
        ) as copy:
            for document_id, (document, chunks, vectors) in zip(ids, documents, strict=True):
                for ordinal, (chunk, vector) in enumerate(zip(chunks, vectors, strict=True)):
                    await copy.write_row(
                        (
                            document_id,
                            ordinal,
                            chunk["heading"],
                            chunk["anchor"],
                            chunk["article"],
                            chunk["body"],
                            vector_literal(vector),
                            document.get("chunker"),
                            document.get("embedder"),
                            " ".join(chunk["terms"]),
                        )
                    )
        await cur.execute(
            """insert into library_chunks (document_id, ordinal, heading, anchor, article, body, access, unit_path,
                                           embedding, terms, chunker, embedder)
               select l.document_id, l.ordinal, l.heading, l.anchor, l.article, l.body, d.access, d.unit_path,
                      l.embedding, strip(to_tsvector('simple', l.words)), l.chunker, l.embedder
               from library_chunk_load l join library_documents d on d.id = l.document_id""",
            prepare=False,
        )
        await cur.execute("drop table library_chunk_load", prepare=False)
    return ids


async def delete_documents(conn: Conn, ids: Sequence[int]) -> int:
    """Delete documents (and their chunks); returns how many were deleted."""
    cur = await conn.execute("delete from library_documents where id = any(%s)", (list(ids),))
    return cur.rowcount


async def documents(conn: Conn, *, query: str | None = None, limit: int = 50, offset: int = 0) -> list[Row]:
    """Visible documents, newest first, optionally filtered by title (diacritics-insensitive)."""
    where = "where library_fold(d.title) like '%%' || library_fold(%(q)s) || '%%'" if query else ""
    cur = await conn.execute(
        f"select {_DOCUMENT_COLUMNS} from library_documents d {where} "
        "order by d.kind = 'guide' desc, d.title limit %(limit)s offset %(offset)s",
        {"q": query, "limit": limit, "offset": offset},
    )
    return await cur.fetchall()


async def count_documents(conn: Conn) -> dict[str, int]:
    """Visible documents and chunks."""
    cur = await conn.execute(
        "select count(*) as documents, coalesce(sum(chunk_count), 0)::int as chunks from library_documents"
    )
    row = await cur.fetchone()
    return {"documents": int(row["documents"]), "chunks": int(row["chunks"])} if row else {"documents": 0, "chunks": 0}


async def document(conn: Conn, document_id: int) -> Row | None:
    """One visible document."""
    cur = await conn.execute(f"select {_DOCUMENT_COLUMNS} from library_documents d where d.id = %s", (document_id,))
    return await cur.fetchone()


async def chunks_of(conn: Conn, document_id: int) -> list[Row]:
    """A document's chunks in reading order."""
    cur = await conn.execute(
        "select id, ordinal, heading, anchor, article, body from library_chunks "
        "where document_id = %s order by ordinal",
        (document_id,),
    )
    return await cur.fetchall()


async def chunk_vectors(conn: Conn) -> list[Row]:
    """Every visible chunk's vector with its document's source, article and heading (to learn the query adapter)."""
    cur = await conn.execute(
        "select c.id, d.source, c.article, c.heading, c.embedding::vector::real[] as embedding "
        "from library_chunks c join library_documents d on d.id = c.document_id order by c.id"
    )
    return await cur.fetchall()


def ef_search_for(limit: int, chunks: float = 0) -> int:
    """The HNSW candidate list for ``limit`` results in an index of ``chunks`` entries (migration 0080 and
    :data:`EF_SEARCH_LARGE` say how it was chosen; ``chunks`` as the catalogue estimates them)."""
    return min(1000, max(EF_SEARCH_LARGE if chunks >= LARGE_LIBRARY else EF_SEARCH, 2 * limit))


async def nearest_chunks(
    conn: Conn, vector: np.ndarray, limit: int, ef_search: int | None = None
) -> list[tuple[int, float]]:
    """Visible chunks nearest to ``vector`` (cosine similarity), through the HNSW index.

    Row-level security filters the index scan's output; iterative scanning keeps reading the index until
    ``limit`` visible rows are found (up to ``MAX_SCAN_TUPLES`` index entries), and should the filter still leave
    fewer, the exact search over the visible chunks answers: a filter never starves the result.
    ``ef_search``: the candidate list (default :func:`ef_search_for` the limit and the index's size, which the
    statement setting it reads from the catalogue: no extra round trip).
    """
    if ef_search is None:
        small, large = ef_search_for(limit), ef_search_for(limit, LARGE_LIBRARY)
        await conn.execute(
            """select set_config('hnsw.ef_search',
                      (case when reltuples >= %(large_library)s then %(large)s else %(small)s end)::text, true)
               from pg_class where oid = 'library_chunks'::regclass""",
            {"large_library": LARGE_LIBRARY, "large": large, "small": small},
        )
    else:
        ef = max(int(ef_search), limit)
        await conn.execute(sql.SQL("set local hnsw.ef_search = {}").format(sql.Literal(ef)))
    await conn.execute("set local hnsw.iterative_scan = relaxed_order")
    await conn.execute(sql.SQL("set local hnsw.max_scan_tuples = {}").format(sql.Literal(MAX_SCAN_TUPLES)))
    cur = await conn.execute(
        """with nearest as materialized (
               select id, embedding <=> %(v)s::halfvec as distance from library_chunks
               order by embedding <=> %(v)s::halfvec limit %(n)s)
           select id, 1 - distance as score from nearest order by distance""",
        {"v": vector_literal(vector), "n": limit},
        prepare=False,
    )
    found = [(int(r["id"]), float(r["score"])) for r in await cur.fetchall()]
    return found if len(found) == limit else await _exact_nearest(conn, vector, limit)


async def exact_nearest_chunks(conn: Conn, vector: np.ndarray, limit: int) -> list[int]:
    """The same as ``nearest_chunks`` without the index (exact search), to measure the index's recall."""
    return [i for i, _ in await _exact_nearest(conn, vector, limit)]


async def _exact_nearest(conn: Conn, vector: np.ndarray, limit: int) -> list[tuple[int, float]]:
    """Visible chunks nearest to ``vector`` by reading them all (index scans off for this query only)."""
    cur = await conn.execute("select current_setting('enable_indexscan') as was")
    was = (await cur.fetchone() or {"was": "on"})["was"]
    await conn.execute("select set_config('enable_indexscan', 'off', true)")
    cur = await conn.execute(
        "select id, 1 - (embedding <=> %s::halfvec) as score from library_chunks "
        "order by embedding <=> %s::halfvec limit %s",
        (vector_literal(vector), vector_literal(vector), limit),
        prepare=False,
    )
    rows = await cur.fetchall()
    await conn.execute("select set_config('enable_indexscan', %s, true)", (was,))
    return [(int(r["id"]), float(r["score"])) for r in rows]


async def refresh_term_stats(conn: Conn) -> None:
    """Recount how many chunks hold each term, per access class (a repair: triggers keep the counts as chunks are
    written, migration 0083). "public" counts public chunks only, "internal" every chunk; the empty term holds the
    class's number of chunks."""
    await conn.execute("select library_terms_recount()")


async def term_stats(
    conn: Conn, terms: Sequence[str], access: Literal["public", "internal"]
) -> tuple[int, dict[str, int]]:
    """The number of chunks of the access class and, per term, how many of them hold it."""
    cur = await conn.execute(
        "select term, df from library_terms where access = %s and term = any(%s)", (access, ["", *terms])
    )
    found = {r["term"]: int(r["df"]) for r in await cur.fetchall()}
    return found.pop("", 0), found


async def matching_chunks(
    conn: Conn,
    terms: Sequence[str],
    weights: Sequence[float],
    limit: int,
    candidates: Sequence[Sequence[str]] | None = None,
    cap: int | None = None,
) -> list[tuple[int, float]]:
    """Visible chunks scored by the summed weight (IDF) of the ``terms`` they hold, best first.

    Only ``candidates`` are scored: chunks holding all the terms of one of its groups (default: any one of
    ``terms``), at most ``cap`` of them (default: no bound), so the work stays bounded however large the library
    grows. Found and scored on the chunks' terms as lexeme ids (``library_chunk_terms``), never reading the chunks.
    """
    cur = await conn.execute("select term, id from library_lexemes where term = any(%s)", (list(terms),))
    ids = {r["term"]: int(r["id"]) for r in await cur.fetchall()}
    groups = [g for g in (candidates or [[t] for t in terms]) if all(t in ids for t in g)]
    held = [(ids[t], w) for t, w in zip(terms, weights, strict=True) if t in ids]
    if not groups:  # a group with a term no chunk holds matches nothing
        return []
    cur = await conn.execute(
        """with w as materialized (select * from unnest(%(ids)s::int[], %(weights)s::float8[]) as w(id, weight))
           select c.id, (select sum(w.weight) from w where w.id = any(c.held)) as score
           from (select chunk_id as id, terms & %(ids)s::int[] as held from library_chunk_terms
                 where terms @@ %(any)s::query_int limit %(cap)s) c  -- limit null: no bound
           order by score desc, c.id limit %(n)s""",
        {
            "ids": [i for i, _ in held],
            "weights": [w for _, w in held],
            "n": limit,
            "cap": cap,
            "any": "|".join("(" + "&".join(str(ids[t]) for t in group) + ")" for group in groups),
        },
        # planned for these terms each time: a generic plan cannot tell a rare term (the GIN index) from terms most
        # chunks hold (reading the table until the cap is reached); at 1,000,000 chunks its slowest calls took
        # 200-260 ms, 100 ms when planned each time
        prepare=False,
    )
    return [(int(r["id"]), float(r["score"])) for r in await cur.fetchall()]


async def chunks_by_id(conn: Conn, ids: Sequence[int]) -> dict[int, Row]:
    """Visible chunks with their document's title, source and notice."""
    cur = await conn.execute(
        """select c.id, c.document_id, c.heading, c.anchor, c.article, c.body, d.title, d.source, d.notice,
                  d.access
           from library_chunks c join library_documents d on d.id = c.document_id
           where c.id = any(%s)""",
        (list(ids),),
    )
    return {int(r["id"]): r for r in await cur.fetchall()}


async def made_by(conn: Conn, document_id: int) -> tuple[str | None, str | None] | None:
    """(chunker, embedder) that made all the document's chunks, or None when they were made by several."""
    cur = await conn.execute(
        "select chunker, embedder from library_chunks where document_id = %s group by chunker, embedder limit 2",
        (document_id,),
    )
    rows = await cur.fetchall()
    return (rows[0]["chunker"], rows[0]["embedder"]) if len(rows) == 1 else None


async def outdated_documents(conn: Conn, chunker: str, embedder: str) -> list[Row]:
    """Documents with chunks made by another embedder, or by another chunker (unless flagged for re-ingest already),
    with how many chunks each has and how many of their vectors are outdated."""
    cur = await conn.execute(
        """select d.id, d.source, d.content_hash, d.kind, d.access, d.unit_code, d.needs_reingest,
                  count(*)::int as chunks,
                  (count(*) filter (where c.embedder is distinct from %(e)s))::int as outdated_vectors,
                  bool_or(c.chunker is distinct from %(c)s) as outdated_chunks
           from library_documents d join library_chunks c on c.document_id = d.id
           group by d.id
           having bool_or(c.embedder is distinct from %(e)s)
                  or (bool_or(c.chunker is distinct from %(c)s) and not d.needs_reingest)
           order by d.id""",
        {"c": chunker, "e": embedder},
    )
    return await cur.fetchall()


async def chunks_to_embed(conn: Conn, document_ids: Sequence[int], embedder: str) -> list[Row]:
    """The documents' chunks whose vector was made by another embedder, in reading order."""
    cur = await conn.execute(
        "select id, document_id, heading, body from library_chunks "
        "where document_id = any(%s) and embedder is distinct from %s order by document_id, ordinal",
        (list(document_ids), embedder),
    )
    return await cur.fetchall()


async def replace_vectors(conn: Conn, ids: Sequence[int], vectors: np.ndarray, embedder: str) -> int:
    """Give chunks new vectors made by ``embedder``; returns how many were still there to change."""
    cur = await conn.execute(
        "update library_chunks c set embedding = v.e::halfvec, embedder = %s "
        "from unnest(%s::bigint[], %s::text[]) as v(id, e) where c.id = v.id",
        (embedder, list(ids), [vector_literal(v) for v in vectors]),
    )
    return cur.rowcount


async def flag_for_reingest(conn: Conn, document_id: int) -> None:
    """Mark a document to be ingested again (its chunker changed and its source file is not there)."""
    await conn.execute("update library_documents set needs_reingest = true where id = %s", (document_id,))


async def article_signals(
    conn: Conn, chunk_ids: Sequence[int], vector: np.ndarray, terms: Sequence[str]
) -> dict[tuple[int, int], Row]:
    """The visible articles holding any of ``chunk_ids``, as wholes: per (document, article), its chunk count, the
    cosine similarity of ``vector`` to the mean of its chunks' vectors, and which of ``terms`` any of its chunks
    holds."""
    if not chunk_ids:
        return {}
    cur = await conn.execute(
        """with k as (select distinct document_id, article from library_chunks
                      where id = any(%(ids)s::bigint[]) and article is not null),
                c as materialized (select c.document_id, c.article, c.embedding, c.terms
                                   from library_chunks c join k using (document_id, article)),
                w as materialized (select t, to_tsquery('simple', t) as q from unnest(%(terms)s::text[]) as t),
                held as (select c.document_id, c.article, array_agg(distinct w.t) as held
                         from c join w on c.terms @@ w.q group by c.document_id, c.article)
           select a.document_id, a.article, a.chunks, a.similarity, coalesce(h.held, '{}') as held
           from (select document_id, article, count(*)::int as chunks,
                        1 - (avg(embedding::vector) <=> %(v)s::vector) as similarity
                 from c group by document_id, article) a
           left join held h using (document_id, article)""",
        {
            "ids": list(chunk_ids),
            "v": vector_literal(vector),
            "terms": list(terms),
        },
        prepare=False,
    )
    return {(int(r["document_id"]), int(r["article"])): r for r in await cur.fetchall()}
