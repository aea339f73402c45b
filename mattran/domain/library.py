"""The community library: hybrid search (vectors + unaccented full text), cited answers, documents.

Access is applied inside retrieval: every query runs in the caller's scope, and row-level security lets
through only the chunks the caller may read (public; internal ones for cadres of the unit's line).
"""

from __future__ import annotations

import asyncio
import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel

from mattran.auth.principal import Principal
from mattran.domain.access import PermissionDenied, UnknownUnit
from mattran.domain.embedding import Encoder
from mattran.domain.library_query import (
    is_unaccented,
    keywords,
    normalise_question,
    query_terms,
    relevant_sentences,
    restore_marks,
)
from mattran.domain.permissions import Operation, is_allowed
from mattran.scope import Scope
from mattran.store import library as store
from mattran.store import units as units_store
from mattran.store.db import Database

RRF_K = 60
CANDIDATES = 50
COMMON_TERM_SHARE = 0.2
CANDIDATE_BUDGET = 1500  # chunks full-text search scores at most, from the question's rarest terms
PAIRED_TERMS = 4  # when even the rarest term is common: chunks holding two of the four rarest
RESTORE_FROM = 5  # passages whose spelling puts the diacritics back into a question typed without them
# The library answers a question when a passage's cosine similarity plus half the share of the question's term
# weight it holds reaches this (calibrated on the retrieval eval set and off-topic questions: 89% of the
# questions kept, 80% of the off-topic ones told plainly that nothing relevant is held).
RELEVANT_CONFIDENCE = 0.95


class SearchHit(BaseModel):
    """One passage found, with what a citation needs."""

    chunk_id: int
    document_id: int
    title: str
    source: str
    heading: str
    anchor: str
    article: int | None = None
    text: str
    score: float
    notice: str | None = None

    @property
    def url(self) -> str:
        """The passage in the library's pages."""
        return f"/thu-vien/{self.document_id}#{self.anchor}"


class SearchResult(BaseModel):
    """The passages found for a question, best first."""

    query: str
    unaccented: bool
    hits: list[SearchHit]
    relevant: bool  # whether the best passage is about the question (else the hits are only the closest ones)


class Passage(BaseModel):
    """A cited passage and its sentences that answer the question."""

    hit: SearchHit
    sentences: list[str]


class Answer(BaseModel):
    """An extractive answer: the best passages, each cited; ``found`` is False when nothing is relevant."""

    question: str
    found: bool
    passages: list[Passage]


class DocumentIn(BaseModel):
    """A parsed document ready to be stored."""

    title: str
    source: str
    content: bytes
    kind: Literal["law", "guide", "document"] = "document"
    access: Literal["public", "internal"] = "public"
    unit_code: str | None = None
    notice: str | None = None
    chunker: str | None = None  # the version of the chunking that cut it (``ingest.chunking.CHUNKER_VERSION``)


@dataclass(frozen=True)
class ChunkIn:
    """One chunk to store: its heading path, anchor, article number and text."""

    heading: str
    anchor: str
    article: int | None
    body: str

    def embedding_text(self) -> str:
        """What the embedding reads: the heading path, then the text."""
        return f"{self.heading}\n{self.body}"

    def terms(self) -> list[str]:
        """What full-text search indexes: the heading's and the text's unaccented words and word pairs."""
        return keywords(f"{self.heading}\n{self.body}")


def content_hash(content: bytes) -> str:
    """The SHA-256 of a file's bytes: unchanged files are not ingested again."""
    return hashlib.sha256(content).hexdigest()


def term_weights(total: int, frequency: dict[str, int]) -> dict[str, float]:
    """Inverse document frequency of the question's terms found in the library, common ones left out."""
    informative = {t: df for t, df in frequency.items() if df <= COMMON_TERM_SHARE * total} or frequency
    return {t: math.log(1 + (total - df + 0.5) / (df + 0.5)) for t, df in informative.items()}


def candidates(
    weights: dict[str, float], frequency: dict[str, int], budget: int = CANDIDATE_BUDGET
) -> list[tuple[str, ...]]:
    """Which chunks full-text search scores, as groups of terms a chunk must hold together.

    The question's rarest terms, one each, as many as hold together at most ``budget`` chunks: a chunk holding
    none of them would score low anyway. When even the rarest term is more common than that, the chunks holding
    two of the few rarest terms together, so that the chunks scored are the most promising, not merely the first.
    """
    ordered = sorted(weights, key=lambda t: (frequency[t], t))
    chosen: list[str] = []
    held = 0
    for term in ordered:
        if chosen and held + frequency[term] > budget:
            break
        chosen.append(term)
        held += frequency[term]
    if held <= budget or len(ordered) < 2:
        return [(t,) for t in chosen]
    return list(combinations(ordered[:PAIRED_TERMS], 2))


def question_weight(total: int, frequency: dict[str, int], terms: list[str]) -> float:
    """The summed IDF of all the question's terms (a term the library never holds weighs the most)."""
    return sum(math.log(1 + (total - frequency.get(t, 0) + 0.5) / (frequency.get(t, 0) + 0.5)) for t in terms) or 1.0


def one_per_article(ranked: list[tuple[int, float]], rows: dict[int, dict[str, Any]]) -> list[tuple[int, float]]:
    """The best passage of each article (the other clauses of an article found would only crowd the list)."""
    seen: set[tuple[int, int]] = set()
    kept = []
    for chunk_id, score in ranked:
        article = rows[chunk_id]["article"]
        if article is not None:
            key = (int(rows[chunk_id]["document_id"]), int(article))
            if key in seen:
                continue
            seen.add(key)
        kept.append((chunk_id, score))
    return kept


def fuse(rankings: Sequence[Sequence[int]], k: int = RRF_K) -> list[tuple[int, float]]:
    """Reciprocal rank fusion of several rankings."""
    scores: dict[int, float] = {}
    for ids in rankings:
        for rank, chunk_id in enumerate(ids):
            scores[chunk_id] = scores.get(chunk_id, 0.0) + 1 / (k + rank + 1)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


class LibraryService:
    """Search, answers and documents of the library, within the caller's access."""

    def __init__(self, db: Database, embedder: Encoder) -> None:
        self.db = db
        self._embedder = embedder  # its model loads on first use (a few seconds)

    @staticmethod
    def scope(principal: Principal) -> Scope:
        """Library managers see every document; others what their scope allows."""
        return Scope.everything() if is_allowed(principal, Operation.LIBRARY_MANAGE) else principal.scope()

    @classmethod
    def statistics_class(cls, principal: Principal) -> Literal["public", "internal"]:
        """Whose term statistics rank the caller's search: a caller who may read no internal document gets those of
        the public documents alone, so that a ranking never tells which words internal documents hold."""
        return "internal" if cls.scope(principal).paths else "public"

    async def _query_vector(self, question: str) -> np.ndarray:
        return await asyncio.to_thread(self._embedder.query, question)

    async def search(self, principal: Principal, question: str, k: int = 5) -> SearchResult:
        """The ``k`` best passages for a question the caller may read.

        Both halves, nearest vectors and full text over unaccented words, are fused by reciprocal rank. A question
        typed without diacritics is embedded as the passages full-text search found for it spell its words
        (embeddings read unaccented Vietnamese poorly; measured on the eval set, restoring the marks this way
        takes the right article into the top 5 for 95% of such questions, against 55% without).
        """
        question = normalise_question(question)
        unaccented = is_unaccented(question)
        if not question:
            return SearchResult(query=question, unaccented=unaccented, hits=[], relevant=False)
        depth = max(CANDIDATES, k)
        vector = None if unaccented else await self._query_vector(question)
        async with self.db.transaction(self.scope(principal)) as conn:
            terms = query_terms(question)
            total, frequency = await store.term_stats(conn, terms, self.statistics_class(principal))
            weights = term_weights(total, frequency)
            matching = (
                await store.matching_chunks(
                    conn, list(weights), list(weights.values()), depth, candidates(weights, frequency), CANDIDATE_BUDGET
                )
                if weights
                else []
            )
            if vector is None:  # typed without diacritics: embed it as the matching passages spell it
                found = await store.chunks_by_id(conn, [i for i, _ in matching[:RESTORE_FROM]])
                vector = await self._query_vector(restore_marks(question, [r["body"] for r in found.values()]))
            nearest = await store.nearest_chunks(conn, vector, depth)
            fused = fuse([[i for i, _ in nearest], [i for i, _ in matching]])
            rows = await store.chunks_by_id(conn, [i for i, _ in fused[: max(4 * k, 20)]])
        chosen = one_per_article([(i, score) for i, score in fused if i in rows], rows)[:k]
        similarity, text_score = dict(nearest), dict(matching)
        asked = question_weight(total, frequency, terms)
        confidence = max(
            (similarity.get(i, 0.0) + 0.5 * text_score.get(i, 0.0) / asked for i, _ in chosen), default=0.0
        )
        hits = [
            SearchHit(
                chunk_id=i,
                document_id=rows[i]["document_id"],
                title=rows[i]["title"],
                source=rows[i]["source"],
                heading=rows[i]["heading"],
                anchor=rows[i]["anchor"],
                article=rows[i]["article"],
                text=rows[i]["body"],
                score=round(score, 6),
                notice=rows[i]["notice"],
            )
            for i, score in chosen
        ]
        return SearchResult(
            query=question, unaccented=unaccented, hits=hits, relevant=bool(hits) and confidence >= RELEVANT_CONFIDENCE
        )

    async def answer(self, principal: Principal, question: str, k: int = 3) -> Answer:
        """An extractive answer: the best passages with the sentences that answer the question."""
        found = await self.search(principal, question, k)
        passages = [Passage(hit=h, sentences=relevant_sentences(question, h.text)) for h in found.hits]
        return Answer(question=found.query, found=found.relevant, passages=passages if found.relevant else [])

    async def documents(
        self, principal: Principal, query: str | None = None, limit: int = 50, offset: int = 0
    ) -> list[dict[str, Any]]:
        """The documents the caller may read."""
        async with self.db.transaction(self.scope(principal)) as conn:
            return await store.documents(conn, query=query, limit=limit, offset=offset)

    async def document(self, principal: Principal, document_id: int) -> dict[str, Any] | None:
        """One document with its chunks, if the caller may read it."""
        async with self.db.transaction(self.scope(principal)) as conn:
            found = await store.document(conn, document_id)
            if found is None:
                return None
            return found | {"chunks": await store.chunks_of(conn, document_id)}

    async def counts(self, principal: Principal) -> dict[str, int]:
        """Documents and passages the caller may read."""
        async with self.db.transaction(self.scope(principal)) as conn:
            return await store.count_documents(conn)

    async def is_current(self, principal: Principal, source: str, digest: str, chunker: str) -> bool:
        """Whether ``source`` is stored with exactly this content already, chunked by ``chunker`` and embedded by
        this embedder."""
        async with self.db.transaction(self.scope(principal)) as conn:
            row = await store.document_by_source(conn, source)
            made_by = await store.made_by(conn, int(row["id"])) if row is not None else None
        return row is not None and row["content_hash"] == digest and made_by == (chunker, self._embedder.identity)

    async def save(
        self,
        principal: Principal,
        document: DocumentIn,
        chunks: Sequence[ChunkIn],
        vectors: np.ndarray | None = None,
        *,
        refresh: bool = True,
    ) -> int:
        """Store a document and its chunks, replacing an earlier version atomically; returns its id.

        ``refresh=False`` leaves the term statistics for one ``refresh_statistics`` after a batch.
        """
        if not is_allowed(principal, Operation.LIBRARY_MANAGE):
            raise PermissionDenied("Chỉ quản trị viên được thêm tài liệu vào thư viện.")
        if vectors is None:
            vectors = await self.embed(chunks)
        row = document.model_dump(exclude={"content"}) | {
            "content_hash": content_hash(document.content),
            "size_bytes": len(document.content),
            "added_by": principal.subject or "system",
            "embedder": self._embedder.identity,
        }
        async with self.db.transaction(Scope.everything()) as conn:
            if document.unit_code and await units_store.unit_by_code(conn, document.unit_code) is None:
                raise UnknownUnit(document.unit_code)
            document_id = await store.save_document(
                conn,
                row,
                [
                    {"heading": c.heading, "anchor": c.anchor, "article": c.article, "body": c.body, "terms": c.terms()}
                    for c in chunks
                ],
                vectors,
            )
            if refresh:
                await store.refresh_term_stats(conn)
            return document_id

    async def refresh_statistics(self) -> None:
        """Recount the terms of the whole library (after a batch of ``save(..., refresh=False)``)."""
        async with self.db.transaction(Scope.everything()) as conn:
            await store.refresh_term_stats(conn)

    async def embed(self, chunks: Sequence[ChunkIn]) -> np.ndarray:
        """The passage vectors of chunks (in a worker thread: encoding is CPU-bound)."""
        texts = [c.embedding_text() for c in chunks]
        return await asyncio.to_thread(self._embedder.passages, texts)

    async def delete(self, principal: Principal, document_ids: Sequence[int]) -> int:
        """Delete documents; returns how many were deleted."""
        if not is_allowed(principal, Operation.LIBRARY_MANAGE):
            raise PermissionDenied("Chỉ quản trị viên được xóa tài liệu của thư viện.")
        async with self.db.transaction(Scope.everything()) as conn:
            deleted = await store.delete_documents(conn, document_ids)
            await store.refresh_term_stats(conn)
            return deleted

    async def sources(self, principal: Principal) -> dict[str, int]:
        """Every stored document's source and id (for removing documents whose file is gone)."""
        async with self.db.transaction(self.scope(principal)) as conn:
            return {d["source"]: int(d["id"]) for d in await store.documents(conn, limit=100_000)}
